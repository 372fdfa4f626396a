import { char, index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

/**
 * Bearer tokens an organization gives its identity provider (Okta, Entra ID) for /scim/v2.
 * Only the SHA-256 of a token is stored; the token is shown once.
 */
export const scimTokens = mysqlTable(
  'scim_tokens',
  {
    id: id(),
    organizationId: organizationId(),
    name: varchar('name', { length: 255 }).notNull(),
    tokenHash: char('token_hash', { length: 64 }).notNull(),
    /** The token's first characters, to tell tokens apart; never enough to use it. */
    tokenPrefix: varchar('token_prefix', { length: 20 }).notNull(),
    lastUsedAt: time('last_used_at'),
    revokedAt: time('revoked_at'),
    /** The token that rotateScimToken put in this one's place. */
    replacedById: ref('replaced_by_id'),
    createdByKeyId: ref('created_by_key_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('uq_scim_tokens_hash').on(t.tokenHash), index('idx_scim_tokens_org').on(t.organizationId, t.id)],
);

export type ScimTokenRow = typeof scimTokens.$inferSelect;
