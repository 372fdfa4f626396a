import { PgBoss } from 'pg-boss';
import type { Logger } from '../logging/logger.js';

/** Connects pg-boss to its own schema in the queue database; installs or migrates the schema. */
export async function startQueue(options: { url: string; schema: string; logger: Logger; superviseIntervalSeconds?: number }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: options.schema,
    max: 5,
    // Dead workers' jobs (stale heartbeats, expiry) are found by the per-queue monitor, which runs
    // at most every monitorIntervalSeconds (pg-boss default 60): keep both on one cadence.
    ...(options.superviseIntervalSeconds
      ? { superviseIntervalSeconds: options.superviseIntervalSeconds, monitorIntervalSeconds: options.superviseIntervalSeconds }
      : {}),
  });
  boss.on('error', (error: unknown) => options.logger.error({ err: error }, 'queue error'));
  await boss.start();
  return boss;
}
