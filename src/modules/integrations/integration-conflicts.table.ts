import { index, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time } from '../../platform/db/columns.js';

/**
 * A record changed on both sides since the last sync of a MANUAL connection: both versions are
 * kept here until a person picks one (resolveIntegrationConflict).
 */
export const integrationConflicts = mysqlTable(
  'integration_conflicts',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    linkId: ref('link_id').notNull(),
    entityType: varchar('entity_type', { length: 50 }).notNull(),
    recordType: varchar('record_type', { length: 50 }).notNull(),
    localId: ref('local_id').notNull(),
    remoteId: varchar('remote_id', { length: 64 }).notNull(),
    localData: json('local_data').$type<Record<string, unknown>>().notNull(),
    remoteData: json('remote_data').$type<Record<string, unknown>>().notNull(),
    remoteVersion: varchar('remote_version', { length: 64 }),
    status: mysqlEnum('status', ['open', 'resolved']).notNull().default('open'),
    resolution: mysqlEnum('resolution', ['platform', 'remote']),
    resolvedBy: varchar('resolved_by', { length: 255 }),
    resolvedAt: time('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [index('idx_integration_conflicts_org').on(t.organizationId, t.connectionId, t.status), index('idx_integration_conflicts_link').on(t.linkId, t.status)],
);

export type IntegrationConflictRow = typeof integrationConflicts.$inferSelect;
