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
