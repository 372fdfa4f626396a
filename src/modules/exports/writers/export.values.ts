import type { ExportField } from './writer.types.js';

/**
 * One value as every format sees it, decided once from the field's type and the value's
 * JavaScript type. Numbers travel as their decimal text: mysql2 gives DECIMAL money as strings
 * ("12500.00") so no amount goes through a float, and the text formats keep it that way.
 */
export type ExportValue =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  /** `text` is a JSON-valid decimal number: "-12.50", "3", "1e+21". */
  | { kind: 'number'; text: string }
  | { kind: 'boolean'; value: boolean }
  /** `text` is a calendar date, YYYY-MM-DD. */
  | { kind: 'date'; text: string };

const EMPTY: ExportValue = { kind: 'empty' };
const TRUE: ExportValue = { kind: 'boolean', value: true };
const FALSE: ExportValue = { kind: 'boolean', value: false };

/** A decimal as databases print it; no leading zeros, so the text is also a JSON number. */
const DECIMAL_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;
const DATE_TEXT = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

function numberText(n: number, field: ExportField): string {
  // Money is DECIMAL(15,2): show cents ("12500.00") when that changes nothing about the value.
  if (field.type === 'money') {
    const fixed = n.toFixed(2);
    if (Number(fixed) === n) return fixed;
  }
  return Object.is(n, -0) ? '0' : String(n);
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** Classifies a record's value for a field; anything that does not fit the field's type is text. */
export function exportValue(field: ExportField, value: unknown): ExportValue {
  if (value === null || value === undefined) return EMPTY;
  switch (field.type) {
    case 'integer':
    case 'decimal':
    case 'money': {
      if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', text: numberText(value, field) } : EMPTY;
      if (typeof value === 'bigint') return { kind: 'number', text: String(value) };
      if (typeof value === 'string' && (field.type === 'integer' ? INTEGER_TEXT : DECIMAL_TEXT).test(value)) return { kind: 'number', text: value };
      break;
    }
    case 'date': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? EMPTY : { kind: 'date', text: value.toISOString().slice(0, 10) };
      if (typeof value === 'string' && DATE_TEXT.test(value)) return { kind: 'date', text: value };
      break;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value ? TRUE : FALSE;
      // MySQL BOOLEAN is TINYINT(1): 0 and 1 arrive as numbers.
      if (value === 1 || value === 0) return value === 1 ? TRUE : FALSE;
      if (typeof value === 'string') {
        const word = value.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return TRUE;
        if (FALSE_WORDS.has(word)) return FALSE;
      }
      break;
    }
    default:
      break;
  }
  return { kind: 'text', text: asText(value) };
}

/**
 * OWASP "CSV injection": a spreadsheet evaluates a cell that starts with one of these as a
 * formula (=cmd|' /C calc'!A0, @SUM(…), -2+3, +1, and tab or CR ahead of any of them).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Makes a text cell inert in a spreadsheet by prefixing an apostrophe, as OWASP advises. Only for
 * text: real numbers (a negative amount) are never touched, so they stay numbers.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Booleans in CSV and XLSX read as the import templates ask for them: yes / no. */
export function yesNo(value: boolean): 'yes' | 'no' {
  return value ? 'yes' : 'no';
}

/**
 * A field's cell encoder for one format: raw value in, text out, with no object per value.
 * The common shapes (what mysql2 hands over: strings for text, decimals and dates, numbers for
 * integers) take a fast path that gives exactly what `exportValue` would; anything else goes
 * through `exportValue` itself, so the two can never disagree on the meaning of a value.
 */
export interface CellFormat {
  empty: string;
  /** Text of a text field (already known to be a string). */
  text(text: string): string;
  /** A number's decimal text, or a date's YYYY-MM-DD. */
  number(text: string): string;
  date(text: string): string;
  boolean(value: boolean): string;
}

export type CellEncoder = (value: unknown) => string;

function slowEncoder(field: ExportField, format: CellFormat): CellEncoder {
  return (raw) => {
    const value = exportValue(field, raw);
    switch (value.kind) {
      case 'empty':
        return format.empty;
      case 'text':
        return format.text(value.text);
      case 'number':
        return format.number(value.text);
      case 'date':
        return format.date(value.text);
      case 'boolean':
        return format.boolean(value.value);
    }
  };
}

export function cellEncoder(field: ExportField, format: CellFormat): CellEncoder {
  const slow = slowEncoder(field, format);
  const { empty } = format;
  switch (field.type) {
    case 'integer':
    case 'decimal':
    case 'money': {
      const pattern = field.type === 'integer' ? INTEGER_TEXT : DECIMAL_TEXT;
      return (v) =>
        v === null || v === undefined
          ? empty
          : typeof v === 'string' && pattern.test(v)
            ? format.number(v)
            : field.type === 'integer' && typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)
              ? format.number(String(v))
              : slow(v);
    }
    case 'date':
      return (v) => (v === null || v === undefined ? empty : typeof v === 'string' && DATE_TEXT.test(v) ? format.date(v) : slow(v));
    case 'boolean':
      return (v) => (v === null || v === undefined ? empty : v === true || v === 1 ? format.boolean(true) : v === false || v === 0 ? format.boolean(false) : slow(v));
    default:
      return (v) => (v === null || v === undefined ? empty : typeof v === 'string' ? format.text(v) : slow(v));
  }
}

/** True when a text would start a formula in a spreadsheet: `neutraliseFormula` without a RegExp. */
export function startsFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  // = + - @ tab CR
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}
