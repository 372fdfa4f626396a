import { char, index, mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { day, money, projectColumn, recordColumns } from './records.columns.js';

/** AP bills (kind = payable) and AR invoices (kind = receivable). */
export const invoices = mysqlTable(
  'invoices',
  {
    ...recordColumns(),
    projectId: projectColumn(),
    kind: mysqlEnum('kind', ['payable', 'receivable']).notNull(),
    number: varchar('number', { length: 64 }).notNull(),
    vendorCode: varchar('vendor_code', { length: 64 }),
    invoiceDate: day('invoice_date').notNull(),
    dueDate: day('due_date'),
    amount: money('amount').notNull(),
    taxAmount: money('tax_amount'),
    currency: char('currency', { length: 3 }),
    status: mysqlEnum('status', ['draft', 'open', 'paid', 'void']).notNull().default('open'),
  },
  (t) => [
    uniqueIndex('uq_invoices_origin').on(t.organizationId, t.originId),
    uniqueIndex('uq_invoices_number').on(t.organizationId, t.projectId, t.number),
    index('idx_invoices_vendor').on(t.organizationId, t.vendorCode),
  ],
);
