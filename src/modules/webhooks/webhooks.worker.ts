import type { JobResult } from 'pg-boss';
import { registerWorker } from '../../platform/queue/jobs.js';
import type { DeliveryDeps } from './webhooks.delivery.js';
import { DeliveryEngine } from './webhooks.engine.js';
import { deliverWebhookJob, SWEEP_WEBHOOKS_CRON, sweepWebhooksJob } from './webhooks.jobs.js';
import { OutboxRelay, sweepDeliveries } from './webhooks.relay.js';

/**
 * Jobs fetched at once by each of a process's delivery loops. A loop fetches again as soon as
 * its batch is done while batches come back full; when they come back short it polls (or is
 * woken by pg-boss's NOTIFY when new jobs arrive).
 */
const BATCH_SIZE = 20;
const DELIVERY_LOOPS = 8;

/**
 * The webhook side of a worker process: the outbox relay, the delivery workers and the sweeper.
 * Deliveries to one endpoint share a pg-boss group, so at most `endpointConcurrency` of them run
 * at once across all workers and a slow receiver holds only its own slots.
 */
export async function startWebhookWorker(deps: DeliveryDeps): Promise<{ stop(): Promise<void> }> {
  const { boss, logger, settings } = deps;
  const engine = new DeliveryEngine(deps);
  await boss.createQueue(deliverWebhookJob.name, {
    notify: true,
    // A worker that dies stops its heartbeats and pg-boss hands its jobs to another; the
    // delivery's lease (deadline + 5 s) decides when the new run may send.
    heartbeatSeconds: 10,
    expireInSeconds: Math.ceil(settings.timeoutMs / 1000) + 60,
    retryLimit: 10,
    retryDelay: 1,
    deleteAfterSeconds: 3600,
  });
  await boss.work(
    deliverWebhookJob.name,
    {
      batchSize: BATCH_SIZE,
      localConcurrency: DELIVERY_LOOPS,
      groupConcurrency: settings.endpointConcurrency,
      pollingIntervalSeconds: 0.5,
      burstWhenBatchFull: true,
      perJobResults: true,
    },
    async (jobs) => {
      const results: JobResult[] = await Promise.all(
        jobs.map(async (job): Promise<JobResult> => {
          const parsed = deliverWebhookJob.schema.safeParse(job.data);
          if (!parsed.success) return { id: job.id, status: 'deadletter', output: { error: 'invalid payload' } };
          try {
            await engine.run(parsed.data.deliveryId, parsed.data.attempt);
            return { id: job.id, status: 'completed' };
          } catch (error) {
            // A database hiccup: pg-boss retries the job, and the claim keeps it from sending twice.
            logger.error({ err: error, deliveryId: parsed.data.deliveryId }, 'webhook delivery failed internally');
            return { id: job.id, status: 'failed', output: { error: 'internal error' } };
          }
        }),
      );
      return results;
    },
  );
  await registerWorker(boss, logger, {
    job: sweepWebhooksJob,
    handler: async () => {
      const resent = await sweepDeliveries(deps.pool, boss, settings);
      if (resent) logger.warn({ resent }, 're-sent webhook deliveries whose job was lost');
    },
  });
  await boss.schedule(sweepWebhooksJob.name, SWEEP_WEBHOOKS_CRON, {});
  const relay = new OutboxRelay(deps.pool, boss, logger, settings.outboxPollMs);
  relay.start();
  return { stop: () => relay.stop() };
}
