import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { startSmtpSink } from '../../../test/support/smtp-sink.js';
import { WebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { AcknowledgeAlertDocument, AlertsDocument, CreateApiKeyDocument, CreateWebhookDocument } from '../../../test/generated/graphql.js';

const smtp = await startSmtpSink();
const test = appFixtures({ WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_OUTBOX_POLL_MS: '50', SMTP_URL: smtp.url, SMTP_FROM: 'Trestle <alerts@trestle.test>' });

let gone: WebhookReceiver;
beforeAll(async () => {
  gone = await WebhookReceiver.start();
  gone.behaviour = () => ({ status: 410 });
});
afterAll(async () => {
  await gone.close();
  await smtp.close();
});

type Ctx = { app: { url: string; app: { services: { pool: Pool } } }; key: string };

/** A webhook that answers 410 to the next event: the service disables it and raises an alert. */
async function disableAWebhook({ app, key }: Ctx): Promise<string> {
  const created = await execute(app.url, CreateWebhookDocument, { input: { name: 'Old ERP', url: gone.url, events: ['api_key.created'] } }, { key });
  const webhookId = created.data!.createWebhook.webhook.id;
  await execute(app.url, CreateApiKeyDocument, { input: { name: 'trigger', scopes: ['records:read'] } }, { key });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await execute(app.url, AlertsDocument, {}, { key });
    const alert = res.data?.alerts.nodes.find((a) => a.subjectId === webhookId);
    if (alert) return alert.id;
    if (Date.now() > deadline) throw new Error('no alert raised');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function addMember(ctx: Ctx, organizationId: number, email: string, role: string): Promise<void> {
  const pool = ctx.app.app.services.pool;
  const [result] = await pool.query<ResultSetHeader>('INSERT INTO users (email, name) VALUES (?, ?)', [email, email]);
  await pool.query('INSERT INTO memberships (organization_id, user_id, role) VALUES (?, ?, ?)', [organizationId, result.insertId, role]);
}

/** The Subject header, unfolded and with RFC 2047 Q-encoded words decoded. */
function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return header
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/\?= =\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, word: string) =>
      Buffer.from(word.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
    );
}

describe('alerts', () => {
  test('a disabled webhook raises an alert that admins see, get by e-mail and acknowledge', async ({ app, org, key }) => {
    await addMember({ app, key }, org.id, `owner-${org.id}@example.com`, 'owner');
    await addMember({ app, key }, org.id, `viewer-${org.id}@example.com`, 'viewer');
    const alertId = await disableAWebhook({ app, key });
    const open = await execute(app.url, AlertsDocument, { acknowledged: false }, { key });
    expect(open.data!.alerts.nodes).toEqual([
      expect.objectContaining({ id: alertId, kind: 'webhook.disabled', severity: 'CRITICAL', subjectType: 'webhook', title: 'Webhook "Old ERP" was disabled', acknowledgedAt: null }),
    ]);
    expect(open.data!.alerts.nodes[0]!.message).toMatch(/410 Gone/);

    const deadline = Date.now() + 15_000;
    while (!smtp.mails.some((m) => m.to.includes(`owner-${org.id}@example.com`))) {
      if (Date.now() > deadline) throw new Error('no alert e-mail');
      await new Promise((r) => setTimeout(r, 100));
    }
    const mail = smtp.mails.find((m) => m.to.includes(`owner-${org.id}@example.com`))!;
    expect(mail.to).not.toContain(`viewer-${org.id}@example.com`);
    expect(mail.from).toBe('alerts@trestle.test');
    expect(subjectOf(mail.raw)).toBe('[Trestle critical] Webhook "Old ERP" was disabled');

    const acked = await execute(app.url, AcknowledgeAlertDocument, { id: alertId }, { key });
    expect(acked.data!.acknowledgeAlert.acknowledgedAt).not.toBeNull();
    expect(acked.data!.acknowledgeAlert.acknowledgedBy).toMatch(/^api_key:/);
    const again = await execute(app.url, AcknowledgeAlertDocument, { id: alertId }, { key });
    expect(again.data!.acknowledgeAlert.acknowledgedAt).toBe(acked.data!.acknowledgeAlert.acknowledgedAt);
    const closed = await execute(app.url, AlertsDocument, { acknowledged: true }, { key });
    expect(closed.data!.alerts.nodes.map((a) => a.id)).toEqual([alertId]);
    const stillOpen = await execute(app.url, AlertsDocument, { acknowledged: false }, { key });
    expect(stillOpen.data!.alerts.nodes).toEqual([]);
    const listed = await execute(app.url, AlertsDocument, {}, { key });
    expect(listed.data!.alerts.nodes[0]!.emailStatus).toBe('sent');
  });

  test('other organizations neither see nor acknowledge them', async ({ app, key }) => {
    const alertId = await disableAWebhook({ app, key });
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    const list = await execute(app.url, AlertsDocument, {}, { key: otherKey });
    expect(list.data!.alerts.nodes).toEqual([]);
    const ack = await execute(app.url, AcknowledgeAlertDocument, { id: alertId }, { key: otherKey });
    expect(codes(ack)).toEqual(['NOT_FOUND']);
  });

  test('require authentication, org:write to acknowledge, and a valid id', async ({ app, org, key }) => {
    const anonymous = await execute(app.url, AlertsDocument, {});
    expect(anonymous.status).toBe(401);
    const reader = (await app.createKey(org.id, ['org:read'])).plaintext;
    expect((await execute(app.url, AlertsDocument, {}, { key: reader })).errors).toBeUndefined();
    const denied = await execute(app.url, AcknowledgeAlertDocument, { id: '1' }, { key: reader });
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    const bad = await execute(app.url, AcknowledgeAlertDocument, { id: 'abc' }, { key });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    const page = await execute(app.url, AlertsDocument, { first: 0 }, { key });
    expect(codes(page)).toEqual(['BAD_USER_INPUT']);
  });
});
