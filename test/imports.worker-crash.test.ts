import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { RowDataPacket } from 'mysql2';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMySql, type MySql } from '../src/platform/db/mysql.js';
import { runMigrations } from '../src/platform/db/migrate.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { startQueue } from '../src/platform/queue/boss.js';
import { LocalFileStore } from '../src/platform/storage/local-file-store.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createImport, importJobs, startImportRun } from '../src/modules/imports/index.js';
import { createTestDatabases, POSTGRES_URL, type TestDatabases } from './support/databases.js';
import { startWorkerProcess } from './support/server-process.js';
import { testEnv } from './support/test-app.js';
import { eventually } from './support/upload.js';

/*
 * A worker killed with SIGKILL in the middle of an import: the job must end, on a new worker,
 * with exactly the right rows — none lost, none twice. Chunks commit with their checkpoint, and
 * pg-boss hands the job over when the dead worker's heartbeats stop.
 */
const ROWS = 12_000;
const system = { type: 'system' as const, id: 'test' };

let databases: TestDatabases;
let mysql: MySql;
let boss: PgBoss;
let storageDir: string;
let passed = false;

beforeAll(async () => {
  databases = await createTestDatabases('worker_crash');
  mysql = connectMySql(databases.mysqlUrl, 3);
  await runMigrations(mysql.pool);
  boss = await startQueue({ url: POSTGRES_URL, schema: databases.queueSchema, logger: createLogger('silent') });
  storageDir = await mkdtemp(path.join(os.tmpdir(), 'trestle-crash-'));
}, 60_000);

afterAll(async () => {
  await boss?.stop({ graceful: false });
  await mysql?.close();
  await rm(storageDir, { recursive: true, force: true });
  if (passed) await databases.drop();
});

describe('an import whose worker is killed', () => {
  it('resumes on a new worker and ends with exactly the right rows', async () => {
    const org = await createOrganization(mysql.db, system, { name: 'Crash Test GC' });
    const store = new LocalFileStore(storageDir);
    const lines = ['Vendor Code,Name'];
    for (let i = 0; i < ROWS; i += 1) lines.push(`V${i},Vendor ${i}`);
    const { job } = await createImport(
      { db: mysql.db, store, maxUploadBytes: 100 * 1024 * 1024 },
      system,
      { organizationId: org.id, importType: 'vendors', projectId: null, fileName: 'vendors.csv', options: {} },
      Readable.from([lines.join('\n')]),
    );
    const env = testEnv(databases, {
      STORAGE_DIR: storageDir,
      IMPORT_CHUNK_ROWS: '100',
      IMPORT_WRITE_ROWS: '200',
      IMPORT_HEARTBEAT_S: '10',
      QUEUE_SUPERVISE_INTERVAL_S: '2',
    });
    const first = await startWorkerProcess(env);
    await startImportRun({ db: mysql.db, store, boss, maxUploadBytes: 1 }, system, org.id, job.id, { dryRun: false });

    const progressOf = async () => (await mysql.db.select().from(importJobs).where(eq(importJobs.id, job.id)))[0]!;
    await eventually(async () => (await progressOf()).checkpointRow > 1_000, 60_000, 20);
    first.child.kill('SIGKILL');
    await first.stop();
    const atKill = await progressOf();
    expect(atKill.status).toBe('importing');
    expect(atKill.checkpointRow).toBeLessThan(ROWS + 1);

    const second = await startWorkerProcess(env);
    try {
      const done = await eventually(async () => {
        const row = await progressOf();
        return row.status === 'completed' || row.status === 'failed' ? row : null;
      }, 120_000, 250);
      expect(done.status).toBe('completed');
      expect(done.insertedRows).toBe(ROWS);
      expect(done.failedRows).toBe(0);
      const [counts] = await mysql.pool.query<Array<{ n: number; distinctCodes: number } & RowDataPacket>>(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS distinctCodes FROM vendors WHERE organization_id = ?',
        [org.id],
      );
      expect(counts[0]).toEqual({ n: ROWS, distinctCodes: ROWS });
      passed = true;
    } finally {
      await second.stop();
    }
  }, 180_000);
});
