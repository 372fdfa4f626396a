import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../../test/support/databases.js';
import { connectMySql, type MySql } from '../../platform/db/mysql.js';
import { runMigrations } from '../../platform/db/migrate.js';
import { SqlValues } from '../../platform/db/sql-values.js';
import { listRecords, recordOwners, RecordUpsert, upsertRecords } from './records.service.js';

let databases: TestDatabases;
let db: MySql;
const acme = { organizationId: 1, projectId: null };
const other = { organizationId: 2, projectId: null };

beforeAll(async () => {
  databases = await createTestDatabases('records');
  db = connectMySql(databases.mysqlUrl, 3);
  await runMigrations(db.pool);
});

afterAll(async () => {
  await db.close();
  await databases.drop();
});

describe('records service', () => {
  it('upserts by origin id: inserts new records, updates known ones, counts both', async () => {
    const first = await upsertRecords(db.db, 'vendors', acme, [
      { originId: 'QB-1', code: 'ACME', name: 'Acme Concrete' },
      { originId: 'QB-2', code: 'BOLT', name: 'Bolt Steel', paymentTerms: 'net_30' },
    ]);
    expect(first).toEqual({ inserted: 2, updated: 0 });
    const second = await upsertRecords(db.db, 'vendors', acme, [
      { originId: 'QB-2', code: 'BOLT', name: 'Bolt Steel Inc.', paymentTerms: 'net_45' },
      { originId: 'QB-3', code: 'CRANE', name: 'Crane Co' },
    ]);
    expect(second).toEqual({ inserted: 1, updated: 1 });
    const page = await listRecords(db.db, 'vendors', acme, { limit: 10, beforeId: null });
    expect(page.map((v) => [v.originId, v['name'], v['paymentTerms']])).toEqual([
      ['QB-3', 'Crane Co', null],
      ['QB-2', 'Bolt Steel Inc.', 'net_45'],
      ['QB-1', 'Acme Concrete', null],
    ]);
  });

  it('updates only the fields the records carry; an empty NOT NULL field takes its default', async () => {
    const scope = { organizationId: 3, projectId: null };
    await upsertRecords(db.db, 'vendors', scope, [{ originId: 'P1', code: 'PART', name: 'Partial', paymentTerms: 'net_60', status: 'inactive' }]);
    expect(await upsertRecords(db.db, 'vendors', scope, [{ originId: 'P1', code: 'PART', name: 'Partial Renamed' }])).toEqual({ inserted: 0, updated: 1 });
    const [row] = await listRecords(db.db, 'vendors', scope, { limit: 1, beforeId: null });
    expect(row).toMatchObject({ name: 'Partial Renamed', paymentTerms: 'net_60', status: 'inactive' });
    await upsertRecords(db.db, 'vendors', scope, [{ originId: 'P2', code: 'EMPTY', name: 'Empty Status', status: null }]);
    const [second] = await listRecords(db.db, 'vendors', scope, { limit: 1, beforeId: null });
    expect(second).toMatchObject({ code: 'EMPTY', status: 'active' });
  });

  it('stores text exactly as given: quotes, backslashes, control characters, accents, CJK and emoji', async () => {
    const scope = { organizationId: 4, projectId: null };
    const names = ["O'Brien \\ Sons \"Concrete\"", 'tab\there\nnew line\r\0nul \x1a', 'Müller Bau', '東京建設', 'Crane 🏗️ Co', ' padded '];
    const records = names.map((name, i) => ({ originId: `T-${i}`, code: `TXT-${i}`, name }));
    // Multi-row writes encode the rows into SqlValues on the way: what comes back must be what went in.
    const upsert = new RecordUpsert('vendors', scope, ['originId', 'code', 'name']);
    const values = new SqlValues(16);
    upsert.encode(records, values);
    expect(await upsert.run(db.db, values)).toEqual({ inserted: names.length, updated: 0 });
    const page = await listRecords(db.db, 'vendors', scope, { limit: 10, beforeId: null });
    expect(page.map((v) => v['name']).reverse()).toEqual(names);
  });

  it('refuses records without an origin id before writing any of them', async () => {
    const upsert = new RecordUpsert('vendors', { organizationId: 5, projectId: null }, ['originId', 'code', 'name']);
    const values = new SqlValues();
    expect(() => upsert.encode([{ originId: 'OK', code: 'A', name: 'A' }, { code: 'B', name: 'B' }], values)).toThrow(/originId/);
    expect(values.rows).toBe(0);
    expect(() => new RecordUpsert('vendors', { organizationId: 5, projectId: null }, ['code'])).toThrow(/originId/);
    expect(() => new RecordUpsert('vendors', { organizationId: 5, projectId: null }, ['originId', 'nope'])).toThrow(/no writable field nope/);
  });

  it('keeps organizations apart: same origin ids and codes, separate rows', async () => {
    expect(await upsertRecords(db.db, 'vendors', other, [{ originId: 'QB-1', code: 'ACME', name: 'Other Acme' }])).toEqual({
      inserted: 1,
      updated: 0,
    });
    const mine = await listRecords(db.db, 'vendors', acme, { limit: 10, beforeId: null }, { search: 'acme' });
    expect(mine.map((v) => v['name'])).toEqual(['Acme Concrete']);
    const owners = await recordOwners(db.db, 'vendors', other, 'code', ['ACME', 'BOLT']);
    expect([...owners]).toEqual([['ACME', 'QB-1']]);
  });

  it('scopes project records to their project, and stores money exactly', async () => {
    const p1 = { organizationId: 1, projectId: 10 };
    const p2 = { organizationId: 1, projectId: 11 };
    await upsertRecords(db.db, 'invoices', p1, [
      { originId: 'INV-1', kind: 'payable', number: '1001', invoiceDate: '2024-03-15', amount: '12500.10', vendorCode: 'ACME' },
    ]);
    await upsertRecords(db.db, 'invoices', p2, [{ originId: 'INV-2', kind: 'receivable', number: '1001', invoiceDate: '2024-03-16', amount: '0.30' }]);
    const inP1 = await listRecords(db.db, 'invoices', p1, { limit: 10, beforeId: null });
    expect(inP1.map((i) => [i['number'], i['amount'], i['invoiceDate']])).toEqual([['1001', '12500.10', '2024-03-15']]);
    await expect(upsertRecords(db.db, 'invoices', acme, [{ originId: 'X', kind: 'payable', number: '1', invoiceDate: '2024-01-01', amount: '1' }])).rejects.toThrow(
      /need a project/,
    );
  });

  it('refuses records without an origin id', async () => {
    await expect(upsertRecords(db.db, 'cost_codes', acme, [{ code: '03-30-00', name: 'Concrete' }])).rejects.toThrow(/originId/);
    const conn = await mysql.createConnection(databases.mysqlUrl);
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM cost_codes');
    await conn.end();
    expect(rows).toEqual([{ n: 0 }]);
  });
});
