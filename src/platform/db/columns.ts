import { sql } from 'drizzle-orm';
import { bigint, datetime } from 'drizzle-orm/mysql-core';

/**
 * Column helpers shared by every table. Ids are unsigned BIGINT AUTO_INCREMENT: drizzle's
 * `serial()` does not work on MariaDB. Times are DATETIME(3) in UTC (the pool runs with
 * timezone 'Z'); TIMESTAMP would stop in 2038.
 */
export const id = () => bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey();

/** A reference to another row's id. */
export const ref = (name: string) => bigint(name, { mode: 'number', unsigned: true });

/** The owning organization: every business row has one. */
export const organizationId = () => ref('organization_id').notNull();

export const createdAt = () =>
  datetime('created_at', { mode: 'date', fsp: 3 })
    .notNull()
    .default(sql`CURRENT_TIMESTAMP(3)`);

export const updatedAt = () =>
  datetime('updated_at', { mode: 'date', fsp: 3 })
    .notNull()
    .default(sql`CURRENT_TIMESTAMP(3)`)
    .$onUpdate(() => new Date());

export const time = (name: string) => datetime(name, { mode: 'date', fsp: 3 });
