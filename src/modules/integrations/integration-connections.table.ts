import { boolean, index, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

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
    syncSettings: json('sync_settings').$type<Record<string, unknown>>(),
    lastSyncAt: time('last_sync_at'),
    lastSyncStatus: mysqlEnum('last_sync_status', ['success', 'failed', 'partial']),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_integration_connections_org').on(t.organizationId, t.id)],
);
