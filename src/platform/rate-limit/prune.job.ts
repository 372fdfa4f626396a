import { z } from 'zod';
import { defineJob } from '../queue/jobs.js';

/** Deletes expired rate-limit windows; scheduled every 10 minutes, harmless to run twice. */
export const pruneRateLimitsJob = defineJob({
  name: 'maintenance.prune-rate-limits',
  schema: z.object({}).passthrough(),
});

export const PRUNE_RATE_LIMITS_CRON = '*/10 * * * *';
