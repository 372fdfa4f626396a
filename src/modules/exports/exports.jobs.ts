import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

export const runExportJob = defineJob({
  name: 'exports.run',
  schema: z.object({ exportJobId: z.number().int().positive() }),
});
