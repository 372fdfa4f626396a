import { index, json, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId } from '../../platform/db/columns.js';

/** Who changed what, written in the same transaction as the change. Append-only. */
export const auditEvents = mysqlTable(
  'audit_events',
  {
    id: id(),
    organizationId: organizationId(),
    /** 'api_key', 'user', 'system' (operator CLI) or 'oauth_client'. */
    actorType: varchar('actor_type', { length: 32 }).notNull(),
    actorId: varchar('actor_id', { length: 64 }),
    action: varchar('action', { length: 100 }).notNull(),
    targetType: varchar('target_type', { length: 64 }).notNull(),
    targetId: varchar('target_id', { length: 64 }).notNull(),
    metadata: json('metadata').$type<Record<string, unknown>>(),
    requestId: varchar('request_id', { length: 64 }),
    createdAt: createdAt(),
  },
  (t) => [
    index('idx_audit_org_created').on(t.organizationId, t.id),
    index('idx_audit_target').on(t.organizationId, t.targetType, t.targetId),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
