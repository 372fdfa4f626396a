import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectMySql, type MySql } from '../../src/platform/db/mysql.js';
import { runMigrations } from '../../src/platform/db/migrate.js';
import { createLogger, type Logger } from '../../src/platform/logging/logger.js';
import { PgPubSub } from '../../src/platform/queue/pubsub.js';
import { LocalFileStore } from '../../src/platform/storage/local-file-store.js';
import { createTestDatabases, POSTGRES_URL, type TestDatabases } from './databases.js';

/** What tests that call runImport directly need: migrated databases, progress pub/sub, a file store. */
export interface ImportRunnerEnv {
  databases: TestDatabases;
  mysql: MySql;
  pubsub: PgPubSub;
  store: LocalFileStore;
  logger: Logger;
  /** Closes everything; the databases are dropped only when `keepDatabases` is false (keep them to look at a failure). */
  close(keepDatabases?: boolean): Promise<void>;
}

export async function openImportRunnerEnv(name: string, poolSize = 4): Promise<ImportRunnerEnv> {
  const logger = createLogger('silent');
  const databases = await createTestDatabases(name);
  const mysql = connectMySql(databases.mysqlUrl, poolSize);
  await runMigrations(mysql.pool);
  const pubsub = new PgPubSub(POSTGRES_URL, logger, databases.queueSchema);
  const storageDir = await mkdtemp(path.join(os.tmpdir(), `trestle-${name.replace(/_/g, '-')}-`));
  return {
    databases,
    mysql,
    pubsub,
    store: new LocalFileStore(storageDir),
    logger,
    async close(keepDatabases = false) {
      await pubsub.close();
      await mysql.close();
      await rm(storageDir, { recursive: true, force: true });
      if (!keepDatabases) await databases.drop();
    },
  };
}
