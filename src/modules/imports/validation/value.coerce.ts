import type { FieldDef } from '../../records/index.js';
import type { CellValue } from '../parsers/index.js';

export type { CellValue };

/**
 * Turns one raw cell into the value stored for a catalog field, or says why it cannot.
 *
 * Canonical forms: string/text/email/currency/enum → string; integer → number; decimal → a
 * normalised decimal string ("1234.5"); money → a string with exactly two decimals ("1234.50"),
 * so no amount passes through a float on its way to DECIMAL(15,2); date → "YYYY-MM-DD";
 * boolean → boolean. An empty cell is null; whether null is allowed is the engine's business.
 */

export type CanonicalValue = string | number | boolean | null;
export type CoerceErrorCode = 'TYPE' | 'ENUM' | 'RANGE' | 'LENGTH' | 'PATTERN';

export type CoerceResult =
  | { ok: true; value: CanonicalValue; /** The value was accepted but changed or is doubtful (e.g. rounded). */ warning?: string }
  | { ok: false; code: CoerceErrorCode; message: string };

export interface CoerceOptions {
  /**
   * How to read slash dates with the day and month both numeric (03/04/2024). 'MDY' (default) is
   * the US reading, which the accounting exports we meet use; 'DMY' for files from elsewhere.
   * Dotted dates (15.03.2024) are always day-first, and ISO dates are unambiguous.
   */
  dateOrder?: 'MDY' | 'DMY';
}

/** Storage limits of the record columns (records.columns.ts): money DECIMAL(15,2), quantities DECIMAL(18,4). */
const MONEY_SCALE = 2;
const MONEY_INTEGER_DIGITS = 13;
const DECIMAL_SCALE = 4;
const DECIMAL_INTEGER_DIGITS = 14;
/** MySQL DATE covers 1000-01-01 … 9999-12-31. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

const ok = (value: CanonicalValue, warning?: string): CoerceResult => (warning === undefined ? { ok: true, value } : { ok: true, value, warning });
const fail = (code: CoerceErrorCode, message: string): CoerceResult => ({ ok: false, code, message });

// ---------------------------------------------------------------------------------------------
// Decimal numbers as digit strings

/** A decimal number as text: sign, integer digits (no leading zeros, "0" for none), fraction digits. */
export interface DecimalParts {
  negative: boolean;
  integer: string;
  fraction: string;
}

function normalizeParts(parts: DecimalParts): DecimalParts {
  const integer = parts.integer.replace(/^0+(?=\d)/, '') || '0';
  const fraction = parts.fraction.replace(/0+$/, '');
  const zero = /^0*$/.test(integer) && fraction === '';
  return { negative: parts.negative && !zero, integer, fraction };
}

/** Rounds half away from zero (commercial rounding) to `scale` decimals; `lost` when digits were dropped. */
function roundParts(parts: DecimalParts, scale: number): { parts: DecimalParts; lost: boolean } {
  if (parts.fraction.length <= scale) return { parts, lost: false };
  const kept = parts.fraction.slice(0, scale);
  const dropped = parts.fraction.slice(scale);
  const lost = /[1-9]/.test(dropped);
  if (dropped[0]! < '5') return { parts: normalizeParts({ ...parts, fraction: kept }), lost };
  // Add one unit in the last kept place, carrying through the digit string.
  const digits = (parts.integer + kept).split('');
  let i = digits.length - 1;
  for (; i >= 0; i--) {
    if (digits[i] === '9') digits[i] = '0';
    else {
      digits[i] = String(Number(digits[i]) + 1);
      break;
    }
  }
  const joined = (i < 0 ? '1' : '') + digits.join('');
  const integer = joined.slice(0, joined.length - scale);
  return { parts: normalizeParts({ negative: parts.negative, integer, fraction: joined.slice(joined.length - scale) }), lost };
}

function formatParts(parts: DecimalParts, fixedScale?: number): string {
  const fraction = fixedScale === undefined ? parts.fraction : parts.fraction.padEnd(fixedScale, '0');
  return `${parts.negative ? '-' : ''}${parts.integer}${fraction === '' ? '' : `.${fraction}`}`;
}

/** Moves the decimal point of mantissa digits by an exponent ("1.5e3" → 1500). */
function shiftParts(parts: DecimalParts, exponent: number): DecimalParts {
  const digits = parts.integer + parts.fraction;
  const point = parts.integer.length + exponent;
  if (point <= 0) return normalizeParts({ negative: parts.negative, integer: '0', fraction: '0'.repeat(-point) + digits });
  if (point >= digits.length) return normalizeParts({ negative: parts.negative, integer: digits + '0'.repeat(point - digits.length), fraction: '' });
  return normalizeParts({ negative: parts.negative, integer: digits.slice(0, point), fraction: digits.slice(point) });
}

/** A finite JS number as decimal digits, at the 15 significant digits a double reliably holds (0.1 + 0.2 → 0.3). */
export function numberToParts(value: number): DecimalParts {
  const text = value.toPrecision(15);
  const [mantissa = '', exponent] = text.split('e');
  const negative = mantissa.startsWith('-');
  const [integer = '', fraction = ''] = mantissa.replace('-', '').split('.');
  const parts = normalizeParts({ negative, integer, fraction });
  return exponent === undefined ? parts : shiftParts(parts, Number(exponent));
}

export interface NumberTextOptions {
  /** Money: a currency symbol ($ € £ ¥) or three-letter code before or after the amount is ignored. */
  currency?: boolean;
  /** A trailing % is ignored: "45%" is 45, the number as written. */
  percent?: boolean;
  /** Scientific notation ("1.5E+3"), as spreadsheets write long numbers. */
  exponent?: boolean;
}

/**
 * Longer text is no number a person wrote. The cap also keeps every pattern here cheap on the
 * megabyte-long cells a hostile file may carry.
 */
const MAX_NUMBER_TEXT = 100;
const PLAIN_NUMBER = /^\s*([-+]?)(\d+)(?:\.(\d+))?\s*$/;
/** Digits with single separators between them (".5" too), or digits grouped by spaces. */
const NUMBER_SHAPE = /^\d*(?:[.,]\d+)*$|^\d[\d., \u00A0\u202F\u2009']*\d$/u;

/** Characters that group thousands besides "." and ",": space, no-break spaces, Swiss apostrophe. */
const SPACE_GROUPS = /[ \u00A0\u202F\u2009']/g;

/**
 * Reads a number written by a person or a spreadsheet in the US or European style.
 *
 * - Sign: a leading "-" or "+" (before or after a currency mark), or parentheses "(123.45)" for a
 *   negative amount, as accounting exports write it.
 * - Both "." and "," present: the last one is the decimal separator and occurs once; the other
 *   groups thousands ("1,234.56" and "1.234,56" are both 1234.56).
 * - Only ",": several commas group thousands ("1,234,567"). A single comma is a thousands
 *   separator when it is followed by exactly three digits and preceded by one to three digits
 *   not starting with 0 ("1,234" → 1234, the US reading, since it is ambiguous); otherwise it can
 *   only be a European decimal comma ("12,5", "1234,567", "0,500").
 * - Only ".": a single dot is the decimal point ("1.234" → 1.234, the US reading); several dots
 *   group thousands European-style ("1.234.567").
 * - Spaces, no-break spaces and apostrophes may group thousands ("1 234,56", "1'234.50"); then
 *   the one "." or "," is the decimal separator.
 * - Groups must be well formed: 1-3 digits first, then exactly 3 ("1,23,456" is refused), and only
 *   one grouping character per number. Anything else ("12abc", "1.2.3,4", "--5") is refused.
 *
 * Returns null when the text is not a number.
 */
export function parseNumberText(input: string, options: NumberTextOptions = {}): DecimalParts | null {
  // Most cells are plain numbers ("1234.56", "-3"): skip the analysis below.
  if (input.length > MAX_NUMBER_TEXT) return null;
  const plain = PLAIN_NUMBER.exec(input);
  if (plain) return normalizeParts({ negative: plain[1] === '-', integer: plain[2]!, fraction: plain[3] ?? '' });
  let text = input.trim().replace(/\u2212/g, '-');
  let negative = false;
  const paren = /^\((.*)\)$/.exec(text);
  if (paren) {
    negative = true;
    text = paren[1]!.trim();
  }
  let signSeen = paren !== null;
  const takeSign = (): boolean => {
    const sign = text[0];
    if (sign !== '-' && sign !== '+') return true;
    if (signSeen) return false;
    signSeen = true;
    negative = sign === '-';
    text = text.slice(1).trimStart();
    return true;
  };
  if (!takeSign()) return null;
  if (options.currency) {
    text = text.replace(/^(?:[$€£¥]|[A-Z]{3}(?![A-Z]))\s*/u, '');
    if (!takeSign()) return null;
    text = text.replace(/\s*(?:[$€£¥]|(?<![A-Z])[A-Z]{3})$/u, '');
  }
  if (options.percent) text = text.replace(/\s*%$/, '');

  let exponent = 0;
  if (options.exponent) {
    const match = /^([0-9.]+)[eE]([+-]?\d{1,4})$/.exec(text);
    if (match) {
      text = match[1]!;
      exponent = Number(match[2]);
    }
  }
  if (!NUMBER_SHAPE.test(text)) return null;

  const dots = text.split('.').length - 1;
  const commas = text.split(',').length - 1;
  const spaceGroups = new Set(text.match(SPACE_GROUPS) ?? []);
  if (spaceGroups.size > 1) return null;
  if (exponent !== 0 && (commas > 0 || spaceGroups.size > 0 || dots > 1)) return null;

  let decimal: string | null = null;
  let group: string | null = spaceGroups.size === 1 ? [...spaceGroups][0]! : null;
  if (dots > 0 && commas > 0) {
    if (group !== null) return null;
    decimal = text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ',';
    group = decimal === '.' ? ',' : '.';
    if ((decimal === '.' ? dots : commas) !== 1) return null;
  } else if (commas > 0) {
    if (group !== null) {
      if (commas !== 1) return null;
      decimal = ',';
    } else if (commas > 1) group = ',';
    else {
      const [before = '', after = ''] = text.split(',');
      group = after.length === 3 && /^[1-9]\d{0,2}$/.test(before) ? ',' : null;
      decimal = group === null ? ',' : null;
    }
  } else if (dots > 0) {
    if (group !== null || dots === 1) {
      if (dots !== 1) return null;
      decimal = '.';
    } else group = '.';
  }

  const cut = decimal === null ? -1 : text.lastIndexOf(decimal);
  const integerText = cut < 0 ? text : text.slice(0, cut);
  const fraction = cut < 0 ? '' : text.slice(cut + 1);
  if (!/^\d*$/.test(fraction) || (cut >= 0 && fraction === '')) return null;
  let integer = integerText;
  if (group !== null && integerText.includes(group)) {
    const groups = integerText.split(group);
    if (!/^\d{1,3}$/.test(groups[0]!) || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return null;
    integer = groups.join('');
  }
  if (!/^\d*$/.test(integer) || (integer === '' && fraction === '')) return null;
  const parts = normalizeParts({ negative, integer, fraction });
  return exponent === 0 ? parts : shiftParts(parts, exponent);
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS: ReadonlyMap<string, number> = new Map(
  ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'].flatMap(
    (name, i): Array<[string, number]> => [
      [name, i + 1],
      [name.slice(0, 3), i + 1],
      ...(name === 'september' ? [['sept', 9] as [string, number]] : []),
    ],
  ),
);

/** Time of day after a date, dropped: "2024-03-15T10:00:00Z", "3/15/2024 12:00:00 AM". */
const TIME = String.raw`(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?`;
const ISO_DATE = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME}$`);
const YMD_SLASH = new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})${TIME}$`);
const SLASH_DATE = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})${TIME}$`);
const DOT_DATE = new RegExp(String.raw`^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})${TIME}$`);
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const MAX_DATE_TEXT = 64;
const DAY_MONTH_NAME = /^(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{4}|\d{2})$/;
const MONTH_NAME_DAY = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$/;

function isoDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (day > daysInMonth) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Two-digit years pivot as POSIX strptime does: 00-68 → 2000s, 69-99 → 1900s. */
function fullYear(text: string): number {
  const year = Number(text);
  if (text.length === 4) return year;
  return year <= 68 ? 2000 + year : 1900 + year;
}

/**
 * Excel's 1900 date system: serial 1 is 1900-01-01, and serial 60 is 1900-02-29, a day that never
 * was (Lotus 1-2-3 thought 1900 a leap year and Excel kept the bug), so it is refused and the
 * serials before it are one day off from those after. A fraction is the time of day, dropped.
 */
export function excelSerialToIsoDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 1) return null;
  const day = Math.floor(serial);
  if (day === 60) return null;
  const epoch = Date.UTC(1899, 11, day < 60 ? 31 : 30);
  const date = new Date(epoch + day * 86_400_000);
  return isoDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/**
 * Reads a date written as text, returning "YYYY-MM-DD" or null. Accepted: ISO "2024-03-15"
 * (a time and offset after it are ignored: the date is the one written), "2024/03/15",
 * "20240315", "03/15/2024" and "3/15/24" (month first unless `dateOrder` is 'DMY'),
 * "15.03.2024" (always day first), "15-Mar-2024", "15 March 24", "Mar 15, 2024". Impossible
 * dates (2024-02-30, 13/13/2024) are refused, never rolled over.
 */
export function parseDateText(input: string, dateOrder: 'MDY' | 'DMY' = 'MDY'): string | null {
  // The longest accepted form ("September 30, 2024" or an ISO date-time with offset) is far shorter.
  if (input.length > MAX_DATE_TEXT) return null;
  const text = input.trim();
  let m = ISO_DATE.exec(text) ?? YMD_SLASH.exec(text) ?? COMPACT_DATE.exec(text);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = SLASH_DATE.exec(text);
  if (m) {
    const [first, second] = [Number(m[1]), Number(m[2])];
    return dateOrder === 'MDY' ? isoDate(fullYear(m[3]!), first, second) : isoDate(fullYear(m[3]!), second, first);
  }
  m = DOT_DATE.exec(text);
  if (m) return isoDate(fullYear(m[3]!), Number(m[2]), Number(m[1]));
  m = DAY_MONTH_NAME.exec(text);
  if (m) {
    const month = MONTHS.get(m[2]!.toLowerCase());
    return month === undefined ? null : isoDate(fullYear(m[3]!), month, Number(m[1]));
  }
  m = MONTH_NAME_DAY.exec(text);
  if (m) {
    const month = MONTHS.get(m[1]!.toLowerCase());
    return month === undefined ? null : isoDate(Number(m[3]), month, Number(m[2]));
  }
  return null;
}

function dateCellToIso(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null;
  // Spreadsheet readers give the wall-clock date and time as a UTC instant.
  return isoDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

// ---------------------------------------------------------------------------------------------
// Per type

/** A cell as text for string-like fields; Dates as their ISO date (or date-time when not midnight). */
function cellText(raw: Exclude<CellValue, null>): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'boolean') return raw ? 'TRUE' : 'FALSE';
  if (typeof raw === 'number') return Number.isFinite(raw) ? formatParts(numberToParts(raw)) : String(raw);
  if (Number.isNaN(raw.getTime())) return '';
  const iso = raw.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function checkLength(field: FieldDef, text: string): CoerceResult | null {
  // A string has at most as many code points as UTF-16 units: most texts need no counting.
  if (field.maxLength !== undefined && text.length > field.maxLength && codePoints(text) > field.maxLength) {
    return fail('LENGTH', `is longer than ${field.maxLength} characters`);
  }
  return null;
}

function coerceString(field: FieldDef, raw: Exclude<CellValue, null>): CoerceResult {
  const text = cellText(raw).trim();
  if (text === '') return ok(null);
  const tooLong = checkLength(field, text);
  if (tooLong) return tooLong;
  // Spreadsheets turn codes such as 03-30-00 into dates; the value read back may not be the one typed.
  return raw instanceof Date ? ok(text, `was a date in the spreadsheet (read as ${text}); check it is the intended text`) : ok(text);
}

function toParts(field: FieldDef, raw: Exclude<CellValue, null>): DecimalParts | CoerceResult {
  if (typeof raw === 'number') return Number.isFinite(raw) ? numberToParts(raw) : fail('TYPE', 'must be a number');
  if (typeof raw !== 'string') return fail('TYPE', 'must be a number');
  const parts = parseNumberText(raw, { currency: field.type === 'money', percent: field.type === 'decimal', exponent: field.type !== 'money' });
  return parts ?? fail('TYPE', field.type === 'integer' ? 'must be a whole number' : field.type === 'money' ? 'must be an amount such as 1234.56' : 'must be a number');
}

function checkRange(field: FieldDef, value: number): CoerceResult | null {
  if (field.min !== undefined && value < field.min) return fail('RANGE', `must be at least ${field.min}`);
  if (field.max !== undefined && value > field.max) return fail('RANGE', `must be at most ${field.max}`);
  return null;
}

function coerceNumeric(field: FieldDef, raw: Exclude<CellValue, null>): CoerceResult {
  if (typeof raw === 'string' && raw.trim() === '') return ok(null);
  const parsed = toParts(field, raw);
  if ('ok' in parsed) return parsed;

  if (field.type === 'integer') {
    if (parsed.fraction !== '') return fail('TYPE', 'must be a whole number');
    const value = Number(formatParts(parsed));
    if (!Number.isSafeInteger(value)) return fail('RANGE', 'is too large');
    return checkRange(field, value) ?? ok(value);
  }

  const money = field.type === 'money';
  const scale = money ? MONEY_SCALE : DECIMAL_SCALE;
  const { parts, lost } = roundParts(parsed, scale);
  if (parts.integer.length > (money ? MONEY_INTEGER_DIGITS : DECIMAL_INTEGER_DIGITS)) {
    return fail('RANGE', `is too large (at most ${money ? MONEY_INTEGER_DIGITS : DECIMAL_INTEGER_DIGITS} digits before the decimal point)`);
  }
  const text = formatParts(parts, money ? MONEY_SCALE : undefined);
  const outOfRange = checkRange(field, Number(text));
  if (outOfRange) return outOfRange;
  return lost ? ok(text, `was rounded to ${scale} decimal places (${text})`) : ok(text);
}

function coerceDate(raw: Exclude<CellValue, null>, options: CoerceOptions): CoerceResult {
  let iso: string | null;
  if (raw instanceof Date) iso = dateCellToIso(raw);
  else if (typeof raw === 'number') {
    // 8-digit integers are yyyymmdd (P6, SAP): far beyond the last Excel serial (2958465, 9999-12-31).
    iso = Number.isInteger(raw) && raw >= 10_000_000 && raw <= 99_999_999 ? parseDateText(String(raw)) : excelSerialToIsoDate(raw);
  } else if (typeof raw === 'string') {
    if (raw.trim() === '') return ok(null);
    iso = parseDateText(raw, options.dateOrder);
  } else iso = null;
  if (iso !== null) return ok(iso);
  const order = (options.dateOrder ?? 'MDY') === 'MDY' ? 'MM/DD/YYYY' : 'DD/MM/YYYY';
  return fail('TYPE', `is not a valid date (use YYYY-MM-DD, ${order} or DD.MM.YYYY)`);
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

function coerceBoolean(raw: Exclude<CellValue, null>): CoerceResult {
  if (typeof raw === 'boolean') return ok(raw);
  if (typeof raw === 'number') return raw === 1 ? ok(true) : raw === 0 ? ok(false) : fail('TYPE', 'must be yes or no');
  if (typeof raw !== 'string') return fail('TYPE', 'must be yes or no');
  const word = raw.trim().toLowerCase();
  if (word === '') return ok(null);
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail('TYPE', 'must be yes or no (true/false, y/n, 1/0 or x)');
}

/** How enum values compare: case, spaces, underscores and dashes ignored ("Net 30" is net_30). */
export function enumKey(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * Each enum field's values by comparison key, built once per field definition, and the values
 * themselves (byText), so that a cell holding a value exactly is one lookup without a key built.
 */
const enumIndexes = new WeakMap<FieldDef, { byKey: Map<string, string>; byText: Map<string, string> }>();

function enumIndex(field: FieldDef): { byKey: Map<string, string>; byText: Map<string, string> } {
  let index = enumIndexes.get(field);
  if (!index) {
    const byKey = new Map<string, string>();
    for (const value of field.values ?? []) if (!byKey.has(enumKey(value))) byKey.set(enumKey(value), value);
    const byText = new Map<string, string>();
    for (const value of field.values ?? []) byText.set(value, byKey.get(enumKey(value))!);
    index = { byKey, byText };
    enumIndexes.set(field, index);
  }
  return index;
}

function coerceEnum(field: FieldDef, raw: Exclude<CellValue, null>): CoerceResult {
  const index = enumIndex(field);
  const known = typeof raw === 'string' ? index.byText.get(raw) : undefined;
  if (known !== undefined) return ok(known);
  const text = cellText(raw).trim();
  if (text === '') return ok(null);
  const match = index.byKey.get(enumKey(text));
  return match === undefined ? fail('ENUM', `must be one of: ${(field.values ?? []).join(', ')}`) : ok(match);
}

/**
 * Deliberately simple: one @, a local part of the characters RFC 5322 allows unquoted (no
 * leading, trailing or doubled dot), a domain of LDH labels with a top-level label of at least
 * two letters. Quoted local parts, IP-literal and non-ASCII domains are refused; they do not
 * occur in accounting contacts and are more often typos.
 */
/** RFC 5321's limit on a whole address. */
const MAX_EMAIL = 320;
const EMAIL = /^(?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}(?<!\.)@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

function coerceEmail(field: FieldDef, raw: Exclude<CellValue, null>): CoerceResult {
  if (typeof raw !== 'string') return fail('TYPE', 'is not a valid e-mail address');
  const text = raw.trim().replace(/^mailto:/i, '');
  if (text === '') return ok(null);
  // Length first: the pattern then only ever sees short text.
  const tooLong = checkLength(field, text) ?? (text.length > MAX_EMAIL ? fail('LENGTH', `is longer than ${MAX_EMAIL} characters`) : null);
  if (tooLong) return tooLong;
  if (!EMAIL.test(text)) return fail('TYPE', 'is not a valid e-mail address');
  const at = text.lastIndexOf('@');
  // Domains are case-insensitive; local parts are left as written.
  return ok(text.slice(0, at) + text.slice(at).toLowerCase());
}

const CURRENCY_CODE = /^[A-Z]{3}$/;

function coerceCurrency(field: FieldDef, raw: Exclude<CellValue, null>): CoerceResult {
  if (typeof raw !== 'string') return fail('TYPE', 'must be a three-letter currency code');
  const code = raw.trim().toUpperCase();
  if (code === '') return ok(null);
  // The field's own pattern (checked by coerceValue) has the better message; this is the fallback.
  if (!field.pattern && !CURRENCY_CODE.test(code)) return fail('PATTERN', 'must be a three-letter currency code such as USD');
  return ok(code);
}

function matchesPattern(regex: RegExp, text: string): boolean {
  // A global or sticky regex remembers where it stopped; start from the beginning every time.
  regex.lastIndex = 0;
  return regex.test(text);
}

/** The canonical value of a raw cell for `field`, or the reason it has none. Empty cells give null. */
export function coerceValue(field: FieldDef, raw: CellValue, options: CoerceOptions = {}): CoerceResult {
  if (raw === null) return ok(null);
  let result: CoerceResult;
  switch (field.type) {
    case 'string':
    case 'text':
      result = coerceString(field, raw);
      break;
    case 'integer':
    case 'decimal':
    case 'money':
      result = coerceNumeric(field, raw);
      break;
    case 'date':
      result = coerceDate(raw, options);
      break;
    case 'boolean':
      result = coerceBoolean(raw);
      break;
    case 'enum':
      result = coerceEnum(field, raw);
      break;
    case 'email':
      result = coerceEmail(field, raw);
      break;
    case 'currency':
      result = coerceCurrency(field, raw);
      break;
  }
  if (result.ok && result.value !== null && field.pattern && !matchesPattern(field.pattern.regex, String(result.value))) {
    return fail('PATTERN', field.pattern.message);
  }
  return result;
}
