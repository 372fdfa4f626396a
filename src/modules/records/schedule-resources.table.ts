import { mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { projectColumn, quantity, recordColumns } from './records.columns.js';

/** A resource of a project's schedule: labor, equipment (nonlabor), material or cost. */
export const scheduleResources = mysqlTable(
  'schedule_resources',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    code: varchar('code', { length: 64 }),
    name: varchar('name', { length: 255 }).notNull(),
    type: mysqlEnum('type', ['labor', 'nonlabor', 'material', 'cost']).notNull().default('labor'),
    calendarId: varchar('calendar_id', { length: 100 }),
    maxUnits: quantity('max_units'),
  },
  (t) => [uniqueIndex('uq_schedule_resources_origin').on(t.organizationId, t.projectId, t.originId)],
);
