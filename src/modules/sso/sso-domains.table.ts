import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time } from '../../platform/db/columns.js';

/**
 * An e-mail domain an SSO connection claims. Any number of connections may claim a domain; the
 * one that proves it controls it (a DNS TXT record with `verificationToken`) owns it: its
 * people are discovered by e-mail at sign-in and provisioned on their first sign-in. Only one
 * connection can hold a domain verified (`verifiedDomain` is unique, and NULL until then).
 */
export const ssoDomains = mysqlTable(
  'sso_domains',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    /** Lower case, no trailing dot. */
    domain: varchar('domain', { length: 253 }).notNull(),
    /** The value the domain's TXT record must carry (random, per claim). */
    verificationToken: varchar('verification_token', { length: 64 }).notNull(),
    verifiedAt: time('verified_at'),
    /** `domain` once verified, else NULL: the unique index lets one connection own a domain. */
    verifiedDomain: varchar('verified_domain', { length: 253 }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('uq_sso_domains_connection_domain').on(t.connectionId, t.domain),
    uniqueIndex('uq_sso_domains_verified').on(t.verifiedDomain),
    index('idx_sso_domains_domain').on(t.domain),
  ],
);

export type SsoDomainRow = typeof ssoDomains.$inferSelect;
