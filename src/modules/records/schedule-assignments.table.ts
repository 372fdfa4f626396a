import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { projectColumn, quantity, recordColumns } from './records.columns.js';

/** A resource assigned to a schedule task, both named by their origin ids. */
export const scheduleAssignments = mysqlTable(
  'schedule_assignments',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    taskId: varchar('task_id', { length: 100 }).notNull(),
    resourceId: varchar('resource_id', { length: 100 }).notNull(),
    units: quantity('units'),
    workHours: quantity('work_hours'),
  },
  (t) => [uniqueIndex('uq_schedule_assignments_origin').on(t.organizationId, t.projectId, t.originId), index('idx_schedule_assignments_task').on(t.organizationId, t.projectId, t.taskId)],
);
