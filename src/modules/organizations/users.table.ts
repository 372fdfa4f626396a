import { boolean, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, updatedAt } from '../../platform/db/columns.js';

/**
 * A person. Users are reached only through their memberships: an organization sees the users
 * who are its members and no others.
 */
export const users = mysqlTable(
  'users',
  {
    id: id(),
    email: varchar('email', { length: 320 }).notNull(),
    name: varchar('name', { length: 255 }),
    passwordHash: varchar('password_hash', { length: 255 }),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('uq_users_email').on(t.email)],
);

export type UserRow = typeof users.$inferSelect;
