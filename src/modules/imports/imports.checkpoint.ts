/**
 * Which file rows of an import are committed. An import writes its rows in consecutive spans
 * (every row after the previous span up to the last row of the span's chunks, valid or not), and
 * two spans may be in flight at once, so they can commit out of order. The job keeps:
 *
 * - `checkpoint`: every row up to it is committed;
 * - `ranges`: spans committed beyond the checkpoint, inclusive [first, last], sorted, disjoint,
 *   never adjacent to each other or to the checkpoint (those merge into it).
 *
 * A resumed run skips exactly the rows `isCommitted` names, so no row is written twice and none is
 * lost, whichever span failed.
 */
export interface CommitLedger {
  checkpoint: number;
  ranges: ReadonlyArray<readonly [number, number]>;
}

export function isCommitted(ledger: CommitLedger, row: number): boolean {
  if (row <= ledger.checkpoint) return true;
  for (const [first, last] of ledger.ranges) {
    if (row < first) return false;
    if (row <= last) return true;
  }
  return false;
}

/** The ledger after the span [first, last] committed. */
export function recordCommit(ledger: CommitLedger, first: number, last: number): CommitLedger {
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last < first) throw new RangeError(`not a span of rows: [${first}, ${last}]`);
  const spans = [...ledger.ranges.map(([a, b]) => [a, b] as [number, number]), [first, last] as [number, number]].sort((x, y) => x[0] - y[0]);
  let checkpoint = ledger.checkpoint;
  const ranges: Array<[number, number]> = [];
  for (const [a, b] of spans) {
    if (b <= checkpoint) continue;
    if (a <= checkpoint + 1) {
      checkpoint = b;
      continue;
    }
    const previous = ranges.at(-1);
    if (previous && a <= previous[1] + 1) previous[1] = Math.max(previous[1], b);
    else ranges.push([a, b]);
  }
  // A span that merged into the checkpoint may have closed the gap before stored ones.
  while (ranges.length && ranges[0]![0] <= checkpoint + 1) checkpoint = Math.max(checkpoint, ranges.shift()![1]);
  return { checkpoint, ranges };
}
