import { describe, expect, it } from 'vitest';
import { UniqueHashSet } from './unique.hash-set.js';

const fold = (text: string) => text.normalize('NFC').toLowerCase();

describe('UniqueHashSet', () => {
  it('answers 0 for a new value and the first row for a value seen before', () => {
    const set = new UniqueHashSet(fold);
    expect(set.firstRowOrAdd('V00000001', 2)).toBe(0);
    expect(set.firstRowOrAdd('V00000002', 3)).toBe(0);
    expect(set.firstRowOrAdd('V00000001', 9)).toBe(2);
    // The first row stays the one reported.
    expect(set.firstRowOrAdd('V00000001', 10)).toBe(2);
    expect(set.size).toBe(2);
  });

  it('compares case-insensitively, and non-ASCII text through the fold', () => {
    const set = new UniqueHashSet(fold);
    set.firstRowOrAdd('Acme-01', 2);
    expect(set.firstRowOrAdd('ACME-01', 3)).toBe(2);
    // "é" composed and decomposed are the same text once folded to NFC.
    set.firstRowOrAdd('Caf\u00e9', 4);
    expect(set.firstRowOrAdd('CAFE\u0301', 5)).toBe(4);
    expect(set.has('café')).toBe(true);
    expect(set.has('cafe')).toBe(false);
    // Whitespace and punctuation count.
    expect(set.firstRowOrAdd('Acme 01', 6)).toBe(0);
  });

  it('keeps every value through growth, with no false duplicate among 300,000 similar codes', () => {
    const set = new UniqueHashSet(fold);
    const before = set.bytes;
    let falseDuplicates = 0;
    for (let i = 1; i <= 300_000; i++) if (set.firstRowOrAdd(`V${String(i).padStart(8, '0')}`, i) !== 0) falseDuplicates++;
    expect(falseDuplicates).toBe(0);
    expect(set.size).toBe(300_000);
    expect(set.bytes).toBeGreaterThan(before);
    // 12 bytes a slot, at most 70 % full, at least 35 % after a doubling.
    expect(set.bytes).toBeLessThanOrEqual((300_000 / 0.35) * 12);
    for (const i of [1, 2, 1024, 99_999, 300_000]) expect(set.firstRowOrAdd(`v${String(i).padStart(8, '0')}`, 400_000)).toBe(i);
    expect(set.has('V00300001')).toBe(false);
  });

  it('refuses a row number it cannot store, rather than storing a wrong one', () => {
    const set = new UniqueHashSet(fold);
    expect(() => set.firstRowOrAdd('a', 0)).toThrow(RangeError);
    expect(() => set.firstRowOrAdd('a', 2 ** 32)).toThrow(RangeError);
  });
});
