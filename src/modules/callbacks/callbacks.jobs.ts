import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

/** Processes one accepted callback; runs only if it can claim the row, so a job sent twice processes once. */
export const processCallbackJob = defineJob({
  name: 'callbacks.process',
  schema: z.object({ callbackId: z.number().int().positive() }),
});

/** Every five minutes: re-sends callbacks whose job was lost, prunes what is past retention. */
export const maintainCallbacksJob = defineJob({
  name: 'callbacks.maintain',
  schema: z.object({}),
});

export const MAINTAIN_CALLBACKS_CRON = '*/5 * * * *';
