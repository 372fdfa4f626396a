import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../../records/index.js';
import { adaptSavedMapping, headerSignature, mappedColumns, mappedField, validateMapping } from './mapping.apply.js';
import { suggestMapping } from './mapping.match.js';

const invoices = ENTITIES.invoices;
const HEADERS = ['Type', 'Bill No.', 'Vendor', 'Txn Date', 'Due', 'Total', 'Memo'];

describe('validateMapping', () => {
  it('accepts a complete suggestion', () => {
    const { mapping } = suggestMapping(invoices, HEADERS);
    expect(validateMapping(invoices, HEADERS, mapping)).toEqual([]);
  });

  it('reports unknown fields, headers not in the file, fields mapped twice and missing required fields', () => {
    const problems = validateMapping(invoices, HEADERS, {
      Type: 'kind',
      'Bill No.': 'invoiceNo',
      Vendor: 'vendorCode',
      'Txn Date': 'invoiceDate',
      Due: 'invoiceDate',
      Total: 'amount',
      Memo: null,
      Reference: 'status',
    });
    expect(problems.map((p) => [p.code, p.severity, p.header, p.field])).toEqual([
      ['UNKNOWN_FIELD', 'error', 'Bill No.', 'invoiceNo'],
      ['HEADER_NOT_IN_FILE', 'error', 'Reference', 'status'],
      ['REQUIRED_UNMAPPED', 'error', null, 'number'],
      ['FIELD_MAPPED_TWICE', 'error', 'Due', 'invoiceDate'],
    ]);
    expect(problems[3]!.message).toBe('Invoice Date is mapped from several columns: "Txn Date", "Due"');
    expect(problems[2]!.message).toBe('Invoice Number is required but no column is mapped to it');
  });

  it('warns when a mapped header is repeated in the file', () => {
    const headers = ['Type', 'Number', 'Date', 'Amount', 'Amount'];
    const problems = validateMapping(invoices, headers, { Type: 'kind', Number: 'number', Date: 'invoiceDate', Amount: 'amount' });
    expect(problems).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_HEADER', severity: 'warning', header: 'Amount', field: 'amount' }),
    ]);
    expect(mappedColumns(invoices, headers, { Amount: 'amount' })).toEqual(new Map([['amount', 3]]));
  });

  it('reads only own properties of a mapping', () => {
    expect(mappedField({}, 'constructor')).toBeUndefined();
    expect(mappedField({ a: null }, 'a')).toBeNull();
    expect(validateMapping(ENTITIES.cost_codes, ['toString'], JSON.parse('{"__proto__": "code", "toString": "name"}') as Record<string, string>)).toEqual([
      expect.objectContaining({ code: 'HEADER_NOT_IN_FILE', header: '__proto__' }),
      expect.objectContaining({ code: 'REQUIRED_UNMAPPED', field: 'code' }),
    ]);
  });
});

describe('headerSignature', () => {
  it('ignores order, case, surrounding and repeated whitespace, and blank headers', () => {
    const a = headerSignature(['Vendor', 'Bill No.', 'Total']);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(headerSignature(['  TOTAL ', 'bill  no.', 'vendor', ''])).toBe(a);
  });

  it('tells different header rows apart', () => {
    const a = headerSignature(['Vendor', 'Bill No.', 'Total']);
    expect(headerSignature(['Vendor', 'Bill No', 'Total'])).not.toBe(a);
    expect(headerSignature(['Vendor', 'Bill No.', 'Total', 'Total'])).not.toBe(a);
    expect(headerSignature(['Vendor', 'Bill No.'])).not.toBe(a);
    // No separator ambiguity: ["a b", "c"] is not ["a", "b c"].
    expect(headerSignature(['a,b', 'c'])).not.toBe(headerSignature(['a', 'b,c']));
  });
});

describe('adaptSavedMapping', () => {
  it('re-keys a saved mapping to the new file’s spelling of the headers', () => {
    const saved = { Vendor: 'vendorCode', 'Bill No.': 'number', Total: 'amount', Memo: null };
    const headers = ['TOTAL', 'vendor', 'Bill  No.', 'Memo', 'New Column'];
    expect(headerSignature(headers.slice(0, 4))).toBe(headerSignature(Object.keys(saved)));
    expect(adaptSavedMapping(saved, headers)).toEqual({ TOTAL: 'amount', vendor: 'vendorCode', 'Bill  No.': 'number', Memo: null, 'New Column': null });
  });

  it('fills a field once when the file spells one header two ways', () => {
    expect(adaptSavedMapping({ Total: 'amount' }, ['Total', 'TOTAL'])).toEqual({ Total: 'amount', TOTAL: null });
  });
});
