import type { CellValue } from './parser.types.js';
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
  rule: 'text-row' | 'single-column' | 'header-only' | 'none';
}

/** Headers are looked for in the first rows only; deeper than that it is data. */
export const HEADER_SCAN_ROWS = 20;

function textCells(row: SheetRow): number {
  return row.values.filter((v) => typeof v === 'string' && v.trim() !== '').length;
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
 * The header is the first row (within the first 20) with at least two text cells that data
 * follows and that is about as wide as that data (at least half the widest row after it): a
 * title row above the table has one or two cells, the table is wider. Failing that: a single
 * text column, then a header with no data, then no header at all (every row is data).
 */
export function chooseHeader(rows: SheetRow[], merges: MergedRange[]): HeaderChoice {
  const window = rows.filter((r) => r.rowNumber <= HEADER_SCAN_ROWS);
  const widestAfter = (i: number): number => Math.max(0, ...rows.slice(i + 1).map(filledCells));

  let found = window.findIndex((row, i) => textCells(row) >= 2 && widestAfter(i) > 0 && textCells(row) * 2 >= widestAfter(i));
  let rule: HeaderChoice['rule'] = 'text-row';
  if (found < 0) {
    found = window.findIndex((row, i) => textCells(row) === 1 && filledCells(row) === 1 && widestAfter(i) === 1);
    rule = 'single-column';
  }
  if (found < 0) {
    found = window.findIndex((row) => textCells(row) >= 2);
    rule = 'header-only';
  }
  if (found < 0) return { index: -1, headers: [], rule: 'none' };

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
