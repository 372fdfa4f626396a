import { and, desc, eq, isNotNull, isNull, lt, type SQL } from 'drizzle-orm';
import type mysql from 'mysql2/promise';
import { withConnectionTransaction, type Db, type DbOrTx } from '../../platform/db/mysql.js';
import { NotFoundError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { alerts, type AlertRow, type AlertSeverity } from './alerts.table.js';

export interface AlertInput {
  organizationId: number;
  kind: string;
  severity: AlertSeverity;
  title: string;
  message: string;
  subjectType: string;
  subjectId: string | number;
}

/** Raises an alert; pass the transaction of the change that caused it. */
export async function raiseAlert(db: DbOrTx, input: AlertInput): Promise<number> {
  const [result] = await db.insert(alerts).values({
    organizationId: input.organizationId,
    kind: input.kind,
    severity: input.severity,
    title: input.title.slice(0, 255),
    message: input.message,
    subjectType: input.subjectType,
    subjectId: String(input.subjectId),
  });
  return result.insertId;
}

export async function listAlerts(db: Db, organizationId: number, page: Page, filter: { acknowledged?: boolean | undefined } = {}): Promise<AlertRow[]> {
  const conditions: SQL[] = [eq(alerts.organizationId, organizationId)];
  if (filter.acknowledged === true) conditions.push(isNotNull(alerts.acknowledgedAt));
  if (filter.acknowledged === false) conditions.push(isNull(alerts.acknowledgedAt));
  if (page.beforeId !== null) conditions.push(lt(alerts.id, page.beforeId));
  return db.select().from(alerts).where(and(...conditions)).orderBy(desc(alerts.id)).limit(page.limit + 1);
}

/** Marks an alert seen. Acknowledging twice keeps the first acknowledgement. */
export async function acknowledgeAlert(db: Db, actor: Actor, organizationId: number, id: number): Promise<{ alert: AlertRow; audit: AuditEventRow[] }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(alerts)
      .where(and(eq(alerts.id, id), eq(alerts.organizationId, organizationId)))
      .for('update');
    if (!row) throw new NotFoundError('Alert', id);
    if (row.acknowledgedAt) return { alert: row, audit: [] };
    const acknowledgedAt = new Date();
    const acknowledgedBy = `${actor.type}:${actor.id ?? ''}`;
    await tx.update(alerts).set({ acknowledgedAt, acknowledgedBy }).where(eq(alerts.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'alert.acknowledged', targetType: 'alert', targetId: id });
    return { alert: { ...row, acknowledgedAt, acknowledgedBy }, audit: [audit] };
  });
}

/** Alerts older than this are no longer e-mailed (SMTP configured long after they were raised). */
const EMAIL_MAX_AGE_HOURS = 24;

/**
 * E-mails pending alerts to their organization's owners and admins. Rows are locked while sent
 * (SKIP LOCKED), so two workers never send the same alert; a send that fails is marked failed
 * and stays visible in GraphQL.
 */
export async function emailPendingAlerts(pool: mysql.Pool, mailer: Mailer, logger: Logger): Promise<number> {
  return withConnectionTransaction(pool, async (conn) => {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT id, organization_id, title, message, severity, created_at FROM alerts
       WHERE email_status = 'pending' AND created_at > NOW(3) - INTERVAL ? HOUR
       ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED`,
      [EMAIL_MAX_AGE_HOURS],
    );
    let sent = 0;
    for (const row of rows) {
      const [recipients] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organization_id = ? AND m.role IN ('owner', 'admin') AND u.is_active = 1`,
        [row['organization_id']],
      );
      let status: 'sent' | 'failed' | 'no_recipients' = 'no_recipients';
      if (recipients.length) {
        try {
          await mailer.send({
            to: recipients.map((r) => String(r['email'])),
            subject: `[Trestle ${String(row['severity'])}] ${String(row['title'])}`,
            text: `${String(row['message'])}\n\nRaised ${(row['created_at'] as Date).toISOString()}. Acknowledge it with the acknowledgeAlert mutation.`,
          });
          status = 'sent';
          sent += 1;
        } catch (error) {
          logger.warn({ err: error, alertId: row['id'] }, 'alert e-mail failed');
          status = 'failed';
        }
      }
      await conn.query('UPDATE alerts SET email_status = ?, emailed_at = NOW(3) WHERE id = ?', [status, row['id']]);
    }
    return sent;
  });
}
