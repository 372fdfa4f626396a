import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import { registerWorker } from '../../platform/queue/jobs.js';
import { MAINTAIN_CALLBACKS_CRON, maintainCallbacksJob, processCallbackJob } from './callbacks.jobs.js';
import { ensureCallbackQueue, maintainCallbacks, processCallback, type CallbackHandlers, type CallbackSettings } from './callbacks.service.js';

/**
 * The callback side of a worker process: processes recorded callbacks (handing each to its
 * provider's handler from `handlers`) and, every five minutes, re-sends lost jobs and prunes.
 */
export async function startCallbackWorker(deps: { db: Db; boss: PgBoss; logger: Logger; settings: CallbackSettings; handlers: CallbackHandlers }): Promise<void> {
  const { boss, logger } = deps;
  await ensureCallbackQueue(boss);
  await registerWorker(boss, logger, {
    job: processCallbackJob,
    concurrency: 2,
    handler: async ({ callbackId }) => {
      await processCallback(deps, callbackId);
    },
  });
  await registerWorker(boss, logger, {
    job: maintainCallbacksJob,
    handler: async () => {
      const { resent, pruned } = await maintainCallbacks(deps, deps.settings);
      if (resent || pruned) logger.info({ resent, pruned }, 'callback maintenance');
    },
  });
  await boss.schedule(maintainCallbacksJob.name, MAINTAIN_CALLBACKS_CRON, {});
}
