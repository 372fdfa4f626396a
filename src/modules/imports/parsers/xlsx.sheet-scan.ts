import { StringDecoder } from 'node:string_decoder';

/** A merged range, 1-based and inclusive. */
export interface MergedRange {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** What the integrity pass learns about a worksheet's XML while it inflates it anyway. */
export interface SheetScan {
  /** Whether any cell carries a value (`<v>` or an inline string). */
  hasValues: boolean;
  /** Rows holding a value, counted up to 2 (a header and data): a sheet with only a title or a link has 1. */
  valueRows: number;
  /** Rows of the used range from `<dimension ref>`, when the sheet states it. */
  dimensionRows: number | null;
  /** Merged ranges starting in the first rows (where headers are looked for). */
  merges: MergedRange[];
}

/** Merges below this row cannot touch a header (headers are looked for in the first 20 rows). */
const MERGE_ROWS_KEPT = 50;
const MAX_MERGES_KEPT = 1_000;
/** An unfinished tag longer than this is not one we need. */
const MAX_CARRY = 64 * 1024;
/** Enough of a chunk's end to hold a tag name cut in two by the chunk boundary. */
const OVERLAP = 64;

const MERGE = /<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"/g;
const ROW_OR_VALUE = /<(?:[\w.-]+:)?(?:(row)\b[^>]*>|(?:v|is)[\s>/])/g;
const ROW_NUMBER = /\br="(\d+)"/;
const DIMENSION = /<(?:[\w.-]+:)?dimension\s+ref="[A-Z]{1,3}(\d+)(?::[A-Z]{1,3}(\d+))?"/;
const MERGE_NAME = Buffer.from('mergeCell');

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/**
 * Scans worksheet XML chunk by chunk. The bytes are searched as they are (no decoding) until a
 * value tag and the merged cells (which follow the sheet data) come in sight; only from there is
 * text decoded and matched, keeping at most an unfinished tag between chunks.
 */
export class SheetScanner {
  private readonly decoder = new StringDecoder('utf8');
  private merging = false;
  private carry = '';
  /** The last bytes of the previous chunk, for a name cut by the chunk boundary. */
  private tail = Buffer.alloc(0);
  /** An unfinished tag at the end of the previous chunk, for the row count. */
  private rowCarry = '';
  private row = 0;
  private lastValueRow = -1;
  private sawDimension = false;
  readonly result: SheetScan = { hasValues: false, valueRows: 0, dimensionRows: null, merges: [] };

  write(chunk: Buffer): void {
    if (this.result.valueRows < 2) this.countValueRows(chunk);
    if (this.merging) {
      this.scan(this.carry + this.decoder.write(chunk), false);
      return;
    }
    const at = chunk.indexOf(MERGE_NAME);
    if (at < 0 && !Buffer.concat([this.tail, chunk.subarray(0, OVERLAP)]).includes(MERGE_NAME)) {
      this.tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - OVERLAP)));
      return;
    }
    this.merging = true;
    // Decoding starts a little before the first `mergeCell` (with the previous chunk's tail when
    // it is near the start); a character cut at that start cannot be part of a tag.
    const head = at >= OVERLAP ? '' : this.tail.toString('latin1');
    this.scan(head + this.decoder.write(chunk.subarray(at >= OVERLAP ? at - OVERLAP : 0)), false);
  }

  /**
   * Counts rows holding a value until there are two: tags are read from latin1 text (which keeps
   * every ASCII tag as it is), an unfinished one carried to the next chunk. Sheets with data
   * reach two in their first chunk; only near-empty ones are read to the end.
   */
  private countValueRows(chunk: Buffer): void {
    const text = this.rowCarry + chunk.toString('latin1');
    if (!this.sawDimension) {
      const dimension = DIMENSION.exec(text);
      if (dimension) {
        this.sawDimension = true;
        const first = Number(dimension[1]);
        this.result.dimensionRows = dimension[2] ? Number(dimension[2]) - first + 1 : 1;
      } else if (text.includes('<sheetData') || text.includes(':sheetData')) this.sawDimension = true;
    }
    const open = text.lastIndexOf('<');
    const end = open >= 0 && text.indexOf('>', open) < 0 ? open : text.length;
    this.rowCarry = text.length - end > MAX_CARRY ? '' : text.slice(end);
    for (const m of text.slice(0, end).matchAll(ROW_OR_VALUE)) {
      if (m[1]) {
        const r = ROW_NUMBER.exec(m[0]);
        this.row = r ? Number(r[1]) : this.row + 1;
        continue;
      }
      this.result.hasValues = true;
      if (this.row !== this.lastValueRow) {
        this.lastValueRow = this.row;
        if (++this.result.valueRows >= 2) {
          this.rowCarry = '';
          return;
        }
      }
    }
  }

  end(): SheetScan {
    if (this.merging) this.scan(this.carry + this.decoder.end(), true);
    this.carry = '';
    return this.result;
  }

  private scan(text: string, last: boolean): void {
    const result = this.result;
    for (const m of text.matchAll(MERGE)) {
      const top = Number(m[2]);
      if (top > MERGE_ROWS_KEPT || result.merges.length >= MAX_MERGES_KEPT) continue;
      const left = columnNumber(m[1]!);
      result.merges.push({ top, left, bottom: m[4] ? Number(m[4]) : top, right: m[3] ? columnNumber(m[3]) : left });
    }
    // An unfinished tag at the end (e.g. `<mergeCell ref="A1:`) is kept for the next chunk.
    const lastOpen = text.lastIndexOf('<');
    const keepFrom = lastOpen >= 0 && text.indexOf('>', lastOpen) < 0 ? lastOpen : text.length;
    this.carry = last || text.length - keepFrom > MAX_CARRY ? '' : text.slice(keepFrom);
  }
}
