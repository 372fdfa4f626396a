import { z } from 'zod';
import { defineEvent } from '../../platform/events/outbox.js';

export const exportCompleted = defineEvent({
  name: 'export.completed',
  description: 'An export file is ready; fetch a download link with the export query (links expire).',
  schema: z.object({
    exportJobId: z.string(),
    entityType: z.string(),
    format: z.string(),
    rowCount: z.number().int(),
    byteSize: z.number().int().nullable(),
  }),
});

export const EXPORT_EVENTS = [exportCompleted];
