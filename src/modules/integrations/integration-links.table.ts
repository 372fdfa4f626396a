import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';

/**
 * One platform record paired with one remote object. The hashes are of the shared (mapped)
 * fields as last synced on each side: a side whose current hash differs changed since.
 */
export const integrationLinks = mysqlTable(
  'integration_links',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    /** The remote entity, e.g. Vendor, Bill. */
    entityType: varchar('entity_type', { length: 50 }).notNull(),
    /** Platform record type, e.g. vendors. */
    recordType: varchar('record_type', { length: 50 }).notNull(),
    localId: ref('local_id').notNull(),
    remoteId: varchar('remote_id', { length: 64 }).notNull(),
    /** QuickBooks SyncToken of the last version seen. */
    remoteVersion: varchar('remote_version', { length: 64 }),
    localHash: varchar('local_hash', { length: 64 }).notNull(),
    remoteHash: varchar('remote_hash', { length: 64 }).notNull(),
    remoteUpdatedAt: time('remote_updated_at'),
    lastSyncedAt: time('last_synced_at').notNull(),
  },
  (t) => [
    uniqueIndex('uq_integration_links_remote').on(t.connectionId, t.entityType, t.remoteId),
    uniqueIndex('uq_integration_links_local').on(t.connectionId, t.entityType, t.localId),
    index('idx_integration_links_org').on(t.organizationId, t.connectionId),
  ],
);

export type IntegrationLinkRow = typeof integrationLinks.$inferSelect;
