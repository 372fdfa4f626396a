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
  /** Merged ranges starting in the first rows (where headers are looked for). */
  merges: MergedRange[];
  /**
   * Cached formula results that exceljs's streaming reader loses: it parses every formula result
   * as a number, so `#DIV/0!` becomes NaN and TRUE becomes 1. Keyed by cell address ("B7").
   */
  formulaResults: Map<string, string | boolean>;
}

/** Merges below this row cannot touch a header (headers are looked for in the first 20 rows). */
const MERGE_ROWS_KEPT = 50;
const MAX_MERGES_KEPT = 1_000;
const MAX_FORMULA_RESULTS_KEPT = 100_000;
/** An unfinished tag or cell longer than this is not one we need (a formula is at most 8 KiB). */
const MAX_CARRY = 64 * 1024;

const MERGE = /<mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"/g;
const VALUE_TAG = /<(?:v|is)[\s>/]/;
const TYPED_CELL = /\st="([eb])"/g;

export function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/**
 * Scans worksheet XML chunk by chunk with plain string search (no XML parser: this runs over
 * every byte of the sheet), keeping at most an unfinished tag or cell between chunks.
 */
export class SheetScanner {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  readonly result: SheetScan = { hasValues: false, merges: [], formulaResults: new Map() };

  write(chunk: Buffer): void {
    this.scan(this.carry + this.decoder.write(chunk), false);
  }

  end(): SheetScan {
    this.scan(this.carry + this.decoder.end(), true);
    this.carry = '';
    return this.result;
  }

  private scan(text: string, last: boolean): void {
    const result = this.result;
    if (!result.hasValues && VALUE_TAG.test(text)) result.hasValues = true;

    for (const m of text.matchAll(MERGE)) {
      const top = Number(m[2]);
      if (top > MERGE_ROWS_KEPT || result.merges.length >= MAX_MERGES_KEPT) continue;
      const left = columnNumber(m[1]!);
      result.merges.push({ top, left, bottom: m[4] ? Number(m[4]) : top, right: m[3] ? columnNumber(m[3]) : left });
    }

    // Unfinished typed cell: everything from its start on is kept for the next chunk.
    let keepFrom = text.length;
    for (const m of text.matchAll(TYPED_CELL)) {
      const start = text.lastIndexOf('<c', m.index);
      const end = text.indexOf('</c>', m.index);
      if (start < 0) continue;
      if (end < 0) {
        keepFrom = Math.min(keepFrom, start);
        break;
      }
      this.recordTypedCell(text.slice(start, end), m[1]!);
    }
    // An unfinished tag at the end (e.g. `<mergeCell ref="A1:`) is kept too.
    const lastOpen = text.lastIndexOf('<');
    if (lastOpen >= 0 && text.indexOf('>', lastOpen) < 0) keepFrom = Math.min(keepFrom, lastOpen);
    // Keeps `<c r="A1" t=` whole when a chunk ends inside the attribute.
    const lastCell = text.lastIndexOf('<c ');
    if (lastCell >= 0 && text.indexOf('>', lastCell) < 0) keepFrom = Math.min(keepFrom, lastCell);

    this.carry = last || text.length - keepFrom > MAX_CARRY ? '' : text.slice(keepFrom);
  }

  private recordTypedCell(cell: string, type: string): void {
    const formulaResults = this.result.formulaResults;
    if (formulaResults.size >= MAX_FORMULA_RESULTS_KEPT) return;
    const tagEnd = cell.indexOf('>');
    // Only `<c ...>` itself: a `t="e"` inside a formula's text does not count.
    const tag = cell.slice(0, tagEnd + 1);
    if (!/\st="[eb]"/.test(tag) || !/<f[\s>/]/.test(cell)) return;
    const ref = /\sr="([A-Z]{1,3}\d+)"/.exec(tag)?.[1];
    const value = /<v>([^<]*)<\/v>/.exec(cell)?.[1];
    if (!ref || value === undefined) return;
    formulaResults.set(ref, type === 'b' ? value.trim() !== '0' : unescapeXml(value));
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[name] ?? '');
}
