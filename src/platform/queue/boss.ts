import { PgBoss } from 'pg-boss';
import type { Logger } from '../logging/logger.js';

/** Connects pg-boss to its own schema in the queue database; installs or migrates the schema. */
export async function startQueue(options: { url: string; schema: string; logger: Logger; superviseIntervalSeconds?: number }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: options.schema,
    max: 5,
    ...(options.superviseIntervalSeconds ? { superviseIntervalSeconds: options.superviseIntervalSeconds } : {}),
  });
  boss.on('error', (error: unknown) => options.logger.error({ err: error }, 'queue error'));
  await boss.start();
  return boss;
}
