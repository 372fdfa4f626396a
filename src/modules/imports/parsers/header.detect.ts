import type { CellValue } from './parser.types.js';
import { ParseError } from './parser.types.js';
import { isBlank } from './xlsx.cells.js';
import type { MergedRange } from './xlsx.sheet-scan.js';

export interface SheetRow {
  rowNumber: number;
  values: CellValue[];
}

export interface HeaderChoice {
  /** Index in the buffered rows, or -1 when the sheet has no header row. */
  index: number;
  headers: string[];
  /** How it was chosen, for `info.header`. */
  rule: 'text-row' | 'single-column' | 'header-only' | 'given' | 'none';
}

/**
 * How well a row's cells name the fields of the import's target (0 for none): the mapping
 * matcher's scores added up (1 exact, 0.9 alias, less for a typo). Without one, rows are judged
 * by their shape alone.
 */
export type HeaderScorer = (cells: string[]) => number;

/** Headers are looked for in the first rows only; deeper than that it is data. */
export const HEADER_SCAN_ROWS = 20;

/** A cell that reads as a value rather than a column name: a number, a date, a money amount. */
const VALUE_TEXT = /^[-+(]?[$€£]?\s*\d[\d\s.,:/-]*[)%]?(?:\s*[A-Za-z]{1,3})?$/;

function isValueCell(value: CellValue): boolean {
  if (value === null) return false;
  if (typeof value !== 'string') return true;
  return VALUE_TEXT.test(value.trim());
}

function textCells(row: SheetRow): string[] {
  const out: string[] = [];
  for (const v of row.values) if (typeof v === 'string' && v.trim() !== '' && !isValueCell(v)) out.push(v.trim());
  return out;
}

function filledCells(row: SheetRow): number {
  return row.values.filter((v) => !isBlank(v)).length;
}

function headerText(value: CellValue): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).trim();
}

/**
 * How header-like a row is, given the widest row after it: the share of that width it names
 * with distinct text (a title or a "Customer: Acme" label row names a cell or two of a wider
 * table), less for values (numbers, dates) and repeated names, plus how well it names the
 * target's fields (`score`, the strongest evidence, weighted most).
 */
function rowScore(row: SheetRow, widestAfter: number, scorer: HeaderScorer | undefined): number {
  const texts = textCells(row);
  const distinct = new Set(texts.map((t) => t.toLowerCase())).size;
  const values = row.values.filter(isValueCell).length;
  const labels = texts.filter((t) => t.endsWith(':')).length;
  const coverage = distinct / Math.max(widestAfter, texts.length, 1);
  const fields = scorer ? scorer(texts) : 0;
  return 3 * fields + 2 * coverage - values / Math.max(widestAfter, 1) - (texts.length - distinct) * 0.5 - (labels > 0 && labels * 2 >= texts.length ? 1 : 0);
}

/**
 * The header row among the first HEADER_SCAN_ROWS rows. Each row with at least two names (text
 * that is not a number or a date) and data after it is scored (rowScore): how well it names the
 * target's fields, how much of the table below it names, how few values and repeats it holds;
 * the best wins, the earlier on a tie. So title rows above the table (a merged title, a
 * "Customer:" label row, a date line) lose to the row that names the columns. Failing that: a
 * single text column, then a header with no data, then no header at all (every row is data).
 * `headerRow` (1-based) takes that row whatever it holds.
 */
export function chooseHeader(rows: SheetRow[], merges: MergedRange[], options: { scorer?: HeaderScorer | undefined; headerRow?: number | undefined } = {}): HeaderChoice {
  let found = -1;
  let rule: HeaderChoice['rule'] = 'text-row';
  if (options.headerRow !== undefined) {
    found = rows.findIndex((r) => r.rowNumber === options.headerRow);
    if (found < 0) throw new ParseError(`Row ${options.headerRow} is empty or beyond the first rows; choose another header row`, { reason: 'NO_HEADER', rowNumber: options.headerRow });
    rule = 'given';
  } else {
    const window = rows.filter((r) => r.rowNumber <= HEADER_SCAN_ROWS);
    const widestAfter = (i: number): number => Math.max(0, ...rows.slice(i + 1).map(filledCells));
    let best = Number.NEGATIVE_INFINITY;
    window.forEach((row, i) => {
      const widest = widestAfter(i);
      if (textCells(row).length < 2 || widest === 0) return;
      const score = rowScore(row, widest, options.scorer);
      if (score > best + 1e-9) {
        best = score;
        found = i;
      }
    });
    if (found < 0) {
      found = window.findIndex((row, i) => textCells(row).length === 1 && filledCells(row) === 1 && widestAfter(i) === 1);
      rule = 'single-column';
    }
    if (found < 0) {
      found = window.findIndex((row) => textCells(row).length >= 2);
      rule = 'header-only';
    }
    if (found < 0) return { index: -1, headers: [], rule: 'none' };
  }

  const header = rows[found]!;
  const headers = header.values.map(headerText);
  // A merged cell's value is stored in its top-left cell only: spread it over the merge.
  for (const merge of merges) {
    if (merge.top > header.rowNumber || merge.bottom < header.rowNumber) continue;
    const source = rows.find((r) => r.rowNumber === merge.top)?.values[merge.left - 1] ?? null;
    const text = headers[merge.left - 1] || headerText(source);
    for (let col = merge.left; col <= merge.right; col++) {
      if (!headers[col - 1]) headers[col - 1] = text;
    }
  }
  for (let i = 0; i < headers.length; i++) headers[i] ??= '';
  while (headers.length > 0 && headers[headers.length - 1] === '') headers.pop();
  return { index: found, headers, rule };
}
