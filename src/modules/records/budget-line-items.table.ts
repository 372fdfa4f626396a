import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { money, projectColumn, quantity, recordColumns } from './records.columns.js';

export const budgetLineItems = mysqlTable(
  'budget_line_items',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    costCode: varchar('cost_code', { length: 32 }).notNull(),
    description: varchar('description', { length: 255 }),
    quantity: quantity('quantity'),
    unit: varchar('unit', { length: 16 }),
    unitCost: money('unit_cost'),
    originalAmount: money('original_amount').notNull(),
    revisedAmount: money('revised_amount'),
  },
  (t) => [
    uniqueIndex('uq_budget_line_items_origin').on(t.organizationId, t.originId),
    index('idx_budget_line_items_project').on(t.organizationId, t.projectId, t.costCode),
  ],
);
