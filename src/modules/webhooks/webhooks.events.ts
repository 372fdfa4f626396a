import { z } from 'zod';
import { defineEvent } from '../../platform/events/outbox.js';

export const webhookTest = defineEvent({
  name: 'webhook.test',
  description: 'Sent by testWebhook to one endpoint only, to check that it receives and verifies deliveries.',
  schema: z.object({ webhookId: z.string(), message: z.string() }),
});

export const webhookDisabled = defineEvent({
  name: 'webhook.disabled',
  description: "An endpoint of the organization was disabled: it answered 410 Gone, or every attempt failed for too long. Sent to the organization's other endpoints.",
  schema: z.object({ webhookId: z.string(), name: z.string(), url: z.string(), reason: z.string(), failingSince: z.string().nullable() }),
});

export const WEBHOOK_EVENTS = [webhookTest, webhookDisabled];
