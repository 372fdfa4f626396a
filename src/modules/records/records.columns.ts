import { date, decimal, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, updatedAt } from '../../platform/db/columns.js';

/**
 * Columns every platform record has: its tenant, where it came from, and when it changed.
 * `origin_id` is the record's id in the system it came from (QuickBooks, P6, a spreadsheet);
 * imports and connectors upsert by it. Rows imported without one get `import:<job>:<row>`, so
 * re-running an import never duplicates them.
 */
export const recordColumns = () => ({
  id: id(),
  organizationId: organizationId(),
  originId: varchar('origin_id', { length: 100 }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const projectColumn = () => ref('project_id').notNull();

/** Money as DECIMAL(15,2), read and written as a string so no amount goes through a float. */
export const money = (name: string) => decimal(name, { precision: 15, scale: 2 });

export const quantity = (name: string) => decimal(name, { precision: 18, scale: 4 });

export const day = (name: string) => date(name, { mode: 'string' });
