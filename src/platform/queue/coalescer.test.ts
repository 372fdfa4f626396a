import { describe, expect, it } from 'vitest';
import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  it('batches what is submitted while a batch runs, and answers each caller with its own result', async () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 20));
      return items.map((n) => n * 2);
    }, 3);
    const first = coalescer.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const rest = [2, 3, 4, 5].map((n) => coalescer.submit(n));
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('rejects every caller of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const coalescer = new Coalescer<string, string>(async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('database gone');
      return items.map((s) => s.toUpperCase());
    });
    const failed = [coalescer.submit('a'), coalescer.submit('b')];
    await expect(Promise.all(failed)).rejects.toThrow('database gone');
    await expect(failed[1]).rejects.toThrow('database gone');
    expect(await coalescer.submit('c')).toBe('C');
  });
});
