/** A word of the question after Postgres normalised it (stemmed, stop words gone), with its position. */
export interface QuestionLexeme {
  lexeme: string;
  position: number;
}

/** A synonym term normalised the same way: its lexemes and the position step from each to the next. */
export interface NormalizedTerm {
  lexemes: string[];
  steps: number[];
}

export type SynonymGroup = NormalizedTerm[];

/** One thing the question asks about, as a tsquery that accepts any of its phrasings. */
export interface Concept {
  query: string;
  /** The question's own words it stands for (for logs and tests). */
  label: string;
}

export function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `'work' <2> 'home'`: the lexemes at the same distances as in the term ("work from home"). */
export function termQuery(term: NormalizedTerm): string {
  return term.lexemes.map((lexeme, i) => (i === 0 ? quoteLexeme(lexeme) : ` <${term.steps[i - 1]}> ${quoteLexeme(lexeme)}`)).join('');
}

function anyOf(terms: NormalizedTerm[]): string {
  const seen = new Set<string>();
  const queries = terms.map(termQuery).filter((q) => !seen.has(q) && seen.add(q));
  return queries.length === 1 ? queries[0] : queries.map((q) => (q.includes('<') ? `(${q})` : q)).join(' | ');
}

/**
 * Whether the question contains the term: its lexemes in order, each within one position more than
 * in the term (so "work from my home" still contains "work from home").
 */
export function containsTerm(question: QuestionLexeme[], term: NormalizedTerm): boolean {
  const at = new Map<string, number[]>();
  for (const { lexeme, position } of question) at.set(lexeme, [...(at.get(lexeme) ?? []), position]);
  const from = (index: number, position: number): boolean => {
    if (index === term.lexemes.length) return true;
    const limit = position + term.steps[index - 1] + 1;
    return (at.get(term.lexemes[index]) ?? []).some((p) => p > position && p <= limit && from(index + 1, p));
  };
  return (at.get(term.lexemes[0]) ?? []).some((p) => from(1, p));
}

/**
 * The concepts of a question: each of its words, widened by the synonym groups that word belongs
 * to, plus one concept per multi-word synonym the question contains ("work from home" → also
 * "remote work", "telework"). Ranking weighs each concept by how rare it is, so a question need not
 * share every word with its answer, and a common word counts for little.
 */
export function planConcepts(question: QuestionLexeme[], groups: SynonymGroup[]): Concept[] {
  const concepts: Concept[] = [];
  const seen = new Set<string>();
  const add = (terms: NormalizedTerm[], label: string) => {
    const query = anyOf(terms);
    if (!seen.has(query)) {
      seen.add(query);
      concepts.push({ query, label });
    }
  };
  const lexemes = [...new Set([...question].sort((a, b) => a.position - b.position).map((q) => q.lexeme))];
  for (const lexeme of lexemes) {
    const single: NormalizedTerm = { lexemes: [lexeme], steps: [] };
    const widened = groups.filter((group) => group.some((term) => term.lexemes.length === 1 && term.lexemes[0] === lexeme));
    add([single, ...widened.flat()], lexeme);
  }
  for (const group of groups) {
    const matched = group.find((term) => term.lexemes.length > 1 && containsTerm(question, term));
    if (matched) add(group, matched.lexemes.join(' '));
  }
  return concepts;
}

/** Words the question excludes web-search style: "-word" (not inside quotes, which websearch_to_tsquery reads as a phrase). */
const EXCLUDED = /(^|\s)-([^\s"-][^\s"]*)/g;

export function excludedWords(question: string): string[] {
  return [...question.matchAll(EXCLUDED)].map((m) => m[2]);
}

export function withoutExcludedWords(question: string): string {
  return question.replace(EXCLUDED, '$1').replace(/\s+/g, ' ').trim();
}
