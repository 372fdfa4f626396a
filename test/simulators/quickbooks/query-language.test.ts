import { describe, expect, it } from 'vitest';
import { compareValues, lookupPath, parseQuery, QueryError, runQuery } from './query-language.js';

describe('QuickBooks query language', () => {
  it('parses the documented statement forms', () => {
    expect(parseQuery("SELECT * FROM Vendor WHERE Metadata.LastUpdatedTime > '2026-11-01T00:00:00-08:00' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000")).toEqual({
      entity: 'Vendor',
      count: false,
      fields: null,
      where: [{ field: 'Metadata.LastUpdatedTime', op: '>', value: '2026-11-01T00:00:00-08:00' }],
      orderBy: [{ field: 'Id', desc: false }],
      startPosition: 1,
      maxResults: 1000,
    });
    const q = parseQuery("select count(*) from Bill where TotalAmt >= 10.5 and VendorRef IN ('1', '2') and DocNumber LIKE 'B-%' order by TxnDate desc, Id");
    expect(q.count).toBe(true);
    expect(q.where).toEqual([
      { field: 'TotalAmt', op: '>=', value: 10.5 },
      { field: 'VendorRef', op: 'IN', value: ['1', '2'] },
      { field: 'DocNumber', op: 'LIKE', value: 'B-%' },
    ]);
    expect(q.orderBy).toEqual([
      { field: 'TxnDate', desc: true },
      { field: 'Id', desc: false },
    ]);
    expect(parseQuery('SELECT Id, DisplayName FROM Customer MAXRESULTS 5 STARTPOSITION 6')).toMatchObject({ fields: ['Id', 'DisplayName'], startPosition: 6, maxResults: 5 });
    expect(parseQuery("SELECT * FROM Vendor WHERE DisplayName = 'O\\'Brien Steel'").where[0]!.value).toBe("O'Brien Steel");
    expect(parseQuery('SELECT * FROM Vendor WHERE Active = false').where[0]!.value).toBe(false);
  });

  it('defaults to 100 results and caps MAXRESULTS at 1000', () => {
    expect(parseQuery('SELECT * FROM Vendor').maxResults).toBe(100);
    expect(parseQuery('SELECT * FROM Vendor MAXRESULTS 5000').maxResults).toBe(1000);
  });

  it.each([
    ['', '4000'],
    ['SELECT FROM Vendor', '4000'],
    ['SELECT * Vendor', '4000'],
    ["SELECT * FROM Vendor WHERE DisplayName = 'a' OR DisplayName = 'b'", '4000'],
    ["SELECT * FROM Vendor WHERE DisplayName != 'a'", '4000'],
    ["SELECT * FROM Vendor WHERE DisplayName = 'unterminated", '4000'],
    ['SELECT * FROM Vendor WHERE Id IN ()', '4000'],
    ['SELECT * FROM Vendor trailing', '4000'],
    ['SELECT * FROM Vendor STARTPOSITION 0', '4001'],
    ['SELECT * FROM Vendor MAXRESULTS 0', '4001'],
    ['SELECT * FROM Vendor WHERE Id ~ 3', '4000'],
  ])('refuses %j with %s', (statement, code) => {
    try {
      parseQuery(statement);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).code).toBe(code);
    }
  });

  it('compares numbers, date-times, booleans and strings as QuickBooks does', () => {
    expect(compareValues(10, '9.5')).toBe(1);
    expect(compareValues('10', '9')).toBe(1); // numeric ids compare as numbers
    expect(compareValues(Date.parse('2026-11-02T00:00:00Z'), '2026-11-01T16:00:00-08:00')).toBe(0);
    expect(compareValues('2026-11-02', '2026-11-01')).toBe(1);
    expect(compareValues(true, 'true')).toBe(0);
    expect(compareValues('acme', 'ACME')).toBe(0);
    expect(compareValues(undefined, 'x')).toBeNull();
  });

  it('reads dotted paths case-insensitively and reference objects by value', () => {
    const vendor = { PrimaryEmailAddr: { Address: 'a@b.test' }, VendorRef: { value: '7', name: 'Acme' } };
    expect(lookupPath(vendor, 'primaryemailaddr.address')).toBe('a@b.test');
    expect(lookupPath(vendor, 'VendorRef')).toBe('7');
    expect(lookupPath(vendor, 'Missing.Path')).toBeUndefined();
  });

  it('filters, sorts and pages', () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ Id: String(i + 1), Name: `n${i % 3}`, Amount: (i * 7) % 11 }));
    const read = (row: Record<string, unknown>, path: string) => lookupPath(row, path);
    const byId = runQuery(rows, parseQuery("SELECT * FROM X WHERE Name = 'n1' STARTPOSITION 3 MAXRESULTS 4"), read);
    expect(byId.total).toBe(10);
    expect(byId.page.map((r) => r.Id)).toEqual(['8', '11', '14', '17']); // default order: Id, numerically
    const sorted = runQuery(rows, parseQuery('SELECT * FROM X WHERE Amount > 5 AND Amount <= 9 ORDERBY Amount DESC, Id MAXRESULTS 3'), read);
    expect(sorted.page.map((r) => [r.Amount, r.Id])).toEqual([
      [9, '7'],
      [9, '18'],
      [9, '29'],
    ]);
    const like = runQuery(rows, parseQuery("SELECT * FROM X WHERE Id LIKE '%5'"), read);
    expect(like.page.map((r) => r.Id)).toEqual(['5', '15', '25']);
    const within = runQuery(rows, parseQuery("SELECT * FROM X WHERE Id IN ('2', '30', '31')"), read);
    expect(within.page.map((r) => r.Id)).toEqual(['2', '30']);
  });
});
