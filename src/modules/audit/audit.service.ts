import { and, asc, desc, eq, gt, lt, max } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { Page } from '../../platform/graphql/pagination.js';
import type { PgPubSub } from '../../platform/queue/pubsub.js';
import { auditEvents, type AuditEventRow } from './audit-events.table.js';

/** Who made a change: a credential (an API key, OAuth token, SCIM token), a person, or the operator CLI. */
export interface Actor {
  type: 'api_key' | 'oauth_token' | 'scim_token' | 'user' | 'system' | 'anonymous_insecure';
  id: string | null;
  requestId?: string | undefined;
}

export interface AuditInput {
  organizationId: number;
  action: string;
  targetType: string;
  targetId: string | number;
  metadata?: Record<string, unknown>;
}

/** Topic of the auditEventAdded subscription; the dynamic id is the organization. */
export const AUDIT_TOPIC = 'AUDIT_EVENT';

/** Appends an audit event. Pass the transaction that makes the change, so both commit or neither. */
export async function recordAudit(db: DbOrTx, actor: Actor, input: AuditInput): Promise<AuditEventRow> {
  const row = {
    organizationId: input.organizationId,
    actorType: actor.type,
    actorId: actor.id,
    action: input.action,
    targetType: input.targetType,
    targetId: String(input.targetId),
    metadata: input.metadata ?? null,
    requestId: actor.requestId ?? null,
  };
  const [result] = await db.insert(auditEvents).values(row);
  return { ...row, id: result.insertId, createdAt: new Date() };
}

/** Tells live subscribers of the organization; call after the transaction committed. */
export function announceAudit(pubsub: PgPubSub, event: AuditEventRow): void {
  pubsub.publish(AUDIT_TOPIC, event.organizationId, { ...event, createdAt: event.createdAt.toISOString() });
}

export async function listAuditEvents(
  db: Db,
  organizationId: number,
  page: Page,
  filter: { targetType?: string | null | undefined; targetId?: string | null | undefined } = {},
): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.organizationId, organizationId),
        page.beforeId === null ? undefined : lt(auditEvents.id, page.beforeId),
        filter.targetType ? eq(auditEvents.targetType, filter.targetType) : undefined,
        filter.targetId ? eq(auditEvents.targetId, filter.targetId) : undefined,
      ),
    )
    .orderBy(desc(auditEvents.id))
    .limit(page.limit + 1);
}

/** The newest audit event id of the organization (0 when none): where a live subscription starts. */
export async function latestAuditEventId(db: Db, organizationId: number): Promise<number> {
  const [row] = await db.select({ id: max(auditEvents.id) }).from(auditEvents).where(eq(auditEvents.organizationId, organizationId));
  return row?.id ?? 0;
}

/** Audit events of the organization after `afterId`, oldest first: what a subscriber missed. */
export async function auditEventsAfter(db: Db, organizationId: number, afterId: number, limit: number): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.organizationId, organizationId), gt(auditEvents.id, afterId)))
    .orderBy(asc(auditEvents.id))
    .limit(limit);
}
