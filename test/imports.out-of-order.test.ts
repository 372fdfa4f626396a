import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MySql } from '../src/platform/db/mysql.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createImport, importJobs, runImport } from '../src/modules/imports/index.js';
import { openImportRunnerEnv, type ImportRunnerEnv } from './support/import-runner.js';

/*
 * Two spans of an import are written at once and may commit out of order. Here the first span
 * fails (a trigger stalls on one of its rows, then raises) after the second has committed: the
 * job's ledger must say exactly which rows are in, and the resumed run must write the rest, each
 * row once.
 */
const ROWS = 60;
const system = { type: 'system' as const, id: 'test' };

let env: ImportRunnerEnv;
let mysql: MySql;
let passed = false;

beforeAll(async () => {
  env = await openImportRunnerEnv('out_of_order');
  mysql = env.mysql;
}, 60_000);

afterAll(async () => {
  await env?.close(!passed);
});

describe('an import whose spans commit out of order', () => {
  it('records the spans that committed, and the resumed run writes exactly the others', async () => {
    const org = await createOrganization(mysql.db, system, { name: 'Out Of Order GC' });
    const { store, pubsub, logger } = env;
    const lines = ['Vendor Code,Name'];
    for (let i = 0; i < ROWS; i += 1) lines.push(`V${i},${i === 3 ? 'Stall Then Fail' : `Vendor ${i}`}`);
    const { job } = await createImport(
      { db: mysql.db, store, maxUploadBytes: 1024 * 1024 },
      system,
      { organizationId: org.id, importType: 'vendors', projectId: null, fileName: 'vendors.csv', options: {} },
      Readable.from([lines.join('\n')]),
    );
    await mysql.db.update(importJobs).set({ status: 'importing', mode: 'skip_invalid' }).where(eq(importJobs.id, job.id));
    const deps = { db: mysql.db, store, pubsub, logger, chunkRows: 5, writeRows: 10, writeConcurrency: 2 };

    // Row 3 (file row 5) is in the first span: it stalls, so the second span commits first, then fails.
    await mysql.pool.query(
      "CREATE TRIGGER stall_then_fail BEFORE INSERT ON vendors FOR EACH ROW BEGIN IF NEW.name = 'Stall Then Fail' THEN DO SLEEP(1.5); SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END",
    );
    await expect(runImport(deps, job.id, false)).rejects.toThrow();
    const [failed] = await mysql.db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(failed!.status).toBe('importing');
    expect(failed!.checkpointRow).toBe(0);
    // File rows 12..21 are the second span (the header is row 1); later spans may have committed too.
    expect(failed!.committedRanges?.[0]?.[0]).toBe(12);
    const committedRows = (failed!.committedRanges ?? []).reduce((n, [first, last]) => n + last - first + 1, 0);
    expect(committedRows).toBeGreaterThanOrEqual(10);
    expect(failed!.insertedRows).toBe(committedRows);
    const count = async () =>
      (await mysql.pool.query<Array<{ n: number; codes: number } & RowDataPacket>>('SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS codes FROM vendors WHERE organization_id = ?', [org.id]))[0][0]!;
    expect(Number((await count()).n)).toBe(committedRows);

    await mysql.pool.query('DROP TRIGGER stall_then_fail');
    await runImport(deps, job.id, false);
    const [done] = await mysql.db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(done).toMatchObject({ status: 'completed', checkpointRow: ROWS + 1, committedRanges: null, insertedRows: ROWS, failedRows: 0, totalRows: ROWS });
    // Every row is in once; none was written again (a second write would count as an update).
    expect(done!.updatedRows).toBe(0);
    expect(await count()).toEqual({ n: ROWS, codes: ROWS });
    passed = true;
  }, 60_000);
});
