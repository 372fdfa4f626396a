import { mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { projectColumn, quantity, recordColumns } from './records.columns.js';

/** A work calendar of a project's schedule (MS Project calendar, P6 calendar). */
export const scheduleCalendars = mysqlTable(
  'schedule_calendars',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    name: varchar('name', { length: 255 }).notNull(),
    baseCalendarId: varchar('base_calendar_id', { length: 100 }),
    hoursPerDay: quantity('hours_per_day'),
    workWeek: varchar('work_week', { length: 1000 }),
  },
  (t) => [uniqueIndex('uq_schedule_calendars_origin').on(t.organizationId, t.projectId, t.originId)],
);
