import { ERROR_CODES, ErrorCode } from './errors.js';
import { ROOM_ID_PATTERN } from './models.js';

describe('contract', () => {
  it('should list every error code once, each equal to its own key', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
  });

  it('should accept URL-safe room ids and reject the rest', () => {
    expect(ROOM_ID_PATTERN.test('general')).toBe(true);
    expect(ROOM_ID_PATTERN.test('team_1-x')).toBe(true);
    for (const bad of ['', '-lead', 'Upper', 'has space', 'a/b', 'x'.repeat(65)]) {
      expect(ROOM_ID_PATTERN.test(bad)).toBe(false);
    }
  });
});
