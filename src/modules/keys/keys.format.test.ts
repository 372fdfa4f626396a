import { describe, expect, it } from 'vitest';
import { generateKey, isWellFormedKey, KEY_PATTERN } from './keys.format.js';

describe('key format', () => {
  it('generates live and test keys with a display prefix and a valid checksum', () => {
    const live = generateKey('live');
    const test = generateKey('test');
    expect(live.plaintext).toMatch(KEY_PATTERN);
    expect(live.plaintext.startsWith('trk_live_')).toBe(true);
    expect(test.plaintext.startsWith('trk_test_')).toBe(true);
    expect(live.prefix).toBe(live.plaintext.slice(0, 15));
    expect(isWellFormedKey(live.plaintext)).toBe(true);
    expect(isWellFormedKey(test.plaintext)).toBe(true);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateKey('live').plaintext));
    expect(keys.size).toBe(2000);
  });

  it('refuses a key with one character changed, truncated, or of another shape', () => {
    const { plaintext } = generateKey('live');
    const i = 20;
    const swapped = plaintext.slice(0, i) + (plaintext[i] === 'a' ? 'b' : 'a') + plaintext.slice(i + 1);
    expect(isWellFormedKey(swapped)).toBe(false);
    expect(isWellFormedKey(plaintext.slice(0, -1))).toBe(false);
    expect(isWellFormedKey(plaintext.replace('trk_live_', 'trk_prod_'))).toBe(false);
    expect(isWellFormedKey('')).toBe(false);
    expect(isWellFormedKey(`${plaintext} `)).toBe(false);
  });

  it('spreads random characters over the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (let n = 0; n < 500; n += 1) {
      for (const ch of generateKey('live').plaintext.slice(9, 41)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
  });
});
