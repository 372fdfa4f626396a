import { mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { recordColumns } from './records.columns.js';

export const costCodes = mysqlTable(
  'cost_codes',
  {
    ...recordColumns(),
    code: varchar('code', { length: 32 }).notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    division: varchar('division', { length: 64 }),
    costType: mysqlEnum('cost_type', ['labor', 'material', 'equipment', 'subcontract', 'other']),
  },
  (t) => [uniqueIndex('uq_cost_codes_origin').on(t.organizationId, t.originId), uniqueIndex('uq_cost_codes_code').on(t.organizationId, t.code)],
);
