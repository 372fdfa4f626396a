import { index, mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { day, money, projectColumn, recordColumns } from './records.columns.js';

export const payments = mysqlTable(
  'payments',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    invoiceNumber: varchar('invoice_number', { length: 64 }).notNull(),
    paymentDate: day('payment_date').notNull(),
    amount: money('amount').notNull(),
    method: mysqlEnum('method', ['check', 'ach', 'wire', 'card', 'other']),
    reference: varchar('reference', { length: 100 }),
  },
  (t) => [
    uniqueIndex('uq_payments_origin').on(t.organizationId, t.originId),
    index('idx_payments_invoice').on(t.organizationId, t.projectId, t.invoiceNumber),
  ],
);
