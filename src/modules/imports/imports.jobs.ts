import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

/** Validates (dryRun) or imports one import job's file. */
export const runImportJob = defineJob({
  name: 'imports.run',
  schema: z.object({ importJobId: z.number().int().positive(), dryRun: z.boolean() }),
});

/** Topic of importProgress; the dynamic id is the import job. */
export const IMPORT_PROGRESS_TOPIC = 'IMPORT_PROGRESS';

/** Finds validating and importing jobs whose runner is gone: resumes them, or fails them after a bound. */
export const sweepImportsJob = defineJob({
  name: 'imports.sweep',
  schema: z.object({}).passthrough(),
});

/** Every minute, like the other sweeps. */
export const SWEEP_IMPORTS_CRON = '* * * * *';
