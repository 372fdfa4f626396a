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

/**
 * The key of the job of one attempt: `<delivery id>:<attempt>`. It names the job so the sweeper
 * can ask the queue whether the attempt is still waiting there (pg-boss keeps an index on it).
 */
export function deliveryJobKey(deliveryId: number, attempt: number): string {
  return `${deliveryId}:${attempt}`;
}

/** Options of every job that makes an attempt: its key and its endpoint's group. */
export function deliveryJobOptions(deliveryId: number, attempt: number, webhookId: number): { singletonKey: string; group: { id: string } } {
  return { singletonKey: deliveryJobKey(deliveryId, attempt), group: endpointGroup(webhookId) };
}
