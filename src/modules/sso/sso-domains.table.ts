import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref } from '../../platform/db/columns.js';

/** An e-mail domain and the one SSO connection (of any organization) that owns it. */
export const ssoDomains = mysqlTable(
  'sso_domains',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    /** Lower case, no trailing dot. */
    domain: varchar('domain', { length: 253 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uq_sso_domains_domain').on(t.domain), index('idx_sso_domains_connection').on(t.connectionId)],
);

export type SsoDomainRow = typeof ssoDomains.$inferSelect;
