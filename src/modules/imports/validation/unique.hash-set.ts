/**
 * The in-file uniqueness check's memory: for each distinct value seen so far, a 64-bit hash of
 * its folded form and the row it was first seen in, 12 bytes a slot in one typed array.
 *
 * Why hashes and not the values: a Map of a million codes holds some 100 MB of strings and
 * entries; this table holds 24 MB at most for a million values (capacity doubles past 70 %
 * load, so between 12 and 34 bytes a value), and nothing the garbage collector has to trace.
 *
 * The price, accepted and documented rather than confirmed: two different values with the same
 * 64-bit hash would read as a duplicate, and the later row would fail with DUPLICATE_IN_FILE.
 * Confirming a hit would mean keeping the values, which is what this table exists to avoid.
 * For n distinct values the chance of any such collision in a file is about n² / 2⁶⁵ (the
 * birthday bound): 3 × 10⁻⁸ for a million values, 3 × 10⁻⁶ for ten million. The hash is two
 * independent 32-bit multiply-rotate lanes over the UTF-16 units, finished with murmur3's
 * avalanche step and crossed, so similar codes (V00000001, V00000002) spread evenly.
 */

const EMPTY_ROW = 0;
const SLOT = 3; // hash high, hash low, row number
const MAX_LOAD = 0.7;
const INITIAL_CAPACITY = 1024;

/** Case folding of the check: printable ASCII is folded inline; anything else goes through `fold`. */
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class UniqueHashSet {
  private table = new Uint32Array(INITIAL_CAPACITY * SLOT);
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;
  // The hash of the last text given to hash(); kept in fields so that no object is made per value.
  private hi = 0;
  private lo = 0;

  /**
   * @param fold how values compare beyond printable ASCII (e.g. NFC then lower case); printable
   *   ASCII is compared case-insensitively without it. Must agree with ASCII lower-casing.
   */
  constructor(private readonly fold: (text: string) => string) {}

  /** Distinct values held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the table (what the set costs, besides a few fields). */
  get bytes(): number {
    return this.table.byteLength;
  }

  /**
   * Records `text` as first seen in `rowNumber` (>= 1) unless it was seen before; returns the
   * row it was first seen in, or 0 when it is new (and is now recorded).
   */
  firstRowOrAdd(text: string, rowNumber: number): number {
    if (!(rowNumber >= 1 && rowNumber <= 0xffffffff)) throw new RangeError(`row number ${rowNumber} out of range`);
    this.hash(NOT_PRINTABLE_ASCII.test(text) ? this.fold(text) : text);
    const { hi, lo } = this;
    const table = this.table;
    let i = lo & this.mask;
    for (;;) {
      const at = i * SLOT;
      const row = table[at + 2]!;
      if (row === EMPTY_ROW) break;
      if (table[at + 1] === lo && table[at] === hi) return row;
      i = (i + 1) & this.mask;
    }
    const at = i * SLOT;
    table[at] = hi;
    table[at + 1] = lo;
    table[at + 2] = rowNumber;
    this.count++;
    if (this.count > (this.mask + 1) * MAX_LOAD) this.grow();
    return 0;
  }

  /** Whether `text` was seen (without recording it). */
  has(text: string): boolean {
    this.hash(NOT_PRINTABLE_ASCII.test(text) ? this.fold(text) : text);
    const table = this.table;
    for (let i = this.lo & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * SLOT;
      if (table[at + 2] === EMPTY_ROW) return false;
      if (table[at + 1] === this.lo && table[at] === this.hi) return true;
    }
  }

  /** Two 32-bit lanes over the UTF-16 units, upper-case ASCII folded to lower case. */
  private hash(text: string): void {
    let a = 0x9747b28c ^ text.length;
    let b = 0x2545f491 ^ Math.imul(text.length, 0x27d4eb2f);
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      a = Math.imul(a ^ c, 0xcc9e2d51);
      a = (a << 15) | (a >>> 17);
      b = Math.imul(b ^ c, 0x1b873593);
      b = (b << 13) | (b >>> 19);
      b = Math.imul(b, 5) + 0xe6546b64;
    }
    a = fmix(a);
    b = fmix(b);
    // Cross the lanes so that each half of the result depends on both.
    this.lo = (a + b) >>> 0;
    this.hi = (a + 2 * b) >>> 0;
  }

  private grow(): void {
    const old = this.table;
    const capacity = (this.mask + 1) * 2;
    const table = new Uint32Array(capacity * SLOT);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += SLOT) {
      const row = old[at + 2]!;
      if (row === EMPTY_ROW) continue;
      let i = old[at + 1]! & mask;
      while (table[i * SLOT + 2] !== EMPTY_ROW) i = (i + 1) & mask;
      table[i * SLOT] = old[at]!;
      table[i * SLOT + 1] = old[at + 1]!;
      table[i * SLOT + 2] = row;
    }
    this.table = table;
    this.mask = mask;
  }
}
