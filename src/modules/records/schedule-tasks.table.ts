import { boolean, index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { day, projectColumn, quantity, recordColumns } from './records.columns.js';

export const scheduleTasks = mysqlTable(
  'schedule_tasks',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    wbs: varchar('wbs', { length: 64 }),
    name: varchar('name', { length: 255 }).notNull(),
    startDate: day('start_date'),
    finishDate: day('finish_date'),
    durationDays: quantity('duration_days'),
    percentComplete: quantity('percent_complete'),
    isMilestone: boolean('is_milestone').notNull().default(false),
  },
  (t) => [uniqueIndex('uq_schedule_tasks_origin').on(t.organizationId, t.projectId, t.originId), index('idx_schedule_tasks_wbs').on(t.organizationId, t.projectId, t.wbs)],
);
