import { describe, expect, it } from 'vitest';
import type { FieldDef, FieldType } from '../../records/index.js';
import { ENTITIES } from '../../records/index.js';
import { coerceValue, excelSerialToIsoDate, parseDateText, parseNumberText, type CellValue, type CoerceOptions } from './value.coerce.js';

function field(type: FieldType, extra: Partial<FieldDef> = {}): FieldDef {
  return { key: 'f', label: 'F', type, description: '', example: '', ...extra };
}

function value(f: FieldDef, raw: CellValue, options?: CoerceOptions): unknown {
  const result = coerceValue(f, raw, options);
  if (!result.ok) throw new Error(`expected ${String(raw)} to be accepted, got ${result.code}: ${result.message}`);
  return result.value;
}

function error(f: FieldDef, raw: CellValue, options?: CoerceOptions): { code: string; message: string } {
  const result = coerceValue(f, raw, options);
  if (result.ok) throw new Error(`expected ${String(raw)} to be refused, got ${String(result.value)}`);
  return { code: result.code, message: result.message };
}

describe('string and text', () => {
  const name = field('string', { maxLength: 5 });

  it('trims, turns empty into null and counts characters, not UTF-16 units', () => {
    expect(value(name, '  Acme ')).toBe('Acme');
    expect(value(name, '   ')).toBeNull();
    expect(value(name, '')).toBeNull();
    expect(value(name, null)).toBeNull();
    expect(value(name, '😀😀😀😀😀')).toBe('😀😀😀😀😀');
    expect(error(name, 'Acme Concrete')).toEqual({ code: 'LENGTH', message: 'is longer than 5 characters' });
    expect(value(field('text'), '  line one\nline two  ')).toBe('line one\nline two');
  });

  it('writes numbers, booleans and dates from typed cells as text', () => {
    const code = field('string');
    expect(value(code, 1001)).toBe('1001');
    expect(value(code, 0.1 + 0.2)).toBe('0.3');
    expect(value(code, true)).toBe('TRUE');
    const result = coerceValue(code, new Date(Date.UTC(2000, 2, 30)));
    expect(result).toMatchObject({ ok: true, value: '2000-03-30' });
    expect(result.ok && result.warning).toMatch(/was a date in the spreadsheet/);
  });

  it('checks the pattern of the catalog', () => {
    const costCode = ENTITIES.cost_codes.fields.find((f) => f.key === 'code')!;
    expect(value(costCode, '03-30-00')).toBe('03-30-00');
    expect(error(costCode, '-03 30')).toEqual({ code: 'PATTERN', message: 'may contain letters, digits, dots, dashes and spaces' });
  });

  it('resets a global pattern between cells', () => {
    const digits = field('string', { pattern: { regex: /^\d+$/g, message: 'digits only' } });
    expect(value(digits, '12')).toBe('12');
    expect(value(digits, '34')).toBe('34');
  });
});

describe('parseNumberText', () => {
  const text = (input: string, options = {}): string | null => {
    const parts = parseNumberText(input, options);
    return parts && `${parts.negative ? '-' : ''}${parts.integer}${parts.fraction ? `.${parts.fraction}` : ''}`;
  };

  it('reads US and European grouping', () => {
    expect(text('1,234.56')).toBe('1234.56');
    expect(text('1.234,56')).toBe('1234.56');
    expect(text('1,234,567.8')).toBe('1234567.8');
    expect(text('1.234.567,8')).toBe('1234567.8');
    expect(text('1,234,567')).toBe('1234567');
    expect(text('1.234.567')).toBe('1234567');
    expect(text('1 234 567,89')).toBe('1234567.89');
    expect(text('1\u00A0234,5')).toBe('1234.5');
    expect(text("1'234.50")).toBe('1234.5');
  });

  it('reads a lone comma as a decimal comma only when it cannot group thousands', () => {
    expect(text('12,5')).toBe('12.5');
    expect(text('0,500')).toBe('0.5');
    expect(text('1234,567')).toBe('1234.567');
    expect(text('12,50')).toBe('12.5');
    // Ambiguous: read the US way.
    expect(text('1,234')).toBe('1234');
    expect(text('1.234')).toBe('1.234');
  });

  it('reads signs, parentheses, currency marks and leading zeros', () => {
    expect(text('-12.5')).toBe('-12.5');
    expect(text('+12.5')).toBe('12.5');
    expect(text('\u221212.5')).toBe('-12.5');
    expect(text('(123.45)')).toBe('-123.45');
    expect(text('$1,234.56', { currency: true })).toBe('1234.56');
    expect(text('-$1,234.56', { currency: true })).toBe('-1234.56');
    expect(text('$-1,234.56', { currency: true })).toBe('-1234.56');
    expect(text('($1,234.56)', { currency: true })).toBe('-1234.56');
    expect(text('1.234,56 €', { currency: true })).toBe('1234.56');
    expect(text('USD 99', { currency: true })).toBe('99');
    expect(text('99 EUR', { currency: true })).toBe('99');
    expect(text('007')).toBe('7');
    expect(text('.5')).toBe('0.5');
    expect(text('-0.00')).toBe('0');
  });

  it('reads exponents and percentages only when asked', () => {
    expect(text('1.5E+3', { exponent: true })).toBe('1500');
    expect(text('2.5e-3', { exponent: true })).toBe('0.0025');
    expect(text('1.5E+3')).toBeNull();
    expect(text('45%', { percent: true })).toBe('45');
    expect(text('45%')).toBeNull();
  });

  it('refuses what is not a number', () => {
    for (const bad of ['12abc', 'abc', '', '-', '1.2.3,4', '1,2,3.4.5', '--5', '(-5)', '1,23,456', '5.', '1..2', '1 234.567,8', '1,234 567', '$12', '12 USD', 'e5', '1,,234', '1.234.56']) {
      expect(text(bad), bad).toBeNull();
    }
  });
});

describe('integer, decimal and money', () => {
  const integer = field('integer', { min: 0, max: 10 });
  const decimal = field('decimal');
  const money = field('money');

  it('integers: whole numbers, from text or cells', () => {
    expect(value(integer, '7')).toBe(7);
    expect(value(integer, 7)).toBe(7);
    expect(value(integer, '7.0')).toBe(7);
    expect(value(integer, ' ')).toBeNull();
    expect(value(field('integer'), '1,234')).toBe(1234);
    expect(error(integer, '7.5')).toEqual({ code: 'TYPE', message: 'must be a whole number' });
    expect(error(integer, 7.5).code).toBe('TYPE');
    expect(error(integer, '12abc').code).toBe('TYPE');
    expect(error(integer, true).code).toBe('TYPE');
    expect(error(integer, 11)).toEqual({ code: 'RANGE', message: 'must be at most 10' });
    expect(error(integer, -1)).toEqual({ code: 'RANGE', message: 'must be at least 0' });
    expect(error(field('integer'), '99999999999999999999').code).toBe('RANGE');
  });

  it('decimals: a normalised string, rounded to the 4 places stored', () => {
    expect(value(decimal, '420.500')).toBe('420.5');
    expect(value(decimal, '1.234,5')).toBe('1234.5');
    expect(value(decimal, 2.5)).toBe('2.5');
    expect(value(decimal, 0.1 + 0.2)).toBe('0.3');
    expect(value(decimal, 1e-7)).toBe('0');
    expect(value(decimal, '1.5E3')).toBe('1500');
    expect(value(decimal, '-0')).toBe('0');
    const rounded = coerceValue(decimal, '2.33335');
    expect(rounded).toEqual({ ok: true, value: '2.3334', warning: 'was rounded to 4 decimal places (2.3334)' });
    expect(error(decimal, '123456789012345').code).toBe('RANGE');
    expect(error(decimal, Number.NaN).code).toBe('TYPE');
    expect(error(decimal, new Date()).code).toBe('TYPE');
  });

  it('percent complete accepts "45%" as 45 and checks its range', () => {
    const percent = ENTITIES.schedule_tasks.fields.find((f) => f.key === 'percentComplete')!;
    expect(value(percent, '45%')).toBe('45');
    expect(value(percent, 100)).toBe('100');
    expect(error(percent, '101')).toEqual({ code: 'RANGE', message: 'must be at most 100' });
  });

  it('money: exactly two decimals as a string, never through a float', () => {
    expect(value(money, '1,234.56')).toBe('1234.56');
    expect(value(money, '$1,234.56')).toBe('1234.56');
    expect(value(money, '(123.45)')).toBe('-123.45');
    expect(value(money, '1.234,56')).toBe('1234.56');
    expect(value(money, '12,5')).toBe('12.50');
    expect(value(money, '12')).toBe('12.00');
    expect(value(money, 12500)).toBe('12500.00');
    expect(value(money, 0.1 + 0.2)).toBe('0.30');
    expect(value(money, 1234.5600000000002)).toBe('1234.56');
    expect(value(money, '9999999999999.99')).toBe('9999999999999.99');
    expect(value(money, '0.005')).toBe('0.01');
    expect(value(money, '-0.005')).toBe('-0.01');
    expect(value(money, '99.995')).toBe('100.00');
    expect(coerceValue(money, '12.345')).toEqual({ ok: true, value: '12.35', warning: 'was rounded to 2 decimal places (12.35)' });
    expect(coerceValue(money, '12.3400')).toEqual({ ok: true, value: '12.34' });
    expect(error(money, '12abc')).toEqual({ code: 'TYPE', message: 'must be an amount such as 1234.56' });
    expect(error(money, '1e5').code).toBe('TYPE');
    expect(error(money, '10000000000000').code).toBe('RANGE');
  });

  it('money bounds of the catalog', () => {
    const paid = ENTITIES.payments.fields.find((f) => f.key === 'amount')!;
    expect(value(paid, '0.01')).toBe('0.01');
    expect(error(paid, '0.00')).toEqual({ code: 'RANGE', message: 'must be at least 0.01' });
    expect(error(paid, '(5.00)').code).toBe('RANGE');
  });
});

describe('dates', () => {
  const date = field('date');

  it('reads ISO, slashed, dotted, compact and month-name dates', () => {
    expect(value(date, '2024-03-15')).toBe('2024-03-15');
    expect(value(date, '2024-3-5')).toBe('2024-03-05');
    expect(value(date, '2024-03-15T23:30:00-05:00')).toBe('2024-03-15');
    expect(value(date, '2024/03/15')).toBe('2024-03-15');
    expect(value(date, '03/15/2024')).toBe('2024-03-15');
    expect(value(date, '3/5/2024 12:00:00 AM')).toBe('2024-03-05');
    expect(value(date, '3/5/24')).toBe('2024-03-05');
    expect(value(date, '12/31/99')).toBe('1999-12-31');
    expect(value(date, '15.03.2024')).toBe('2024-03-15');
    expect(value(date, '5.3.24')).toBe('2024-03-05');
    expect(value(date, '20240315')).toBe('2024-03-15');
    expect(value(date, '15-Mar-2024')).toBe('2024-03-15');
    expect(value(date, '15 March 24')).toBe('2024-03-15');
    expect(value(date, 'Mar 15, 2024')).toBe('2024-03-15');
    expect(value(date, 'Sept. 1 2024')).toBe('2024-09-01');
    expect(value(date, '  ')).toBeNull();
  });

  it('reads slash dates month first unless told day first', () => {
    expect(value(date, '04/03/2024')).toBe('2024-04-03');
    expect(value(date, '04/03/2024', { dateOrder: 'DMY' })).toBe('2024-03-04');
    expect(value(date, '15/03/2024', { dateOrder: 'DMY' })).toBe('2024-03-15');
    expect(error(date, '15/03/2024')).toEqual({ code: 'TYPE', message: 'is not a valid date (use YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)' });
    expect(error(date, '03/15/2024', { dateOrder: 'DMY' }).message).toContain('DD/MM/YYYY');
  });

  it('refuses impossible dates instead of rolling them over', () => {
    for (const bad of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '31.04.2024', '02/30/2024', '32-Jan-2024', '15-Foo-2024', '0999-01-01', 'tomorrow', '2024', '12abc']) {
      expect(error(date, bad).code, bad).toBe('TYPE');
    }
    expect(value(date, '2024-02-29')).toBe('2024-02-29');
    expect(value(date, '2000-02-29')).toBe('2000-02-29');
    expect(error(date, '1900-02-29').code).toBe('TYPE');
  });

  it('takes Date cells as the UTC calendar date the spreadsheet shows', () => {
    expect(value(date, new Date(Date.UTC(2024, 2, 15)))).toBe('2024-03-15');
    expect(value(date, new Date(Date.UTC(2024, 2, 15, 23, 59)))).toBe('2024-03-15');
    expect(error(date, new Date(Number.NaN)).code).toBe('TYPE');
    expect(error(date, true).code).toBe('TYPE');
  });

  it('reads numbers as Excel serials in the 1900 system, or as yyyymmdd', () => {
    expect(value(date, 45366)).toBe('2024-03-15');
    expect(value(date, 45366.75)).toBe('2024-03-15');
    expect(value(date, 1)).toBe('1900-01-01');
    expect(value(date, 59)).toBe('1900-02-28');
    expect(value(date, 61)).toBe('1900-03-01');
    expect(value(date, 2958465)).toBe('9999-12-31');
    expect(value(date, 20240315)).toBe('2024-03-15');
    expect(excelSerialToIsoDate(60)).toBeNull();
    expect(excelSerialToIsoDate(0)).toBeNull();
    expect(error(date, -5).code).toBe('TYPE');
    expect(error(date, 2958466).code).toBe('TYPE');
    expect(error(date, 20241315).code).toBe('TYPE');
  });

  it('parseDateText on its own', () => {
    expect(parseDateText('2024-03-15 10:00')).toBe('2024-03-15');
    expect(parseDateText('not a date')).toBeNull();
  });
});

describe('boolean', () => {
  const flag = field('boolean');
  it('reads the usual words, any case', () => {
    for (const yes of ['true', 'TRUE', 'Yes', 'y', 'Y', '1', 'x', 'X', ' yes ']) expect(value(flag, yes), yes).toBe(true);
    for (const no of ['false', 'No', 'n', '0', 'FALSE']) expect(value(flag, no), no).toBe(false);
    expect(value(flag, true)).toBe(true);
    expect(value(flag, 0)).toBe(false);
    expect(value(flag, 1)).toBe(true);
    expect(value(flag, '')).toBeNull();
    expect(error(flag, 'maybe').code).toBe('TYPE');
    expect(error(flag, 2).code).toBe('TYPE');
    expect(error(flag, new Date()).code).toBe('TYPE');
  });
});

describe('enum', () => {
  const terms = ENTITIES.vendors.fields.find((f) => f.key === 'paymentTerms')!;
  const linkType = ENTITIES.task_dependencies.fields.find((f) => f.key === 'type')!;

  it('returns the canonical value, ignoring case, spaces, underscores and dashes', () => {
    expect(value(terms, 'Net 30')).toBe('net_30');
    expect(value(terms, 'NET-45')).toBe('net_45');
    expect(value(terms, 'Due on receipt')).toBe('due_on_receipt');
    expect(value(linkType, 'fs')).toBe('FS');
    expect(value(ENTITIES.invoices.fields.find((f) => f.key === 'kind')!, ' Payable ')).toBe('payable');
    expect(value(terms, '')).toBeNull();
  });

  it('lists the allowed values when refusing', () => {
    expect(error(terms, 'net 90')).toEqual({ code: 'ENUM', message: 'must be one of: net_15, net_30, net_45, net_60, due_on_receipt' });
    expect(error(linkType, 1).code).toBe('ENUM');
  });
});

describe('email', () => {
  const email = field('email', { maxLength: 30 });
  it('accepts ordinary addresses and lowercases the domain', () => {
    expect(value(email, ' AP@AcmeConcrete.COM ')).toBe('AP@acmeconcrete.com');
    expect(value(email, "o'brien+ap@mail.acme.co.uk")).toBe("o'brien+ap@mail.acme.co.uk");
    expect(value(email, 'mailto:ap@acme.com')).toBe('ap@acme.com');
    expect(value(email, '')).toBeNull();
  });

  it('refuses what is not one address', () => {
    for (const bad of ['ap', 'ap@', '@acme.com', 'ap@acme', 'ap@@acme.com', 'a p@acme.com', 'ap@acme..com', '.ap@acme.com', 'ap.@acme.com', 'a..p@acme.com', 'ap@-acme.com', 'ap@acme.c', 'a@x.com; b@x.com']) {
      expect(error(email, bad), bad).toEqual({ code: 'TYPE', message: 'is not a valid e-mail address' });
    }
    expect(error(email, 42).code).toBe('TYPE');
    expect(error(email, 'maria.lopez@acmeconcrete.example.com').code).toBe('LENGTH');
  });
});

describe('currency', () => {
  const currency = ENTITIES.invoices.fields.find((f) => f.key === 'currency')!;
  it('uppercases and checks the pattern', () => {
    expect(value(currency, ' usd ')).toBe('USD');
    expect(error(currency, 'US$')).toEqual({ code: 'PATTERN', message: 'must be a three-letter ISO 4217 code such as USD' });
    expect(error(field('currency'), 'EURO')).toEqual({ code: 'PATTERN', message: 'must be a three-letter currency code such as USD' });
    expect(error(currency, 840).code).toBe('TYPE');
    expect(value(currency, '')).toBeNull();
  });
});

describe('hostile cells', () => {
  it('refuses megabyte-long cells quickly, whatever the type', () => {
    const huge = ['9'.repeat(1 << 20) + 'x', `1${' '.repeat(1 << 20)}x`, `2024-01-01 10:00${' '.repeat(1 << 20)}x`, `${'a.'.repeat(1 << 19)}@x`];
    const types: FieldType[] = ['integer', 'decimal', 'money', 'date', 'email', 'enum', 'boolean', 'currency'];
    const started = performance.now();
    for (const text of huge) for (const type of types) expect(coerceValue(field(type, { values: ['a'] }), text).ok).toBe(false);
    expect(coerceValue(field('string', { maxLength: 10 }), huge[0]!)).toMatchObject({ ok: false, code: 'LENGTH' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
