import { mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { recordColumns } from './records.columns.js';

export const vendors = mysqlTable(
  'vendors',
  {
    ...recordColumns(),
    code: varchar('code', { length: 64 }).notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    taxId: varchar('tax_id', { length: 32 }),
    email: varchar('email', { length: 320 }),
    phone: varchar('phone', { length: 40 }),
    paymentTerms: mysqlEnum('payment_terms', ['net_15', 'net_30', 'net_45', 'net_60', 'due_on_receipt']),
    status: mysqlEnum('status', ['active', 'inactive']).notNull().default('active'),
  },
  (t) => [uniqueIndex('uq_vendors_origin').on(t.organizationId, t.originId), uniqueIndex('uq_vendors_code').on(t.organizationId, t.code)],
);
