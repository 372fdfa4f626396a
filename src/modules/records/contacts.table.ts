import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { recordColumns } from './records.columns.js';

export const contacts = mysqlTable(
  'contacts',
  {
    ...recordColumns(),
    firstName: varchar('first_name', { length: 100 }),
    lastName: varchar('last_name', { length: 100 }).notNull(),
    email: varchar('email', { length: 320 }),
    phone: varchar('phone', { length: 40 }),
    company: varchar('company', { length: 255 }),
    vendorCode: varchar('vendor_code', { length: 64 }),
    title: varchar('title', { length: 100 }),
  },
  (t) => [
    uniqueIndex('uq_contacts_origin').on(t.organizationId, t.originId),
    uniqueIndex('uq_contacts_email').on(t.organizationId, t.email),
    index('idx_contacts_vendor').on(t.organizationId, t.vendorCode),
  ],
);
