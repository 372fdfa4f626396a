import { index, int, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';

/** One problem of a sync run, as listed in its log. */
export interface SyncLogError {
  /** error: something failed; info: what the run decided (a conflict settled, a fallback to a full pull). */
  level?: 'error' | 'info';
  /** Remote entity and id, or local record, when the error concerns one object. */
  entity?: string;
  remoteId?: string;
  localId?: number;
  code: string;
  message: string;
}

/**
 * The spec's integration_sync_logs, one row per sync run of a connection. `sync_type` is the
 * mode (full or incremental); `direction` says which way(s) it went.
 */
export const integrationSyncLogs = mysqlTable(
  'integration_sync_logs',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    syncType: mysqlEnum('sync_type', ['full', 'incremental', 'push', 'pull']).notNull(),
    direction: mysqlEnum('direction', ['pull', 'push', 'both']).notNull().default('both'),
    /** What started it: a person (api), an inbound webhook, a conflict resolution. */
    trigger: varchar('trigger', { length: 32 }).notNull().default('api'),
    startedAt: time('started_at').notNull(),
    completedAt: time('completed_at'),
    status: mysqlEnum('status', ['running', 'completed', 'failed']).notNull().default('running'),
    recordsProcessed: int('records_processed').notNull().default(0),
    recordsCreated: int('records_created').notNull().default(0),
    recordsUpdated: int('records_updated').notNull().default(0),
    recordsDeleted: int('records_deleted').notNull().default(0),
    recordsFailed: int('records_failed').notNull().default(0),
    conflicts: int('conflicts').notNull().default(0),
    /** Requests made to the provider. */
    requestCount: int('request_count').notNull().default(0),
    errorLog: json('error_log').$type<SyncLogError[]>(),
  },
  (t) => [index('idx_connection').on(t.connectionId), index('idx_integration_sync_logs_org').on(t.organizationId, t.connectionId, t.id)],
);

export type IntegrationSyncLogRow = typeof integrationSyncLogs.$inferSelect;
