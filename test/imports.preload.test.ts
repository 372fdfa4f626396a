import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MySql } from '../src/platform/db/mysql.js';
import { SqlValues } from '../src/platform/db/sql-values.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { RecordOwnershipConflict, RecordUpsert, upsertRecords } from '../src/modules/records/index.js';
import { createImport, failImportRun, IMPORT_PROGRESS_TOPIC, importJobs, runImport, type ImportProgress, type RunnerDeps } from '../src/modules/imports/index.js';
import { PreloadedValues } from '../src/modules/imports/imports.lookup.js';
import type { RowIssue } from '../src/modules/imports/validation/validation.engine.js';
import { openImportRunnerEnv, type ImportRunnerEnv } from './support/import-runner.js';

/*
 * Imports read the existing values of their unique fields once (PreloadedValues) and ask the
 * database only about values a record may hold. What others write after that read is caught by
 * the upsert's guard: the span rolls back and the job runs again with every value looked up.
 */
const system = { type: 'system' as const, id: 'test' };

let env: ImportRunnerEnv;
let mysql: MySql;

beforeAll(async () => {
  env = await openImportRunnerEnv('preload');
  mysql = env.mysql;
}, 60_000);

afterAll(async () => {
  await env?.close();
});

async function newOrg(name: string): Promise<number> {
  return (await createOrganization(mysql.db, system, { name })).id;
}

async function importFile(organizationId: number, csv: string, deps: Partial<RunnerDeps> = {}, dryRun = false) {
  const { job } = await createImport(
    { db: mysql.db, store: env.store, maxUploadBytes: 1024 * 1024 },
    system,
    { organizationId, importType: 'vendors', projectId: null, fileName: 'vendors.csv', options: {} },
    Readable.from([csv]),
  );
  await mysql.db
    .update(importJobs)
    .set({ status: dryRun ? 'validating' : 'importing', mode: 'skip_invalid' })
    .where(eq(importJobs.id, job.id));
  await runImport({ db: mysql.db, store: env.store, pubsub: env.pubsub, logger: env.logger, chunkRows: 4, writeRows: 8, writeConcurrency: 2, ...deps }, job.id, dryRun);
  const [done] = await mysql.db.select().from(importJobs).where(eq(importJobs.id, job.id));
  return done!;
}

async function vendors(organizationId: number) {
  const [rows] = await mysql.pool.query<Array<{ originId: string | null; code: string; name: string } & RowDataPacket>>(
    'SELECT origin_id AS originId, code, name FROM vendors WHERE organization_id = ? ORDER BY code',
    [organizationId],
  );
  return rows.map((r) => ({ ...r }));
}

describe('preloaded unique values', () => {
  it('rest on MariaDB telling printable ASCII apart exactly as ASCII lower-casing does', async () => {
    const codes = Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i);
    const [rows] = await mysql.pool.query<Array<{ a: number; b: number } & RowDataPacket>>(
      `SELECT a.n AS a, b.n AS b FROM (${codes.map((c) => `SELECT ${c} AS n`).join(' UNION ALL ')}) a
       JOIN (${codes.map((c) => `SELECT ${c} AS n`).join(' UNION ALL ')}) b ON a.n < b.n
       WHERE CONVERT(CHAR(a.n USING ascii) USING utf8mb4) COLLATE utf8mb4_unicode_ci = CONVERT(CHAR(b.n USING ascii) USING utf8mb4) COLLATE utf8mb4_unicode_ci`,
    );
    const equalPairs = rows.map((r) => String.fromCharCode(r.a) + String.fromCharCode(r.b));
    const lowerCasePairs = codes.filter((c) => c >= 0x41 && c <= 0x5a).map((c) => String.fromCharCode(c) + String.fromCharCode(c + 32));
    expect(equalPairs.sort()).toEqual(lowerCasePairs.sort());
  });

  it('answer only for values no record can hold; the rest, and non-ASCII values, are asked', async () => {
    const org = await newOrg('Preload Answers GC');
    const other = await newOrg('Preload Other GC');
    await upsertRecords(mysql.db, 'vendors', { organizationId: org, projectId: null }, [
      { originId: 'A', code: 'ACME', name: 'Acme' },
      { originId: 'B', code: 'Bolt ', name: 'Bolt, stored with a trailing space' },
    ]);
    await upsertRecords(mysql.db, 'vendors', { organizationId: other, projectId: null }, [{ originId: 'Z', code: 'ZED', name: 'Zed' }]);
    const preloaded = await PreloadedValues.load(mysql.db, 'vendors', { organizationId: org, projectId: null }, ['code', 'email'], 100);
    expect(preloaded.covers('code')).toBe(true);
    // acme and BOLT match case-insensitively (and "Bolt " as MariaDB pads); ZED is another organization's;
    // Café is asked whatever the preload says, as the collation equates it with Cafe.
    expect(preloaded.mayHold('code', ['acme', 'BOLT', 'ZED', 'NEW-1', 'Café'])).toEqual(['acme', 'BOLT', 'Café']);
    // An unmapped or unknown field is never answered from the preload.
    expect(preloaded.mayHold('taxId', ['X'])).toEqual(['X']);
  });

  it('leave out a field with more values than allowed, or with values beyond printable ASCII', async () => {
    const org = await newOrg('Preload Limits GC');
    const scope = { organizationId: org, projectId: null };
    await upsertRecords(mysql.db, 'vendors', scope, [
      { originId: 'A', code: 'ONE', name: 'One', email: 'a@example.com' },
      { originId: 'B', code: 'TWO', name: 'Two', email: 'b@exämple.com' },
    ]);
    const tooMany = await PreloadedValues.load(mysql.db, 'vendors', scope, ['code'], 1);
    expect(tooMany.covers('code')).toBe(false);
    expect(tooMany.mayHold('code', ['NEW'])).toEqual(['NEW']);
    const accented = await PreloadedValues.load(mysql.db, 'vendors', scope, ['code', 'email'], 10);
    expect(accented.covers('code')).toBe(true);
    expect(accented.covers('email')).toBe(false);
  });

  it('give a dry run the same findings as looking every value up', async () => {
    const org = await newOrg('Preload Same Findings GC');
    await upsertRecords(mysql.db, 'vendors', { organizationId: org, projectId: null }, [
      { originId: 'OLD-1', code: 'TAKEN', name: 'Taken' },
      { originId: 'OLD-2', code: 'BOLT', name: 'Bolt' },
    ]);
    const csv = ['Origin ID,Vendor Code,Name', 'N1,FREE-1,Free', 'N2,taken,Taken by OLD-1', 'OLD-2,bolt,Same record', 'N3,Frée,Asked though preloaded', 'N4,FREE-2,Free'].join('\n');
    const withPreload = await importFile(org, csv, {}, true);
    const withoutPreload = await importFile(org, csv, { preloadMaxValues: 0 }, true);
    const findings = (job: typeof withPreload) => ((job.errors ?? []) as RowIssue[]).map((e) => [e.rowNumber, e.code]);
    expect(findings(withPreload)).toEqual([[3, 'DUPLICATE_IN_DATABASE']]);
    expect(findings(withoutPreload)).toEqual(findings(withPreload));
  });
});

describe('unique values compared as the database compares them', () => {
  it('find records whose value differs only by case, accents or ß, in the file and in the database', async () => {
    const org = await newOrg('Collation GC');
    await upsertRecords(mysql.db, 'vendors', { organizationId: org, projectId: null }, [
      { originId: 'OLD-2', code: 'Café', name: 'Accented' },
      { originId: 'OLD-3', code: 'STRASSE', name: 'Plain' },
    ]);
    const csv = ['Origin ID,Vendor Code,Name', 'OLD-2,CAFÉ,Same record', 'N3,straße,Taken by OLD-3', 'N5,cafe,Taken by OLD-2', 'N6,Été,New', 'N7,ete,Same as the row before'].join('\n');
    const job = await importFile(org, csv);
    expect(job).toMatchObject({ status: 'completed', insertedRows: 1, updatedRows: 1, failedRows: 3 });
    expect(((job.errors ?? []) as RowIssue[]).map((e) => [e.rowNumber, e.code, e.message])).toEqual([
      [3, 'DUPLICATE_IN_DATABASE', 'Vendor Code "straße" is already used by the vendor with Origin ID "OLD-3"'],
      [4, 'DUPLICATE_IN_FILE', 'Vendor Code "cafe" is already used in row 2 of this file'],
      [4, 'DUPLICATE_IN_DATABASE', 'Vendor Code "cafe" is already used by the vendor with Origin ID "OLD-2"'],
      [6, 'DUPLICATE_IN_FILE', 'Vendor Code "ete" is already used in row 5 of this file'],
    ]);
    expect((await vendors(org)).map((v) => [v.originId, v.code])).toEqual([
      ['OLD-2', 'CAFÉ'],
      ['N6', 'Été'],
      ['OLD-3', 'STRASSE'],
    ]);
  });
});

describe('the upsert guard', () => {
  it('refuses a row that meets a record of another origin id through its code, writing nothing of the statement', async () => {
    const org = await newOrg('Guard GC');
    const scope = { organizationId: org, projectId: null };
    await upsertRecords(mysql.db, 'vendors', scope, [{ originId: 'THEIRS', code: 'SHARED', name: 'Theirs' }]);
    const upsert = new RecordUpsert('vendors', scope, ['originId', 'code', 'name']);
    const values = new SqlValues();
    upsert.encode(
      [
        { originId: 'MINE-1', code: 'FRESH', name: 'Fresh' },
        { originId: 'MINE-2', code: 'shared', name: 'Would overwrite Theirs' },
      ],
      values,
    );
    await expect(upsert.run(mysql.db, values)).rejects.toBeInstanceOf(RecordOwnershipConflict);
    expect(await vendors(org)).toEqual([{ originId: 'THEIRS', code: 'SHARED', name: 'Theirs' }]);
    // The record's own origin id still updates it.
    const own = new SqlValues();
    upsert.encode([{ originId: 'theirs', code: 'SHARED', name: 'Theirs, renamed' }], own);
    expect(await upsert.run(mysql.db, own)).toEqual({ inserted: 0, updated: 1 });
  });
});

describe('an import that meets a record written after its preload', () => {
  it('rolls the span back, runs again with every value looked up, and fails only that row', async () => {
    const org = await newOrg('Preload Race GC');
    const lines = ['Origin ID,Vendor Code,Name'];
    for (let i = 1; i <= 20; i++) lines.push(`IMP-${i},V${i},Vendor ${i}`);
    let raced = 0;
    const job = await importFile(org, lines.join('\n'), {
      // Called once per run, after the preload and before any row is read: another writer takes V7 then.
      subscribedEvents: async () => {
        raced += 1;
        if (raced === 1) await upsertRecords(mysql.db, 'vendors', { organizationId: org, projectId: null }, [{ originId: 'SYNC-7', code: 'V7', name: 'Synced' }]);
        return [];
      },
    });
    expect(raced).toBe(2);
    expect(job).toMatchObject({ status: 'completed', totalRows: 20, insertedRows: 19, updatedRows: 0, failedRows: 1 });
    expect(((job.errors ?? []) as RowIssue[]).map((e) => [e.rowNumber, e.code, e.message])).toEqual([
      [8, 'DUPLICATE_IN_DATABASE', 'Vendor Code "V7" is already used by the vendor with Origin ID "SYNC-7"'],
    ]);
    const rows = await vendors(org);
    expect(rows).toHaveLength(20);
    expect(rows.find((r) => r.code === 'V7')).toEqual({ originId: 'SYNC-7', code: 'V7', name: 'Synced' });
    expect(new Set(rows.map((r) => r.originId)).size).toBe(20);
  }, 60_000);
});

describe('a job that fails for good', () => {
  it('is marked failed with its reason, and its subscribers are told', async () => {
    const org = await newOrg('Failed For Good GC');
    const { job } = await createImport(
      { db: mysql.db, store: env.store, maxUploadBytes: 1024 * 1024 },
      system,
      { organizationId: org, importType: 'vendors', projectId: null, fileName: 'vendors.csv', options: {} },
      Readable.from(['Vendor Code,Name\nV1,One\n']),
    );
    await mysql.db.update(importJobs).set({ status: 'importing', mode: 'skip_invalid' }).where(eq(importJobs.id, job.id));
    const live = env.pubsub.subscribe(IMPORT_PROGRESS_TOPIC, job.id)[Symbol.asyncIterator]();
    await env.pubsub.ensureListening();
    await failImportRun(mysql.db, job.id, 'gave up', { pubsub: env.pubsub, logger: env.logger });
    const event = (await live.next()).value as ImportProgress;
    expect(event).toMatchObject({ jobId: String(job.id), status: 'failed', phase: 'failed', errorMessage: 'gave up' });
    await live.return?.();
    const [row] = await mysql.db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(row).toMatchObject({ status: 'failed', errorMessage: 'gave up' });
  });
});
