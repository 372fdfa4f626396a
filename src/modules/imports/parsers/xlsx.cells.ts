import type { CellValue } from './parser.types.js';

/** Built-in number formats that show a date or a time (ECMA-376 part 1, 18.8.30). */
const BUILT_IN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

/**
 * Whether a number format shows a date or time: a date/time code (d, m, y, h, s) outside quoted
 * text, [brackets] (colours, conditions, locales, elapsed-time markers aside), and the
 * one-character escapes `\x`, `_x` (a space as wide as x) and `*x` (fill with x).
 */
export function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  const bare = format.replace(/"[^"]*"|\[[^\]]*]|[\\_*]./g, '');
  return /[dmyhs]/i.test(bare);
}

/** Whether numFmtId shows dates: a built-in date format, or a custom one (by its code). */
export function isDateFormatId(numFmtId: number, customFormats: ReadonlyMap<number, string>): boolean {
  const custom = customFormats.get(numFmtId);
  return custom !== undefined ? isDateFormat(custom) : BUILT_IN_DATE_FORMATS.has(numFmtId);
}

/** Serial day number to the wall-clock time it shows, as a UTC Date. */
export function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

export function isBlank(value: CellValue): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}
