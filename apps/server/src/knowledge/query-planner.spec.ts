import { containsTerm, excludedWords, NormalizedTerm, planConcepts, QuestionLexeme, termQuery, withoutExcludedWords } from './query-planner.js';
import { cosineSimilarity, reciprocalRankFusion } from './rank-fusion.js';
import { parseSynonyms, readSynonymFile } from './synonyms.js';

/** Lexemes at consecutive positions from 1, as to_tsvector would give them for a stop-word-free text. */
const question = (...lexemes: string[]): QuestionLexeme[] => lexemes.map((lexeme, i) => ({ lexeme, position: i + 1 }));
const term = (lexemes: string[], steps: number[] = lexemes.slice(1).map(() => 1)): NormalizedTerm => ({ lexemes, steps });

describe('knowledge query planning', () => {
  describe(termQuery.name, () => {
    it('should keep the distances between a phrase\'s words and quote every lexeme', () => {
      expect(termQuery(term(['work', 'home'], [2]))).toBe("'work' <2> 'home'");
      expect(termQuery(term(["o'brien"]))).toBe("'o''brien'");
      expect(termQuery(term(['back\\slash']))).toBe("'back\\\\slash'");
    });
  });

  describe(containsTerm.name, () => {
    it('should find a phrase in order, allowing one extra word between its words', () => {
      const workFromHome = term(['work', 'home'], [2]);
      expect(containsTerm([{ lexeme: 'work', position: 3 }, { lexeme: 'home', position: 5 }], workFromHome)).toBe(true);
      expect(containsTerm([{ lexeme: 'work', position: 3 }, { lexeme: 'home', position: 6 }], workFromHome)).toBe(true);
      expect(containsTerm([{ lexeme: 'work', position: 3 }, { lexeme: 'home', position: 7 }], workFromHome)).toBe(false);
      expect(containsTerm([{ lexeme: 'home', position: 1 }, { lexeme: 'work', position: 3 }], workFromHome)).toBe(false);
    });
  });

  describe(planConcepts.name, () => {
    const groups = [
      [term(['vacat']), term(['annual', 'leav']), term(['pto'])],
      [term(['remot', 'work']), term(['work', 'home'], [2]), term(['telework'])],
    ];

    it('should make one concept per word, widened by the synonym groups the word is in', () => {
      expect(planConcepts(question('mani', 'vacat', 'day'), groups)).toEqual([
        { query: "'mani'", label: 'mani' },
        { query: "'vacat' | ('annual' <1> 'leav') | 'pto'", label: 'vacat' },
        { query: "'day'", label: 'day' },
      ]);
    });

    it('should add a concept for a multi-word synonym the question contains, keeping its words as concepts too', () => {
      const concepts = planConcepts([{ lexeme: 'work', position: 3 }, { lexeme: 'home', position: 5 }, { lexeme: 'friday', position: 7 }], groups);
      expect(concepts.map((c) => c.query)).toEqual(["'work'", "'home'", "'friday'", "('remot' <1> 'work') | ('work' <2> 'home') | 'telework'"]);
    });

    it('should give no concepts for a question of stop words only', () => {
      expect(planConcepts([], groups)).toEqual([]);
    });
  });

  describe('excluded words', () => {
    it('should read "-word" as an exclusion, but not a hyphen inside a word or a quoted phrase', () => {
      expect(excludedWords('vpn setup -windows -"mac os" well-known')).toEqual(['windows']);
      expect(withoutExcludedWords('vpn -windows setup')).toBe('vpn setup');
    });
  });

  describe(parseSynonyms.name, () => {
    it('should read one group per line, ignoring comments, blanks, case, duplicates and one-term lines', () => {
      expect(parseSynonyms('# comment\nPTO, vacation , annual leave # trailing\n\nlonely\nvpn, VPN, tunnel\n')).toEqual([
        ['pto', 'vacation', 'annual leave'],
        ['vpn', 'tunnel'],
      ]);
    });

    it('should ship a synonym list that parses', () => {
      const groups = readSynonymFile();
      expect(groups.length).toBeGreaterThan(50);
      expect(groups.some((g) => g.includes('wfh') && g.includes('work from home'))).toBe(true);
    });
  });
});

describe('rank fusion', () => {
  it('should add 1 / (60 + rank) from every ranking an item is in', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a'],
    ]);
    expect([...fused.keys()]).toEqual(['a', 'c', 'b']);
    expect(fused.get('a')).toBeCloseTo(1 / 61 + 1 / 62);
    expect(fused.get('c')).toBeCloseTo(1 / 63 + 1 / 61);
    expect(fused.get('b')).toBeCloseTo(1 / 62);
  });

  it('should compute cosine similarity, and 0 for empty or mismatched vectors', () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 2])).toBeCloseTo(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosineSimilarity([1, 2], [1, 2, 3])).toBe(0);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });
});
