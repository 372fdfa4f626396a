import { mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { projectColumn, quantity, recordColumns } from './records.columns.js';

/**
 * A link between two schedule tasks, named by their origin ids; at most one of each type between
 * the same two tasks. `lagMinutes` is the exact lag in
 * working minutes (a percentage for lagUnit `%`/`e%`); lagDays is the same on the records API.
 */
export const taskDependencies = mysqlTable(
  'task_dependencies',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    predecessorId: varchar('predecessor_id', { length: 100 }).notNull(),
    successorId: varchar('successor_id', { length: 100 }).notNull(),
    type: mysqlEnum('type', ['FS', 'SS', 'FF', 'SF']).notNull().default('FS'),
    lagDays: quantity('lag_days'),
    lagUnit: varchar('lag_unit', { length: 4 }),
    lagMinutes: quantity('lag_minutes'),
  },
  (t) => [
    // Per project, as for tasks: the same link origin may exist in two projects of an organization.
    uniqueIndex('uq_task_dependencies_origin').on(t.organizationId, t.projectId, t.originId),
    // Two tasks may be linked once per type (P6 allows finish-to-start and start-to-start together).
    uniqueIndex('uq_task_dependencies_link').on(t.organizationId, t.projectId, t.predecessorId, t.successorId, t.type),
  ],
);
