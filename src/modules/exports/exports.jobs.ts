import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

export const runExportJob = defineJob({
  name: 'exports.run',
  schema: z.object({ exportJobId: z.number().int().positive() }),
});

/** Finds pending and running exports whose run is lost: queues them again, or fails them after a bound. */
export const sweepExportsJob = defineJob({
  name: 'exports.sweep',
  schema: z.object({}).passthrough(),
});

export const SWEEP_EXPORTS_CRON = '* * * * *';
