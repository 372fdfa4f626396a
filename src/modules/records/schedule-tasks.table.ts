import { boolean, datetime, index, int, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { day, projectColumn, quantity, recordColumns } from './records.columns.js';

/**
 * A task (activity) of a project's schedule. The catalog's fields, plus the precise values the
 * schedule connectors keep for a faithful round trip: start and finish with their time of day
 * (wall-clock time of the schedule, no zone) and the duration in working minutes. The day-level
 * fields (startDate, finishDate, durationDays) are what the generic records API shows.
 */
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
    percentCompleteType: varchar('percent_complete_type', { length: 8 }),
    isMilestone: boolean('is_milestone').notNull().default(false),
    isSummary: boolean('is_summary').notNull().default(false),
    outlineLevel: int('outline_level'),
    sortOrder: int('sort_order'),
    durationUnit: varchar('duration_unit', { length: 4 }),
    calendarId: varchar('calendar_id', { length: 100 }),
    constraintType: varchar('constraint_type', { length: 4 }),
    constraintDate: day('constraint_date'),
    startAt: datetime('start_at', { mode: 'string' }),
    finishAt: datetime('finish_at', { mode: 'string' }),
    durationMinutes: quantity('duration_minutes'),
  },
  (t) => [uniqueIndex('uq_schedule_tasks_origin').on(t.organizationId, t.projectId, t.originId), index('idx_schedule_tasks_wbs').on(t.organizationId, t.projectId, t.wbs)],
);
