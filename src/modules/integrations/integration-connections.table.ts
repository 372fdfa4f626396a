import { boolean, index, int, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

export const CONFLICT_POLICIES = ['platform_wins', 'remote_wins', 'newest_wins', 'manual'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/** Which way one remote entity syncs (integration_connections.sync_settings). */
export const ENTITY_DIRECTIONS = ['both', 'pull', 'push', 'none'] as const;
export type EntityDirection = (typeof ENTITY_DIRECTIONS)[number];

/** sync_settings: per remote entity, its direction and its own conflict policy (integrations.sync-settings.ts). */
export interface SyncSettings {
  entities: Record<string, { direction: EntityDirection; conflictPolicy?: ConflictPolicy | undefined }>;
}

/**
 * not_connected: never authorized; connected: tokens stored; needs_reauthorization: the provider
 * refused the refresh token (revoked, expired): a person must connect again.
 */
export const CONNECTION_AUTH_STATUSES = ['not_connected', 'connected', 'needs_reauthorization'] as const;
export type ConnectionAuthStatus = (typeof CONNECTION_AUTH_STATUSES)[number];

/** The spec's integration_connections. `credentials` holds ciphertext only, never plaintext tokens. */
export const integrationConnections = mysqlTable(
  'integration_connections',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id'),
    integrationType: varchar('integration_type', { length: 100 }).notNull(),
    name: varchar('name', { length: 255 }).notNull(),
    config: json('config').$type<Record<string, unknown>>(),
    credentials: json('credentials').$type<Record<string, unknown>>(),
    syncSettings: json('sync_settings').$type<SyncSettings>(),
    lastSyncAt: time('last_sync_at'),
    lastSyncStatus: mysqlEnum('last_sync_status', ['success', 'failed', 'partial']),
    isActive: boolean('is_active').notNull().default(true),
    /** Whether the connection holds usable provider tokens. */
    authStatus: mysqlEnum('auth_status', CONNECTION_AUTH_STATUSES).notNull().default('not_connected'),
    /** The provider's account the tokens belong to (QuickBooks realmId). */
    externalAccountId: varchar('external_account_id', { length: 64 }),
    conflictPolicy: mysqlEnum('conflict_policy', CONFLICT_POLICIES).notNull().default('newest_wins'),
    /** Failed syncs since the last success; integration.error goes out when it reaches the threshold. */
    consecutiveFailures: int('consecutive_failures').notNull().default(0),
    /** Minutes between scheduled syncs; null: syncs only when asked (API, provider webhook). */
    syncIntervalMinutes: int('sync_interval_minutes'),
    /** When the scheduler queues the next sync; null without an interval. */
    nextSyncAt: time('next_sync_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('idx_integration_connections_org').on(t.organizationId, t.id),
    index('idx_integration_connections_account').on(t.integrationType, t.externalAccountId),
    index('idx_integration_connections_next_sync').on(t.nextSyncAt),
  ],
);

export type IntegrationConnectionRow = typeof integrationConnections.$inferSelect;
