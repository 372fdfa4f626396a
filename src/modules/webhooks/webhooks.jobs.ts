import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

/** One attempt at one delivery; it runs only while the delivery has made exactly `attempt` attempts. */
export const deliverWebhookJob = defineJob({
  name: 'webhooks.deliver',
  schema: z.object({ deliveryId: z.number().int().positive(), attempt: z.number().int().min(0) }),
});

/** Every minute: hands overdue deliveries back to the queue (their job was lost with a crash). */
export const sweepWebhooksJob = defineJob({
  name: 'webhooks.sweep',
  schema: z.object({}),
});

export const SWEEP_WEBHOOKS_CRON = '* * * * *';

/** pg-boss group of an endpoint: its deliveries share one concurrency limit across all workers. */
export function endpointGroup(webhookId: number): { id: string } {
  return { id: `webhook-${webhookId}` };
}
