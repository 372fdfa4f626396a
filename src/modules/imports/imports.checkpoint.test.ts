import { describe, expect, test } from 'vitest';
import { isCommitted, recordCommit, type CommitLedger } from './imports.checkpoint.js';

const empty: CommitLedger = { checkpoint: 0, ranges: [] };

describe('import commit ledger', () => {
  test('spans committed in order move the checkpoint', () => {
    const ledger = recordCommit(recordCommit(empty, 1, 10), 11, 25);
    expect(ledger).toEqual({ checkpoint: 25, ranges: [] });
  });

  test('a span committed ahead of its predecessor waits in ranges, then merges when the gap closes', () => {
    const ahead = recordCommit(recordCommit(empty, 1, 10), 21, 30);
    expect(ahead).toEqual({ checkpoint: 10, ranges: [[21, 30]] });
    expect([15, 21, 30, 31].map((row) => isCommitted(ahead, row))).toEqual([false, true, true, false]);
    expect(recordCommit(ahead, 11, 20)).toEqual({ checkpoint: 30, ranges: [] });
  });

  test('several spans ahead stay sorted and merge with their neighbours', () => {
    let ledger = recordCommit(empty, 41, 50);
    ledger = recordCommit(ledger, 11, 20);
    ledger = recordCommit(ledger, 21, 30);
    expect(ledger).toEqual({ checkpoint: 0, ranges: [[11, 30], [41, 50]] });
    expect(isCommitted(ledger, 35)).toBe(false);
    ledger = recordCommit(ledger, 1, 10);
    expect(ledger).toEqual({ checkpoint: 30, ranges: [[41, 50]] });
    expect(recordCommit(ledger, 31, 40)).toEqual({ checkpoint: 50, ranges: [] });
  });

  test('a resumed run starts from a checkpoint above 0, and a span it repeats changes nothing', () => {
    const resumed: CommitLedger = { checkpoint: 100, ranges: [[151, 200]] };
    expect(recordCommit(resumed, 151, 200)).toEqual(resumed);
    expect(recordCommit(resumed, 90, 120)).toEqual({ checkpoint: 120, ranges: [[151, 200]] });
  });

  test('refuses what is not a span of rows', () => {
    expect(() => recordCommit(empty, 0, 5)).toThrow(RangeError);
    expect(() => recordCommit(empty, 7, 6)).toThrow(RangeError);
    expect(() => recordCommit(empty, 1.5, 6)).toThrow(RangeError);
  });
});
