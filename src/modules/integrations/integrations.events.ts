import { z } from 'zod';
import { defineEvent } from '../../platform/events/outbox.js';

const SyncSummary = z.object({
  connectionId: z.string(),
  integrationType: z.string(),
  syncLogId: z.string(),
  direction: z.enum(['pull', 'push', 'both']),
  recordsCreated: z.number().int(),
  recordsUpdated: z.number().int(),
  recordsFailed: z.number().int(),
});

export const syncCompleted = defineEvent({
  name: 'sync.completed',
  description: 'A sync run of an integration connection finished.',
  schema: SyncSummary,
});

export const syncFailed = defineEvent({
  name: 'sync.failed',
  description: 'A sync run of an integration connection failed.',
  schema: SyncSummary.extend({ error: z.string() }),
});

export const integrationError = defineEvent({
  name: 'integration.error',
  description: 'A connection failed several syncs in a row or lost its authorization and needs attention.',
  schema: z.object({ connectionId: z.string(), integrationType: z.string(), error: z.string(), consecutiveFailures: z.number().int() }),
});

export const INTEGRATION_EVENTS = [syncCompleted, syncFailed, integrationError];
