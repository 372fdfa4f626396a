import { z } from 'zod';
import { defineEvent } from '../../platform/events/outbox.js';

const ImportSummary = z.object({
  importJobId: z.string(),
  importType: z.string(),
  fileName: z.string().nullable(),
  projectId: z.string().nullable(),
  totalRows: z.number().int(),
  insertedRows: z.number().int(),
  updatedRows: z.number().int(),
  skippedRows: z.number().int(),
  failedRows: z.number().int(),
});

export const importCompleted = defineEvent({
  name: 'import.completed',
  description: 'An import job finished; the counts say how many rows were inserted, updated, skipped and failed.',
  schema: ImportSummary,
});

export const importFailed = defineEvent({
  name: 'import.failed',
  description: 'An import job stopped on an error (bad file, all-or-nothing validation failure, internal error); nothing of it was written in all-or-nothing mode.',
  schema: ImportSummary.extend({ error: z.string() }),
});

export const IMPORT_EVENTS = [importCompleted, importFailed];
