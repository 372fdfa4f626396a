import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig, type Config } from '../src/platform/config.js';
import { connectMySql, type MySql } from '../src/platform/db/mysql.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { LocalFileStore } from '../src/platform/storage/local-file-store.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createImport, importJobs, startImportRun, sweepImports } from '../src/modules/imports/index.js';
import { createExport, exportJobs, sweepExports } from '../src/modules/exports/index.js';
import { createTestDatabases, MYSQL_URL, type TestDatabases } from './support/databases.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { testEnv } from './support/test-app.js';
import { eventually } from './support/upload.js';

/*
 * Import and export jobs whose state lives in MariaDB and whose runner lives in pg-boss must
 * always end. The app here reaches MariaDB through a TCP proxy that the test cuts: an outage
 * longer than the old retry window (four attempts five seconds apart, about 19 s) is ridden out
 * and the import completes with every row exactly once. Runs that are lost (a worker gone, a
 * queue job spent) are resumed by the sweep, or failed once it has resumed them often enough.
 */

const system = { type: 'system' as const, id: 'test' };
const ROWS = 20_000;
const OUTAGE_MS = 25_000;

let databases: TestDatabases;
let proxy: TcpProxy;
let app: App;
let config: Config;
/** A connection of the test's own, straight to MariaDB (not through the proxy). */
let direct: MySql;
let passed = 0;

beforeAll(async () => {
  databases = await createTestDatabases('import_faults');
  const target = new URL(MYSQL_URL);
  proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
  config = loadConfig(
    testEnv(databases, {
      DATABASE_URL: proxy.route(databases.mysqlUrl),
      IMPORT_CHUNK_ROWS: '200',
      IMPORT_WRITE_ROWS: '400',
      IMPORT_HEARTBEAT_S: '10',
      QUEUE_SUPERVISE_INTERVAL_S: '2',
      JOB_MAX_RESUMES: '2',
    }),
  );
  app = await createApp(config, createLogger('silent'), { http: false, worker: true });
  direct = connectMySql(databases.mysqlUrl, 3);
}, 120_000);

afterAll(async () => {
  proxy?.restore();
  await app?.close();
  await direct?.close();
  await proxy?.close();
  if (passed === 4) await databases.drop();
});

const store = () => new LocalFileStore(config.STORAGE_DIR ?? '.data/files');

async function vendorImport(name: string, rows: number): Promise<{ organizationId: number; id: number }> {
  const org = await createOrganization(direct.db, system, { name });
  const lines = ['Vendor Code,Name'];
  for (let i = 0; i < rows; i += 1) lines.push(`V${i},Vendor ${i}`);
  const { job } = await createImport(
    { db: direct.db, store: store(), maxUploadBytes: 100 * 1024 * 1024 },
    system,
    { organizationId: org.id, importType: 'vendors', projectId: null, fileName: 'vendors.csv', options: {} },
    Readable.from([lines.join('\n')]),
  );
  return { organizationId: org.id, id: job.id };
}

const jobRow = async (id: number) => (await direct.db.select().from(importJobs).where(eq(importJobs.id, id)))[0]!;

async function vendorCounts(organizationId: number): Promise<{ n: number; codes: number }> {
  const [rows] = await direct.pool.query<Array<{ n: number; codes: number } & RowDataPacket>>(
    'SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS codes FROM vendors WHERE organization_id = ?',
    [organizationId],
  );
  return { n: Number(rows[0]!.n), codes: Number(rows[0]!.codes) };
}

async function settled(id: number, timeoutMs = 180_000) {
  return eventually(async () => {
    const row = await jobRow(id);
    return ['completed', 'failed', 'cancelled'].includes(row.status) ? row : null;
  }, timeoutMs, 250);
}

describe('job state converges through database outages and lost runners', () => {
  it(`an import rides out MariaDB being unreachable for ${OUTAGE_MS / 1000} s and imports every row once`, async () => {
    const { organizationId, id } = await vendorImport('Outage GC', ROWS);
    await startImportRun({ db: direct.db, store: store(), boss: app.services.boss, maxUploadBytes: 1 }, system, organizationId, id, { dryRun: false });
    await eventually(async () => (await jobRow(id)).checkpointRow > 2_000, 120_000, 20);
    proxy.outage();
    const atCut = await jobRow(id);
    expect(atCut.status).toBe('importing');
    expect(atCut.checkpointRow).toBeLessThan(ROWS + 1);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    // Still importing: nothing could be written, and nothing gave up.
    expect((await jobRow(id)).status).toBe('importing');
    proxy.restore();

    const done = await settled(id);
    expect(done).toMatchObject({ status: 'completed', insertedRows: ROWS, updatedRows: 0, failedRows: 0, totalRows: ROWS, runnerId: null });
    expect(await vendorCounts(organizationId)).toEqual({ n: ROWS, codes: ROWS });
    passed += 1;
  }, 300_000);

  it('an import whose runner is gone (its queue job spent, heartbeat stale) is resumed by the sweep from its checkpoint', async () => {
    const { organizationId, id } = await vendorImport('Lost Runner GC', 3_000);
    // What a run that died after committing part of the file leaves: rows 2..1001 of the file
    // committed (the first 1,000 records) with their ledger, the job importing under a runner
    // that pg-boss no longer has, silent for ten minutes.
    const values = Array.from({ length: 1_000 }, (_, i) => [organizationId, `import:${id}:${i + 2}`, `V${i}`, `Vendor ${i}`]);
    await direct.pool.query('INSERT INTO vendors (organization_id, origin_id, code, name) VALUES ?', [values]);
    await direct.db
      .update(importJobs)
      .set({ status: 'importing', run: 'import', mode: 'skip_invalid', mapping: { 'Vendor Code': 'code', Name: 'name' }, checkpointRow: 1_001, insertedRows: 1_000, successRows: 1_000, processedRows: 1_000, runnerId: '00000000-0000-4000-8000-000000000000', heartbeatAt: new Date(Date.now() - 600_000) })
      .where(eq(importJobs.id, id));

    const swept = await sweepImports({ db: direct.db, boss: app.services.boss, pubsub: app.services.pubsub, logger: createLogger('silent'), retry: { limit: 1, delaySeconds: 1 }, maxResumes: 2, heartbeatSeconds: 10 });
    expect(swept).toEqual({ resumed: [id], failed: [] });
    // A second sweep at once leaves it alone: its new run is queued (or running) in pg-boss.
    expect((await sweepImports({ db: direct.db, boss: app.services.boss, pubsub: app.services.pubsub, logger: createLogger('silent'), retry: { limit: 1, delaySeconds: 1 }, maxResumes: 2, heartbeatSeconds: 0 })).resumed).toEqual([]);

    const done = await settled(id);
    expect(done).toMatchObject({ status: 'completed', insertedRows: 3_000, updatedRows: 0, totalRows: 3_000, resumeCount: 1 });
    expect(await vendorCounts(organizationId)).toEqual({ n: 3_000, codes: 3_000 });
    passed += 1;
  }, 240_000);

  it('a job whose runs keep getting lost fails, saying so, once the sweep has resumed it JOB_MAX_RESUMES times', async () => {
    const { id } = await vendorImport('Stalled GC', 10);
    await direct.db
      .update(importJobs)
      .set({ status: 'importing', run: 'import', checkpointRow: 5, resumeCount: 2, runnerId: '00000000-0000-4000-8000-000000000001', heartbeatAt: new Date(Date.now() - 600_000) })
      .where(eq(importJobs.id, id));
    const swept = await sweepImports({ db: direct.db, boss: app.services.boss, pubsub: app.services.pubsub, logger: createLogger('silent'), retry: { limit: 1, delaySeconds: 1 }, maxResumes: 2, heartbeatSeconds: 10 });
    expect(swept).toEqual({ resumed: [], failed: [id] });
    expect(await jobRow(id)).toMatchObject({
      status: 'failed',
      errorCode: 'STALLED',
      errorMessage: 'The import stopped making progress: its run was lost 3 times. Every row up to row 5 of the file is in. Resume it to carry on.',
      runnerId: null,
    });
    passed += 1;
  }, 60_000);

  it('an export whose run was lost is queued again by the sweep and completes', async () => {
    const org = await createOrganization(direct.db, system, { name: 'Export Sweep GC' });
    await direct.pool.query('INSERT INTO vendors (organization_id, origin_id, code, name) VALUES ?', [Array.from({ length: 50 }, (_, i) => [org.id, `o${i}`, `E${i}`, `Export ${i}`])]);
    const created = await createExport({ db: direct.db, boss: app.services.boss }, system, { scope: { organizationId: org.id, projectId: null }, entityType: 'vendors', format: 'csv', filters: {} });
    const exportRow = async () => (await direct.db.select().from(exportJobs).where(eq(exportJobs.id, created.id)))[0]!;
    await eventually(async () => (await exportRow()).status === 'completed', 120_000, 200);
    // The same export, as a run that died mid-way leaves it.
    await direct.db
      .update(exportJobs)
      .set({ status: 'running', fileKey: null, runnerId: '00000000-0000-4000-8000-000000000002', heartbeatAt: new Date(Date.now() - 600_000), completedAt: null })
      .where(eq(exportJobs.id, created.id));
    const swept = await sweepExports({ db: direct.db, boss: app.services.boss, logger: createLogger('silent'), heartbeatSeconds: 10, maxResumes: 2 });
    expect(swept).toEqual({ requeued: [created.id], failed: [] });
    const done = await eventually(async () => {
      const row = await exportRow();
      return row.status === 'completed' && row.fileKey ? row : null;
    }, 120_000, 200);
    expect(done).toMatchObject({ rowCount: 50, resumeCount: 1, runnerId: null });
    passed += 1;
  }, 240_000);
});
