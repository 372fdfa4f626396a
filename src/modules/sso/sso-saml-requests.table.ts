import { mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, time } from '../../platform/db/columns.js';

/**
 * node-saml's InResponseTo cache: the ids of AuthnRequests we sent, until they expire, so that
 * any server process can accept the IdP's answer and none accepts it twice.
 */
export const ssoSamlRequests = mysqlTable('sso_saml_requests', {
  /** `<connection id>:<AuthnRequest ID>`. */
  key: varchar('request_key', { length: 191 }).primaryKey(),
  value: varchar('value', { length: 64 }).notNull(),
  expiresAt: time('expires_at').notNull(),
  createdAt: createdAt(),
});
