import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import type { NormalizedTerm, SynonymGroup } from './query-planner.js';

/** The synonym list shipped with the server; the build copies it next to the compiled code. */
export const SYNONYMS_FILE = new URL('./data/synonyms.txt', import.meta.url);

/** One group per line, terms separated by commas; `#` starts a comment. */
export function parseSynonyms(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => [...new Set(line.split(',').map((term) => term.trim().toLowerCase()).filter(Boolean))])
    .filter((group) => group.length > 1);
}

export function readSynonymFile(file: URL | string = SYNONYMS_FILE): string[][] {
  return parseSynonyms(readFileSync(file, 'utf8'));
}

/**
 * Normalises every term with the same text search configuration the index uses, so "laptops" in a
 * question meets "laptop" in the list, whatever the language's stemmer makes of either.
 */
export async function normalizeSynonyms(dataSource: DataSource, language: string, groups: string[][]): Promise<SynonymGroup[]> {
  if (groups.length === 0) return [];
  const terms = groups.flat();
  const rows = await dataSource.query<{ term: string; lexeme: string; positions: number[] }[]>(
    `SELECT t.term, s.lexeme, s.positions
       FROM unnest($2::text[]) AS t(term)
       CROSS JOIN LATERAL unnest(to_tsvector($1::regconfig, t.term)) AS s`,
    [language, terms],
  );
  const byTerm = new Map<string, { lexeme: string; position: number }[]>();
  for (const row of rows) {
    for (const position of row.positions) byTerm.set(row.term, [...(byTerm.get(row.term) ?? []), { lexeme: row.lexeme, position }]);
  }
  const normalize = (term: string): NormalizedTerm | null => {
    const parts = (byTerm.get(term) ?? []).sort((a, b) => a.position - b.position);
    // A phrase whose other words are all stop words ("time off" → "time") would stand for a
    // different, far commoner word: such a term is left out rather than mismatched.
    if (parts.length === 0 || (parts.length === 1 && /[\s-]/.test(term.trim()))) return null;
    return { lexemes: parts.map((p) => p.lexeme), steps: parts.slice(1).map((p, i) => p.position - parts[i].position) };
  };
  return groups.map((group) => group.map(normalize).filter((t): t is NormalizedTerm => t !== null)).filter((group) => group.length > 1);
}
