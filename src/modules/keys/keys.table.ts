import { boolean, char, index, int, json, mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

export const KEY_ENVIRONMENTS = ['live', 'test'] as const;
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];

/**
 * The spec's api_keys. Only the SHA-256 of a key is stored; `key_prefix` keeps its displayable
 * start (widened from the spec's 10 characters so the prefix includes some of the random part).
 */
export const apiKeys = mysqlTable(
  'api_keys',
  {
    id: id(),
    organizationId: organizationId(),
    name: varchar('name', { length: 255 }).notNull(),
    keyHash: char('key_hash', { length: 64 }).notNull(),
    keyPrefix: varchar('key_prefix', { length: 20 }).notNull(),
    environment: mysqlEnum('environment', KEY_ENVIRONMENTS).notNull().default('live'),
    scopes: json('scopes').$type<string[]>().notNull(),
    /** Requests per hour. */
    rateLimit: int('rate_limit').notNull().default(1000),
    /** Requests per burst window (RATE_LIMIT_SPIKE_WINDOW_S); null: the deployment's RATE_LIMIT_SPIKE. */
    burstLimit: int('burst_limit'),
    lastUsedAt: time('last_used_at'),
    expiresAt: time('expires_at'),
    isActive: boolean('is_active').notNull().default(true),
    revokedAt: time('revoked_at'),
    /** Set on a key that regenerateApiKey replaced; it keeps working until expires_at. */
    replacedById: ref('replaced_by_id'),
    createdBy: ref('created_by'),
    createdByKeyId: ref('created_by_key_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('uq_api_keys_hash').on(t.keyHash),
    index('idx_prefix').on(t.keyPrefix),
    index('idx_api_keys_org').on(t.organizationId, t.id),
  ],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
