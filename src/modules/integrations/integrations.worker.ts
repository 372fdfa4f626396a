import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { PgPubSub } from '../../platform/queue/pubsub.js';
import { registerWorker } from '../../platform/queue/jobs.js';
import { integrationConnections } from './integration-connections.table.js';
import { runSync } from './integrations.engine.js';
import { runSyncJob, SCHEDULE_SYNCS_CRON, scheduleSyncsJob, SYNC_PROGRESS_TOPIC } from './integrations.jobs.js';
import type { ConnectorRegistry } from './integrations.registry.js';
import { ensureSyncQueue, queueScheduledSyncs, queueSync } from './integrations.service.js';
import type { IntegrationSettings } from './integrations.settings.js';

export interface SyncWorkerDeps {
  db: Db;
  boss: PgBoss;
  pubsub: PgPubSub;
  secrets: SecretBox;
  logger: Logger;
  registry: ConnectorRegistry;
  settings: IntegrationSettings;
  onAlert?: (() => void) | undefined;
}

/** The sync side of a worker process: runs queued syncs and publishes their progress. */
export async function startSyncWorker(deps: SyncWorkerDeps): Promise<void> {
  await ensureSyncQueue(deps.boss);
  await registerWorker(deps.boss, deps.logger, {
    job: runSyncJob,
    // Different connections sync side by side; one connection never twice at once (stately queue).
    concurrency: 2,
    handler: async (payload) => {
      await runSync(
        {
          db: deps.db,
          secrets: deps.secrets,
          logger: deps.logger,
          registry: deps.registry,
          settings: deps.settings,
          publish: (connectionId, progress) => deps.pubsub.publishAsync(SYNC_PROGRESS_TOPIC, connectionId, progress),
          ...(deps.onAlert ? { onAlert: deps.onAlert } : {}),
        },
        payload,
      );
    },
  });
  // Scheduled syncs: pg-boss sends one tick a minute across all workers; each tick queues the due ones.
  await registerWorker(deps.boss, deps.logger, {
    job: scheduleSyncsJob,
    handler: async () => {
      const queued = await queueScheduledSyncs(deps.db, deps.boss, deps.logger);
      if (queued.length) deps.logger.info({ connections: queued }, 'scheduled syncs queued');
    },
  });
  await deps.boss.schedule(scheduleSyncsJob.name, SCHEDULE_SYNCS_CRON, {});
}

/**
 * The follow-up of a provider's verified callback (a QuickBooks webhook): an incremental pull of
 * the connection, which reads the changes through CDC rather than trusting the notification.
 */
export function syncOnCallback(boss: PgBoss, logger: Logger) {
  return async (context: { db: Db; callback: { connectionId: number; id: number } }): Promise<void> => {
    const [connection] = await context.db
      .select({ authStatus: integrationConnections.authStatus, isActive: integrationConnections.isActive })
      .from(integrationConnections)
      .where(eq(integrationConnections.id, context.callback.connectionId));
    // Nothing to pull with: a sync now would only fail (and count towards an alert).
    if (!connection?.isActive || connection.authStatus !== 'connected') {
      logger.info({ connectionId: context.callback.connectionId, callbackId: context.callback.id }, 'callback: connection not connected; no sync');
      return;
    }
    const queued = await queueSync(boss, { connectionId: context.callback.connectionId, direction: 'pull', mode: 'incremental', trigger: 'webhook' });
    logger.info({ connectionId: context.callback.connectionId, callbackId: context.callback.id, queued }, 'callback: incremental sync requested');
  };
}
