import type { CellValue } from './parser.types.js';

/** The part of an exceljs streaming cell we read (its typings describe the in-memory model). */
export interface StreamCell {
  value: unknown;
  numFmt?: string | undefined;
  address: string;
}

export interface CellContext {
  date1904: boolean;
  /** Formula results the streaming reader loses (see SheetScan.formulaResults). */
  formulaResults: ReadonlyMap<string, string | boolean>;
}

/**
 * OOXML escapes characters XML cannot carry as `_xHHHH_` (and a literal `_x` as `_x005F_x`);
 * exceljs's streaming reader leaves them encoded. One left-to-right pass decodes both correctly.
 */
export function decodeOoxmlEscapes(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

/** exceljs's own test for date formats: date letters outside quotes and [brackets]. */
export function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  const bare = format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhMsb]+/.test(bare);
}

/** Serial day number to the wall-clock time it shows, as a UTC Date (as exceljs does). */
export function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Date);
}

function richTextOf(value: Record<string, unknown>): string | undefined {
  const runs = value.richText;
  if (!Array.isArray(runs)) return undefined;
  return decodeOoxmlEscapes(runs.map((run) => (isRecord(run) && typeof run.text === 'string' ? run.text : '')).join(''));
}

function formulaResult(cell: StreamCell, result: unknown, context: CellContext): CellValue {
  const lost = context.formulaResults.get(cell.address);
  if (lost !== undefined) return lost;
  if (result === undefined || result === null) return null;
  if (typeof result === 'number') {
    // The streaming reader parses every cached result as a number, whatever the cell's format.
    if (Number.isNaN(result)) return '#ERROR!';
    return isDateFormat(cell.numFmt) ? excelSerialToDate(result, context.date1904) : result;
  }
  return plainValue(cell, result, context);
}

function plainValue(cell: StreamCell, value: unknown, context: CellContext): CellValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return decodeOoxmlEscapes(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (!isRecord(value)) return null;
  if ('formula' in value || 'sharedFormula' in value) return formulaResult(cell, value.result, context);
  if (typeof value.error === 'string') return value.error;
  const rich = richTextOf(value);
  if (rich !== undefined) return rich;
  // A hyperlink (only with hyperlinks: 'cache'): its shown text.
  if ('text' in value) return plainValue(cell, value.text, context);
  return JSON.stringify(value);
}

/** One exceljs cell as a CellValue: formulas give their cached result, rich text its plain text. */
export function cellValue(cell: StreamCell, context: CellContext): CellValue {
  return plainValue(cell, cell.value, context);
}

export function isBlank(value: CellValue): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}
