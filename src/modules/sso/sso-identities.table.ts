import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time } from '../../platform/db/columns.js';

/** The link between a subject at an identity provider (SAML NameID, OIDC sub) and a user. */
export const ssoIdentities = mysqlTable(
  'sso_identities',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    subject: varchar('subject', { length: 512 }).notNull(),
    userId: ref('user_id').notNull(),
    lastLoginAt: time('last_login_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uq_sso_identities_subject').on(t.connectionId, t.subject), index('idx_sso_identities_user').on(t.userId)],
);

export type SsoIdentityRow = typeof ssoIdentities.$inferSelect;
