import { index, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, time } from '../../platform/db/columns.js';

/** SAML assertion ids already used to sign in, kept until the assertion expires: a replay is refused. */
export const ssoConsumedAssertions = mysqlTable(
  'sso_consumed_assertions',
  {
    /** `<connection id>:<Assertion ID>`. */
    key: varchar('assertion_key', { length: 191 }).primaryKey(),
    expiresAt: time('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('idx_sso_consumed_assertions_expiry').on(t.expiresAt)],
);
