import { describe, expect, it } from 'vitest';
import { ENTITIES, type EntityDef } from '../../records/index.js';
import { editDistance, normalizeHeader, suggestMapping } from './mapping.match.js';

function fieldsOf(entity: EntityDef, headers: string[]): Record<string, string | null> {
  return Object.fromEntries(suggestMapping(entity, headers).headers.map((h) => [h.header, h.field]));
}

/** Two fields one letter apart, to provoke ties the real catalog happens not to have. */
const SHIPPING: EntityDef = {
  type: 'invoices',
  label: 'shipment',
  projectScoped: false,
  fields: [
    { key: 'shipDate', label: 'Ship Date', type: 'date', description: '', example: '' },
    { key: 'shopDate', label: 'Shop Date', type: 'date', description: '', example: '' },
    { key: 'carrier', label: 'Carrier', type: 'string', description: '', example: '', aliases: ['shipper'] },
    { key: 'sender', label: 'Sender', type: 'string', description: '', example: '', aliases: ['shipper'] },
  ],
};

describe('normalizeHeader', () => {
  it('makes the usual spellings of one header equal', () => {
    for (const header of ['Invoice #', 'invoice_number', 'InvoiceNumber', 'INVOICE NO.', 'Invoice Nbr', ' invoice-number ', 'Invoice Num']) {
      expect(normalizeHeader(header)).toBe('invoicenumber');
    }
  });

  it('strips accents, splits camelCase and acronyms, expands % and qty', () => {
    expect(normalizeHeader('Numéro Facture')).toBe('numerofacture');
    expect(normalizeHeader('VendorID')).toBe('vendorid');
    expect(normalizeHeader('ERPId')).toBe('erpid');
    expect(normalizeHeader('% Complete')).toBe('percentcomplete');
    expect(normalizeHeader('Pct. Complete')).toBe('percentcomplete');
    expect(normalizeHeader('Qty')).toBe('quantity');
    expect(normalizeHeader('  ')).toBe('');
  });
});

describe('editDistance', () => {
  it('counts an adjacent transposition as one edit and stops past the limit', () => {
    expect(editDistance('invoice', 'invioce')).toBe(1);
    expect(editDistance('amount', 'ammount')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abcdefgh', 'zzzzzzzz', 2)).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('suggestMapping', () => {
  it('maps a QuickBooks bill export through labels and aliases', () => {
    const suggestion = suggestMapping(ENTITIES.invoices, ['Vendor', 'Bill No.', 'Txn Date', 'Due', 'Total', 'Memo', 'Currency']);
    expect(suggestion.mapping).toEqual({
      Vendor: 'vendorCode',
      'Bill No.': 'number',
      'Txn Date': 'invoiceDate',
      Due: 'dueDate',
      Total: 'amount',
      Memo: null,
      Currency: 'currency',
    });
    expect(suggestion.headers.find((h) => h.header === 'Currency')).toMatchObject({ confidence: 'exact', score: 1, column: 6 });
    expect(suggestion.headers.find((h) => h.header === 'Total')).toMatchObject({ confidence: 'alias', score: 0.9 });
    expect(suggestion.unmappedHeaders).toEqual(['Memo']);
    expect(suggestion.missingRequired).toEqual(['kind']);
  });

  it('maps a Sage vendor list and a Procore budget', () => {
    expect(fieldsOf(ENTITIES.vendors, ['Vendor ID', 'Vendor Name', 'Tax ID', 'E-mail', 'Telephone', 'Terms', 'Inactive'])).toEqual({
      'Vendor ID': 'code',
      'Vendor Name': 'name',
      'Tax ID': 'taxId',
      'E-mail': 'email',
      Telephone: 'phone',
      Terms: 'paymentTerms',
      Inactive: null,
    });
    const budget = suggestMapping(ENTITIES.budget_line_items, ['Cost Code', 'Description', 'Qty', 'UOM', 'Unit Cost', 'Budget Amount', 'Revised Budget']);
    expect(budget.mapping).toEqual({
      'Cost Code': 'costCode',
      Description: 'description',
      Qty: 'quantity',
      UOM: 'unit',
      'Unit Cost': 'unitCost',
      'Budget Amount': 'originalAmount',
      'Revised Budget': 'revisedAmount',
    });
    expect(budget.missingRequired).toEqual([]);
  });

  it('maps an MS Project / P6 task export, its activity id to the origin id', () => {
    const tasks = suggestMapping(ENTITIES.schedule_tasks, ['Activity ID', 'WBS', 'Activity Name', 'Start', 'Finish', 'Duration', '% Complete', 'Milestone']);
    // "Activity ID" is an alias of the origin id, not "activity" (the task name alias) with a typo.
    expect(tasks.mapping).toEqual({
      'Activity ID': 'originId',
      WBS: 'wbs',
      'Activity Name': 'name',
      Start: 'startDate',
      Finish: 'finishDate',
      Duration: 'durationDays',
      '% Complete': 'percentComplete',
      Milestone: 'isMilestone',
    });
    expect(tasks.missingRequired).toEqual([]);
  });

  it('matches typos within the allowed distance, scored below any alias', () => {
    const suggestion = suggestMapping(ENTITIES.invoices, ['Invioce Number', 'Ammount', 'Invoice Dat', 'Vendr Code', 'Knd']);
    expect(suggestion.mapping).toEqual({
      'Invioce Number': 'number',
      Ammount: 'amount',
      'Invoice Dat': 'invoiceDate',
      'Vendr Code': 'vendorCode',
      // Three letters: too short to trust a typo.
      Knd: null,
    });
    for (const header of suggestion.headers.slice(0, 4)) {
      expect(header.confidence).toBe('fuzzy');
      expect(header.score).toBeGreaterThan(0.5);
      expect(header.score).toBeLessThan(0.8);
    }
  });

  it('refuses typos beyond the distance and names that only add a word', () => {
    expect(fieldsOf(ENTITIES.invoices, ['Invxxxxx Number', 'Tax Amount Total', 'Amounts'])).toEqual({
      'Invxxxxx Number': null,
      'Tax Amount Total': null,
      // A plural is one edit from "amount".
      Amounts: 'amount',
    });
    expect(fieldsOf(ENTITIES.vendors, ['Vendors Listing'])).toEqual({ 'Vendors Listing': null });
  });

  it('gives a contested field to the better match, then to the more specific header', () => {
    const byScore = suggestMapping(ENTITIES.invoices, ['Invioce Number', 'Bill No.']);
    expect(byScore.mapping).toEqual({ 'Invioce Number': null, 'Bill No.': 'number' });

    // Both are aliases of vendorCode: "Vendor ID" says more than "Vendor".
    expect(fieldsOf(ENTITIES.invoices, ['Vendor', 'Vendor ID'])).toEqual({ Vendor: null, 'Vendor ID': 'vendorCode' });
    expect(fieldsOf(ENTITIES.invoices, ['Vendor ID', 'Vendor'])).toEqual({ Vendor: null, 'Vendor ID': 'vendorCode' });

    expect(fieldsOf(ENTITIES.invoices, ['Total', 'Invoice Amount'])).toEqual({ Total: null, 'Invoice Amount': 'amount' });

    // Equal in every way: the leftmost column wins; the other falls back to nothing.
    expect(fieldsOf(ENTITIES.invoices, ['Total Amount', 'TOTAL_AMOUNT'])).toEqual({ 'Total Amount': 'amount', TOTAL_AMOUNT: null });
    expect(fieldsOf(ENTITIES.invoices, ['TOTAL_AMOUNT', 'Total Amount'])).toEqual({ 'Total Amount': null, TOTAL_AMOUNT: 'amount' });
  });

  it('leaves a header unmapped when two fields fit it equally well', () => {
    const suggestion = suggestMapping(SHIPPING, ['Shap Date', 'Shipper']);
    expect(suggestion.headers[0]).toMatchObject({ field: null, confidence: null, score: 0, ambiguousWith: ['shipDate', 'shopDate'] });
    expect(suggestion.headers[1]).toMatchObject({ field: null, ambiguousWith: ['carrier', 'sender'] });
    expect(suggestion.unmappedHeaders).toEqual(['Shap Date', 'Shipper']);

    // Once one of the two is taken by a better header, the tie is gone.
    expect(fieldsOf(SHIPPING, ['Shap Date', 'Ship Date'])).toEqual({ 'Shap Date': 'shopDate', 'Ship Date': 'shipDate' });
  });

  it('maps only the first of repeated headers and never maps empty ones', () => {
    const suggestion = suggestMapping(ENTITIES.vendors, ['Name', '', 'Name', '   ', '#', 'Vendor Code']);
    expect(suggestion.headers.map((h) => h.field)).toEqual(['name', null, null, null, null, 'code']);
    expect(suggestion.mapping).toEqual({ Name: 'name', '': null, '   ': null, '#': null, 'Vendor Code': 'code' });
    expect(suggestion.unmappedHeaders).toEqual(['', 'Name', '   ', '#']);
  });

  it('handles no headers and headers that are object property names', () => {
    expect(suggestMapping(ENTITIES.contacts, [])).toMatchObject({ mapping: {}, headers: [], unmappedHeaders: [], missingRequired: ['lastName'] });
    const suggestion = suggestMapping(ENTITIES.contacts, ['__proto__', 'constructor', 'Surname']);
    expect(Object.keys(suggestion.mapping)).toEqual(['__proto__', 'constructor', 'Surname']);
    expect(suggestion.mapping['Surname']).toBe('lastName');
    expect(Object.getPrototypeOf(suggestion.mapping)).toBe(Object.prototype);
  });

  it('is deterministic and case-insensitive', () => {
    const headers = ['EMAIL ADDRESS', 'first name', 'LAST_NAME', 'Company', 'Mobile', 'Job Title', 'Vendor'];
    const a = suggestMapping(ENTITIES.contacts, headers);
    expect(a).toEqual(suggestMapping(ENTITIES.contacts, [...headers]));
    expect(a.mapping).toEqual({
      'EMAIL ADDRESS': 'email',
      'first name': 'firstName',
      LAST_NAME: 'lastName',
      Company: 'company',
      Mobile: 'phone',
      'Job Title': 'title',
      Vendor: 'vendorCode',
    });
  });
});

describe('the catalog', () => {
  it('never gives two fields of one entity the same normalised name', () => {
    for (const entity of Object.values(ENTITIES)) {
      const owner = new Map<string, string>();
      for (const field of entity.fields) {
        for (const name of [field.label, field.key, ...(field.aliases ?? [])]) {
          const normalized = normalizeHeader(name);
          const other = owner.get(normalized);
          expect(other === undefined || other === field.key, `${entity.type}: "${name}" is a name of ${other} and ${field.key}`).toBe(true);
          owner.set(normalized, field.key);
        }
      }
    }
  });
});
