import type { MySqlColumn, MySqlTableWithColumns } from 'drizzle-orm/mysql-core';
import type { EntityType } from './records.catalog.js';
import { budgetLineItems } from './budget-line-items.table.js';
import { contacts } from './contacts.table.js';
import { costCodes } from './cost-codes.table.js';
import { invoices } from './invoices.table.js';
import { payments } from './payments.table.js';
import { scheduleAssignments } from './schedule-assignments.table.js';
import { scheduleCalendars } from './schedule-calendars.table.js';
import { scheduleResources } from './schedule-resources.table.js';
import { scheduleTasks } from './schedule-tasks.table.js';
import { taskDependencies } from './task-dependencies.table.js';
import { vendors } from './vendors.table.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- one registry over the differently typed tables */
export type RecordTable = MySqlTableWithColumns<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The table of each entity type. Table properties are named exactly as the catalog's field keys. */
export const RECORD_TABLES: Readonly<Record<EntityType, RecordTable>> = {
  vendors,
  cost_codes: costCodes,
  budget_line_items: budgetLineItems,
  invoices,
  payments,
  schedule_tasks: scheduleTasks,
  task_dependencies: taskDependencies,
  schedule_calendars: scheduleCalendars,
  schedule_resources: scheduleResources,
  schedule_assignments: scheduleAssignments,
  contacts,
};

export function columnOf(table: RecordTable, key: string): MySqlColumn {
  const column = (table as unknown as Record<string, unknown>)[key];
  if (!column || typeof column !== 'object') throw new Error(`no column for field ${key}`);
  return column as MySqlColumn;
}
