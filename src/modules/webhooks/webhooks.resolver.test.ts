import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, beforeAll } from 'vitest';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { WebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { eventually, executeWithFile } from '../../../test/support/upload.js';
import { createProject } from '../organizations/index.js';
import {
  CreateApiKeyDocument,
  CreateProjectDocument,
  CreateExportDocument,
  CreateImportDocument,
  ExecuteImportDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  RecoverWebhookDocument,
  RedeliverWebhookMessageDocument,
  RevokeApiKeyDocument,
  RotateWebhookSecretDocument,
  TestWebhookDocument,
  UpdateWebhookDocument,
  WebhookDocument,
  WebhookEventTypesDocument,
  WebhookLogsDocument,
  WebhooksDocument,
  type WebhookRecordEvents,
} from '../../../test/generated/graphql.js';

// Loopback receivers are allowed here (never by default); retries come after 1 s instead of
// minutes, and a receiver gets 1.5 s to answer.
const test = appFixtures({
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_RETRY_SCHEDULE: '0,1,1,1',
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_OUTBOX_POLL_MS: '50',
});

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver.close();
});

type TestCtx = { app: { url: string }; key: string };

async function subscribe(ctx: TestCtx, events: string[], url = receiver.url, extra: { recordEvents?: WebhookRecordEvents } = {}) {
  const res = await execute(ctx.app.url, CreateWebhookDocument, { input: { name: 'ERP sync', url, events, ...extra } }, { key: ctx.key });
  expect(res.errors).toBeUndefined();
  return res.data!.createWebhook;
}

/** Creates an API key through GraphQL: the change that emits api_key.created. */
async function makeKeyEvent(ctx: TestCtx, name: string) {
  const res = await execute(ctx.app.url, CreateApiKeyDocument, { input: { name, scopes: ['records:read'] } }, { key: ctx.key });
  expect(res.errors).toBeUndefined();
  return { ...res.data!.createApiKey.apiKey, plaintextKey: res.data!.createApiKey.plaintextKey };
}

function deliveriesNamed(name: string) {
  return receiver.ofType('api_key.created').filter((d) => (d.json.data['apiKey'] as { name: string }).name === name);
}

describe('webhookEventTypes', () => {
  test('lists the catalog with a JSON Schema per event', async ({ app, key }) => {
    const res = await execute(app.url, WebhookEventTypesDocument, {}, { key });
    const names = res.data!.webhookEventTypes.map((e) => e.name);
    for (const required of ['api_key.created', 'api_key.revoked', 'import.completed', 'import.failed', 'export.completed', 'sync.completed', 'sync.failed', 'integration.error', 'vendor.created', 'vendor.updated', 'vendor.deleted', 'schedule_task.updated', 'webhook.disabled', 'webhook.test']) {
      expect(names).toContain(required);
    }
    const imported = res.data!.webhookEventTypes.find((e) => e.name === 'import.completed')!;
    expect(imported.schema).toMatchObject({ type: 'object', properties: { importJobId: { type: 'string' }, insertedRows: { type: 'integer' } } });
  });

  test('requires authentication', async ({ app }) => {
    const res = await execute(app.url, WebhookEventTypesDocument, {});
    expect(res.status).toBe(401);
  });
});

describe('createWebhook', () => {
  test('shows the secret once and stores it sealed', async ({ app, key }) => {
    const created = await subscribe({ app, key }, ['import.*', 'api_key.revoked']);
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.webhook).toMatchObject({ name: 'ERP sync', url: receiver.url, events: ['import.*', 'api_key.revoked'], status: 'ACTIVE', failureCount: 0 });
    const read = await execute(app.url, WebhookDocument, { id: created.webhook.id }, { key });
    expect(JSON.stringify(read.data)).not.toContain(created.secret);
    const [rows] = await app.app.services.pool.query('SELECT secret FROM webhooks WHERE id = ?', [created.webhook.id]);
    expect(JSON.stringify(rows)).not.toContain(created.secret.slice(6));
    const list = await execute(app.url, WebhooksDocument, { first: 10 }, { key });
    expect(list.data!.webhooks.nodes.map((w) => w.id)).toContain(created.webhook.id);
  });

  test('rejects bad input with BAD_USER_INPUT', async ({ app, key }) => {
    const ok = { name: 'x', url: receiver.url, events: ['import.completed'] };
    const cases = [
      { ...ok, name: ' ' },
      { ...ok, url: 'not a url' },
      { ...ok, url: 'ftp://example.com/x' },
      { ...ok, url: 'https://10.0.0.8/hook' },
      { ...ok, url: 'http://169.254.169.254/latest/meta-data' },
      { ...ok, url: 'https://user:pw@example.com/hook' },
      { ...ok, events: [] },
      { ...ok, events: ['import.exploded'] },
      { ...ok, events: ['nothing.*'] },
      { ...ok, projectId: 'abc' },
    ];
    for (const input of cases) {
      const res = await execute(app.url, CreateWebhookDocument, { input }, { key });
      expect(codes(res), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
    }
    const [rows] = await app.app.services.pool.query('SELECT COUNT(*) AS n FROM webhooks WHERE name = ?', ['x']);
    expect(rows).toEqual([{ n: 0 }]);
  });

  test('requires authentication and webhooks:write', async ({ app, org }) => {
    const input = { name: 'x', url: receiver.url, events: ['*'] };
    const anonymous = await execute(app.url, CreateWebhookDocument, { input });
    expect(anonymous.status).toBe(401);
    const reader = await app.createKey(org.id, ['webhooks:read']);
    const denied = await execute(app.url, CreateWebhookDocument, { input }, { key: reader.plaintext });
    expect(denied.status).toBe(403);
    expect(codes(denied)).toEqual(['FORBIDDEN']);
  });
});

describe('projectId of createWebhook and updateWebhook', () => {
  test('scopes the endpoint to a project of the organization', async ({ app, key }) => {
    const project = await execute(app.url, CreateProjectDocument, { input: { name: 'Tower A', code: `TA-${Date.now()}` } }, { key });
    const projectId = project.data!.createProject.id;
    const created = await execute(app.url, CreateWebhookDocument, { input: { name: 'scoped', url: receiver.url, events: ['import.*'], projectId } }, { key });
    expect(created.data!.createWebhook.webhook.projectId).toBe(projectId);
    const other = await execute(app.url, CreateProjectDocument, { input: { name: 'Tower B', code: `TB-${Date.now()}` } }, { key });
    const moved = await execute(app.url, UpdateWebhookDocument, { id: created.data!.createWebhook.webhook.id, input: { projectId: other.data!.createProject.id } }, { key });
    expect(moved.data!.updateWebhook.projectId).toBe(other.data!.createProject.id);
  });

  test("refuses another organization's project and one that does not exist with NOT_FOUND, changing nothing", async ({ app, key }) => {
    const stranger = await app.createOrganization();
    const foreign = await createProject(app.app.services.db, { type: 'system', id: 'test' }, { organizationId: stranger.id, name: 'Theirs', code: 'THEIRS' });
    const foreignId = String(foreign.project.id);
    for (const projectId of [foreignId, '987654321']) {
      const res = await execute(app.url, CreateWebhookDocument, { input: { name: 'not mine', url: receiver.url, events: ['import.*'], projectId } }, { key });
      expect(codes(res), projectId).toEqual(['NOT_FOUND']);
    }
    const [rows] = await app.app.services.pool.query('SELECT COUNT(*) AS n FROM webhooks WHERE name = ?', ['not mine']);
    expect(rows).toEqual([{ n: 0 }]);
    const { webhook } = await subscribe({ app, key }, ['import.*']);
    for (const projectId of [foreignId, '987654321']) {
      const res = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { projectId, name: 'renamed' } }, { key });
      expect(codes(res), projectId).toEqual(['NOT_FOUND']);
    }
    const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
    expect(read.data!.webhook).toMatchObject({ projectId: null, name: 'ERP sync' });
  });

  test('rejects a malformed projectId and an unauthenticated change', async ({ app, key }) => {
    const { webhook } = await subscribe({ app, key }, ['import.*']);
    const bad = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { projectId: 'abc' } }, { key });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    const anonymous = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { projectId: '1' } });
    expect(anonymous.status).toBe(401);
  });
});

describe('another organization', () => {
  test('never sees, changes, tests or reads the logs of a webhook', async ({ app, key }) => {
    const created = await subscribe({ app, key }, ['webhook.disabled']);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    const id = created.webhook.id;
    const attempts = [
      await execute(app.url, WebhookDocument, { id }, { key: otherKey }),
      await execute(app.url, UpdateWebhookDocument, { id, input: { name: 'mine' } }, { key: otherKey }),
      await execute(app.url, DeleteWebhookDocument, { id }, { key: otherKey }),
      await execute(app.url, TestWebhookDocument, { id }, { key: otherKey }),
      await execute(app.url, WebhookLogsDocument, { webhookId: id }, { key: otherKey }),
      await execute(app.url, RotateWebhookSecretDocument, { id }, { key: otherKey }),
      await execute(app.url, RecoverWebhookDocument, { id, since: new Date(Date.now() - 60_000).toISOString() }, { key: otherKey }),
      await execute(app.url, RedeliverWebhookMessageDocument, { webhookId: id, messageId: 'msg_x' }, { key: otherKey }),
    ];
    for (const res of attempts) expect(codes(res)).toEqual(['NOT_FOUND']);
    const list = await execute(app.url, WebhooksDocument, {}, { key: otherKey });
    expect(list.data!.webhooks.nodes).toEqual([]);
    const still = await execute(app.url, WebhookDocument, { id }, { key });
    expect(still.data!.webhook.name).toBe('ERP sync');
  });
});

describe('testWebhook', () => {
  test('sends a signed webhook.test that the official verifier accepts, and logs it', async ({ app, key }) => {
    const { webhook, secret } = await subscribe({ app, key }, ['import.completed']);
    const res = await execute(app.url, TestWebhookDocument, { id: webhook.id }, { key });
    expect(res.errors).toBeUndefined();
    const attempt = res.data!.testWebhook;
    expect(attempt).toMatchObject({ eventType: 'webhook.test', success: true, responseStatus: 200, attempt: 1, error: null });
    const delivery = receiver.received.find((d) => d.headers['webhook-id'] === attempt.messageId)!;
    expect(new Verifier(secret).verify(delivery.body, delivery.headers)).toMatchObject({ type: 'webhook.test', data: { webhookId: webhook.id } });
    const logs = await execute(app.url, WebhookLogsDocument, { webhookId: webhook.id }, { key });
    expect(logs.data!.webhookLogs.nodes[0]).toMatchObject({ id: attempt.id, messageId: attempt.messageId, payload: { webhookId: webhook.id } });
  });

  test('reports a receiver that is down as a failed attempt', async ({ app, key }) => {
    const { webhook } = await subscribe({ app, key }, ['import.completed'], 'http://127.0.0.1:1/down');
    const res = await execute(app.url, TestWebhookDocument, { id: webhook.id }, { key });
    expect(res.data!.testWebhook).toMatchObject({ success: false, responseStatus: null, error: expect.stringMatching(/^connect/) });
  });
});

describe('deliveries', () => {
  test('an event reaches its subscribers once, signed, and not other endpoints', async ({ app, key }) => {
    const { webhook, secret } = await subscribe({ app, key }, ['api_key.*']);
    const elsewhere = await WebhookReceiver.start();
    try {
      await subscribe({ app, key }, ['import.*'], elsewhere.url);
      const apiKey = await makeKeyEvent({ app, key }, 'delivered-once');
      await receiver.waitFor(() => deliveriesNamed('delivered-once').length === 1);
      const [delivery] = deliveriesNamed('delivered-once');
      expect(new Verifier(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({
        type: 'api_key.created',
        data: { apiKey: { id: apiKey.id, name: 'delivered-once', scopes: ['records:read'] } },
      });
      expect(delivery!.body).not.toContain(apiKey.plaintextKey);
      await new Promise((r) => setTimeout(r, 500));
      expect(deliveriesNamed('delivered-once')).toHaveLength(1);
      expect(elsewhere.ofType('api_key.created')).toHaveLength(0);
      const logs = await execute(app.url, WebhookLogsDocument, { webhookId: webhook.id, success: true }, { key });
      expect(logs.data!.webhookLogs.nodes.some((n) => n.messageId === delivery!.headers['webhook-id'])).toBe(true);
      const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
      expect(read.data!.webhook.lastTriggeredAt).not.toBeNull();
    } finally {
      await elsewhere.close();
    }
  });

  test('failed attempts are retried with the same webhook-id until one succeeds', async ({ app, key }) => {
    const flaky = await WebhookReceiver.start();
    try {
      let failures = 0;
      flaky.behaviour = (n) => {
        if (failures < 3) {
          failures += 1;
          return n === 0 ? { status: 500 } : n === 1 ? { reset: true } : { status: 200, delayMs: 3000 };
        }
        return { status: 204 };
      };
      const { webhook, secret } = await subscribe({ app, key }, ['api_key.created'], flaky.url);
      await makeKeyEvent({ app, key }, 'retried');
      await flaky.waitFor(() => flaky.received.length >= 4, 20_000);
      const ids = new Set(flaky.received.map((d) => d.headers['webhook-id']));
      expect(ids.size).toBe(1);
      for (const d of flaky.received) expect(() => new Verifier(secret).verify(d.body, d.headers)).not.toThrow();
      // The fourth attempt is logged once its answer is recorded, just after it arrived.
      const logs = await eventually(async () => {
        const read = await execute(app.url, WebhookLogsDocument, { webhookId: webhook.id, first: 10 }, { key });
        return read.data!.webhookLogs.nodes.length >= 4 && read;
      });
      const attempts = logs.data!.webhookLogs.nodes.slice().reverse();
      expect(attempts.map((a) => [a.attempt, a.success, a.responseStatus])).toEqual([
        [1, false, 500],
        [2, false, null],
        [3, false, null],
        [4, true, 204],
      ]);
      expect(attempts[1]!.error).toMatch(/^reset/);
      expect(attempts[2]!.error).toMatch(/^timeout/);
      const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
      expect(read.data!.webhook).toMatchObject({ failureCount: 0, failingSince: null, status: 'ACTIVE' });
    } finally {
      await flaky.close();
    }
  });

  test('a redirect is a failure and is not followed', async ({ app, key }) => {
    const mover = await WebhookReceiver.start();
    const target = await WebhookReceiver.start();
    try {
      mover.behaviour = () => ({ status: 301, headers: { location: target.url } });
      const { webhook } = await subscribe({ app, key }, ['api_key.created'], mover.url);
      await makeKeyEvent({ app, key }, 'redirected');
      await mover.waitFor(() => mover.received.length >= 4, 20_000);
      expect(target.received).toHaveLength(0);
      const logs = await execute(app.url, WebhookLogsDocument, { webhookId: webhook.id }, { key });
      expect(logs.data!.webhookLogs.nodes[0]).toMatchObject({ success: false, responseStatus: 301, error: expect.stringMatching(/not followed/) });
    } finally {
      await mover.close();
      await target.close();
    }
  });

  test('410 Gone disables the endpoint at once and tells the other endpoints', async ({ app, key }) => {
    const gone = await WebhookReceiver.start();
    try {
      gone.behaviour = () => ({ status: 410 });
      const watcher = await subscribe({ app, key }, ['webhook.disabled']);
      const { webhook } = await subscribe({ app, key }, ['api_key.created'], gone.url);
      await makeKeyEvent({ app, key }, 'gone');
      await receiver.waitFor(() => receiver.ofType('webhook.disabled').some((d) => d.json.data['webhookId'] === webhook.id));
      expect(gone.received).toHaveLength(1);
      const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
      expect(read.data!.webhook).toMatchObject({ status: 'DISABLED', disabledReason: expect.stringMatching(/410/) });
      expect(watcher.webhook.status).toBe('ACTIVE');
      // A disabled endpoint receives nothing more, and cannot be recovered until enabled again.
      await makeKeyEvent({ app, key }, 'after-gone');
      await new Promise((r) => setTimeout(r, 500));
      expect(gone.received).toHaveLength(1);
      const recover = await execute(app.url, RecoverWebhookDocument, { id: webhook.id, since: new Date(Date.now() - 60_000).toISOString() }, { key });
      expect(codes(recover)).toEqual(['CONFLICT']);
      const enabled = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { isActive: true } }, { key });
      expect(enabled.data!.updateWebhook).toMatchObject({ status: 'ACTIVE', disabledReason: null, failureCount: 0 });
    } finally {
      await gone.close();
    }
  });

  test('an endpoint failing for longer than the limit is disabled', async ({ app, key }) => {
    const down = await WebhookReceiver.start();
    try {
      down.behaviour = () => ({ status: 503 });
      const { webhook } = await subscribe({ app, key }, ['api_key.created'], down.url);
      // Five days of failures, compressed: the endpoint has been failing since six days ago.
      await app.app.services.pool.query('UPDATE webhooks SET failing_since = NOW(3) - INTERVAL 6 DAY, failure_count = 40 WHERE id = ?', [webhook.id]);
      await makeKeyEvent({ app, key }, 'too-long');
      await down.waitFor(() => down.received.length === 1);
      let status = '';
      for (let i = 0; i < 100 && status !== 'DISABLED'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await execute(app.url, WebhookDocument, { id: webhook.id }, { key })).data!.webhook.status;
      }
      expect(status).toBe('DISABLED');
      const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
      expect(read.data!.webhook).toMatchObject({ failureCount: 41, disabledReason: expect.stringMatching(/failed for 14\d hours/) });
    } finally {
      await down.close();
    }
  });

  test('recoverWebhook re-sends what failed during an outage; redeliver sends one message again', async ({ app, key }) => {
    const outage = await WebhookReceiver.start();
    try {
      outage.behaviour = () => ({ status: 502 });
      const since = new Date(Date.now() - 1000).toISOString();
      const { webhook, secret } = await subscribe({ app, key }, ['api_key.created'], outage.url);
      await makeKeyEvent({ app, key }, 'outage-1');
      await makeKeyEvent({ app, key }, 'outage-2');
      // Four attempts each (the schedule of this file), then the deliveries are failed.
      await outage.waitFor(() => outage.received.length >= 8, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      outage.behaviour = () => ({ status: 200 });
      const before = outage.received.length;
      const recovered = await execute(app.url, RecoverWebhookDocument, { id: webhook.id, since }, { key });
      expect(recovered.data!.recoverWebhook).toBe(2);
      await outage.waitFor(() => outage.received.length === before + 2);
      const names = outage.received.slice(before).map((d) => ((new Verifier(secret).verify(d.body, d.headers) as { data: { apiKey: { name: string } } }).data.apiKey.name));
      expect(names.sort()).toEqual(['outage-1', 'outage-2']);
      // Nothing failed is left, so a second recovery sends nothing.
      const again = await execute(app.url, RecoverWebhookDocument, { id: webhook.id, since }, { key });
      expect(again.data!.recoverWebhook).toBe(0);

      const messageId = outage.received.at(-1)!.headers['webhook-id']!;
      const redelivered = await execute(app.url, RedeliverWebhookMessageDocument, { webhookId: webhook.id, messageId }, { key });
      expect(redelivered.errors).toBeUndefined();
      await outage.waitFor(() => outage.received.length === before + 3);
      expect(outage.received.at(-1)!.headers['webhook-id']).toBe(messageId);
      const unknown = await execute(app.url, RedeliverWebhookMessageDocument, { webhookId: webhook.id, messageId: 'msg_nope' }, { key });
      expect(codes(unknown)).toEqual(['NOT_FOUND']);
      const future = await execute(app.url, RecoverWebhookDocument, { id: webhook.id, since: new Date(Date.now() + 3_600_000).toISOString() }, { key });
      expect(codes(future)).toEqual(['BAD_USER_INPUT']);
    } finally {
      await outage.close();
    }
  });

  test('after a secret rotation both secrets verify during the overlap, then only the new one', async ({ app, key }) => {
    const { webhook, secret: oldSecret } = await subscribe({ app, key }, ['api_key.revoked']);
    const rotated = await execute(app.url, RotateWebhookSecretDocument, { id: webhook.id, overlapSeconds: 3600 }, { key });
    const newSecret = rotated.data!.rotateWebhookSecret.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.data!.rotateWebhookSecret.webhook.previousSecretExpiresAt).not.toBeNull();
    const made = await makeKeyEvent({ app, key }, 'to-revoke');
    await execute(app.url, RevokeApiKeyDocument, { id: made.id }, { key });
    await receiver.waitFor(() => receiver.ofType('api_key.revoked').some((d) => (d.json.data['apiKey'] as { id: string }).id === made.id));
    const delivery = receiver.ofType('api_key.revoked').find((d) => (d.json.data['apiKey'] as { id: string }).id === made.id)!;
    expect(() => new Verifier(oldSecret).verify(delivery.body, delivery.headers)).not.toThrow();
    expect(() => new Verifier(newSecret).verify(delivery.body, delivery.headers)).not.toThrow();

    const immediate = await execute(app.url, RotateWebhookSecretDocument, { id: webhook.id, overlapSeconds: 0 }, { key });
    const latest = immediate.data!.rotateWebhookSecret.secret;
    const sent = await execute(app.url, TestWebhookDocument, { id: webhook.id }, { key });
    const test = receiver.received.find((d) => d.headers['webhook-id'] === sent.data!.testWebhook.messageId)!;
    expect(() => new Verifier(latest).verify(test.body, test.headers)).not.toThrow();
    expect(() => new Verifier(newSecret).verify(test.body, test.headers)).toThrow();
    const bad = await execute(app.url, RotateWebhookSecretDocument, { id: webhook.id, overlapSeconds: -1 }, { key });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  test('a deleted webhook receives nothing more', async ({ app, key }) => {
    const removed = await WebhookReceiver.start();
    try {
      const { webhook } = await subscribe({ app, key }, ['api_key.created'], removed.url);
      const deleted = await execute(app.url, DeleteWebhookDocument, { id: webhook.id }, { key });
      expect(deleted.data!.deleteWebhook).toBe(webhook.id);
      await makeKeyEvent({ app, key }, 'after-delete');
      await receiver.waitFor(() => true);
      await new Promise((r) => setTimeout(r, 600));
      expect(removed.received).toHaveLength(0);
      const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
      expect(codes(read)).toEqual(['NOT_FOUND']);
    } finally {
      await removed.close();
    }
  });

  test('a finished import and a finished export reach their subscribers with their counts', async ({ app, key }) => {
    const jobs = await WebhookReceiver.start();
    try {
      await subscribe({ app, key }, ['import.*', 'export.completed'], jobs.url);
      const csv = 'Vendor Code,Name,Email\nV1,Acme,ap@acme.test\nV2,Beta,not-an-email\nV3,Gamma,\n';
      const created = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'vendors.csv', content: csv }, { key });
      const importId = created.data!.createImport.importJob.id;
      await execute(app.url, ExecuteImportDocument, { id: importId }, { key });
      await jobs.waitFor(() => jobs.ofType('import.completed').length === 1, 30_000);
      expect(jobs.ofType('import.completed')[0]!.json.data).toMatchObject({ importJobId: importId, importType: 'vendors', fileName: 'vendors.csv', totalRows: 3, insertedRows: 2, updatedRows: 0, failedRows: 1 });
      const exported = await execute(app.url, CreateExportDocument, { type: 'VENDORS', format: 'CSV' }, { key });
      const exportId = exported.data!.createExport.id;
      await jobs.waitFor(() => jobs.ofType('export.completed').length === 1, 30_000);
      expect(jobs.ofType('export.completed')[0]!.json.data).toMatchObject({ exportJobId: exportId, entityType: 'vendors', format: 'csv', rowCount: 2 });
    } finally {
      await jobs.close();
    }
  });

  test('an import writes vendor.created and vendor.updated events for a subscriber, and none without one', async ({ app, org, key }) => {
    const records = await WebhookReceiver.start();
    try {
      const run = async (csv: string, name: string) => {
        const created = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name, content: csv }, { key });
        const id = created.data!.createImport.importJob.id;
        await execute(app.url, ExecuteImportDocument, { id }, { key });
        await eventually(async () => {
          const [rows] = await app.app.services.pool.query('SELECT status FROM import_jobs WHERE id = ?', [id]);
          return (rows as Array<{ status: string }>)[0]!.status === 'completed';
        });
        return id;
      };
      const countEvents = async () => {
        const [rows] = await app.app.services.pool.query("SELECT COUNT(*) AS n FROM outbox_events WHERE organization_id = ? AND event_type LIKE 'vendor.%'", [org.id]);
        return Number((rows as Array<{ n: number }>)[0]!.n);
      };
      // Nobody subscribes yet: the import writes no record events at all.
      await run('Origin ID,Vendor Code,Name\nERP-0,V0,Zero\n', 'none.csv');
      expect(await countEvents()).toBe(0);

      await subscribe({ app, key }, ['vendor.*'], records.url, { recordEvents: 'EACH' });
      await run('Origin ID,Vendor Code,Name\nERP-1,V1,Acme\nERP-2,V2,Beta\nERP-3,V3,\n', 'first.csv');
      await records.waitFor(() => records.ofType('vendor.created').length === 2, 30_000);
      const createdEvents = records.ofType('vendor.created').map((d) => d.json.data);
      expect(createdEvents.map((d) => d['originId']).sort()).toEqual(['ERP-1', 'ERP-2']);
      expect(createdEvents.find((d) => d['originId'] === 'ERP-1')).toMatchObject({ id: expect.stringMatching(/^\d+$/), projectId: null, record: { code: 'V1', name: 'Acme' } });

      await run('Origin ID,Vendor Code,Name\nERP-1,V1,Acme Concrete\nERP-4,V4,Delta\n', 'second.csv');
      await records.waitFor(() => records.ofType('vendor.updated').length === 1 && records.ofType('vendor.created').length === 3, 30_000);
      expect(records.ofType('vendor.updated')[0]!.json.data).toMatchObject({ originId: 'ERP-1', record: { name: 'Acme Concrete' } });
      expect(records.ofType('vendor.updated')[0]!.json.data['id']).toBe(createdEvents.find((d) => d['originId'] === 'ERP-1')!['id']);
    } finally {
      await records.close();
    }
  });

  test('recordEvents BATCH (the default) sends an import chunk as one message, SUMMARY only the end of the import', async ({ app, key }) => {
    const batched = await WebhookReceiver.start();
    const summary = await WebhookReceiver.start();
    try {
      const byDefault = await subscribe({ app, key }, ['vendor.created'], batched.url);
      expect(byDefault.webhook.recordEvents).toBe('BATCH');
      const summarised = await subscribe({ app, key }, ['vendor.*'], summary.url, { recordEvents: 'SUMMARY' });
      expect(summarised.webhook.recordEvents).toBe('SUMMARY');
      const rows = Array.from({ length: 30 }, (_, i) => `B-${i},BV${i},Vendor ${i}`).join('\n');
      const created = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'batch.csv', content: `Origin ID,Vendor Code,Name\n${rows}\n` }, { key });
      const importId = created.data!.createImport.importJob.id;
      await execute(app.url, ExecuteImportDocument, { id: importId }, { key });
      await summary.waitFor(() => summary.ofType('import.completed').length === 1, 30_000);
      await batched.waitFor(() => batched.ofType('vendor.created.batch').reduce((n, d) => n + Number(d.json.data['count']), 0) === 30, 30_000);
      const messages = batched.ofType('vendor.created.batch');
      expect(messages).toHaveLength(1);
      expect(new Verifier(byDefault.secret).verify(messages[0]!.body, messages[0]!.headers)).toMatchObject({ type: 'vendor.created.batch' });
      const records = messages[0]!.json.data['records'] as Array<{ originId: string; record: { code: string } }>;
      expect(records.map((r) => r.originId).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `B-${i}`).sort());
      expect(records.find((r) => r.originId === 'B-7')!.record.code).toBe('BV7');
      expect(batched.ofType('vendor.created')).toHaveLength(0);
      expect(summary.ofType('import.completed')[0]!.json.data).toMatchObject({ importJobId: importId, insertedRows: 30 });
      await new Promise((r) => setTimeout(r, 300));
      expect(summary.received).toHaveLength(1);
      // The logged attempt keeps the batch's data, and the message can be sent again.
      const logs = await execute(app.url, WebhookLogsDocument, { webhookId: byDefault.webhook.id }, { key });
      expect(logs.data!.webhookLogs.nodes[0]).toMatchObject({ eventType: 'vendor.created.batch', success: true, payload: { count: 30 } });
    } finally {
      await batched.close();
      await summary.close();
    }
  });

  test('recordEvents: changed by updateWebhook; bad values, no credentials and other organizations refused', async ({ app, key }) => {
    const { webhook } = await subscribe({ app, key }, ['vendor.*']);
    const changed = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { recordEvents: 'EACH' } }, { key });
    expect(changed.data!.updateWebhook.recordEvents).toBe('EACH');
    const bad = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { recordEvents: 'ALL' as WebhookRecordEvents } }, { key });
    expect(bad.errors?.length).toBeGreaterThan(0);
    expect(bad.data ?? null).toBeNull();
    const badCreate = await execute(app.url, CreateWebhookDocument, { input: { name: 'x', url: receiver.url, events: ['vendor.*'], recordEvents: 'ALL' as WebhookRecordEvents } }, { key });
    expect(badCreate.errors?.length).toBeGreaterThan(0);
    const anonymous = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { recordEvents: 'SUMMARY' } });
    expect(anonymous.status).toBe(401);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    const foreign = await execute(app.url, UpdateWebhookDocument, { id: webhook.id, input: { recordEvents: 'SUMMARY' } }, { key: otherKey });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);
    const read = await execute(app.url, WebhookDocument, { id: webhook.id }, { key });
    expect(read.data!.webhook.recordEvents).toBe('EACH');
  });

  test('maxDeliveriesPerSecond spreads an endpoint\'s deliveries over time and loses none', async ({ app, key }) => {
    const paced = await WebhookReceiver.start();
    try {
      const res = await execute(app.url, CreateWebhookDocument, { input: { name: 'paced', url: paced.url, events: ['api_key.created'], maxDeliveriesPerSecond: 2 } }, { key });
      expect(res.data!.createWebhook.webhook.maxDeliveriesPerSecond).toBe(2);
      for (let i = 0; i < 6; i += 1) await makeKeyEvent({ app, key }, `paced-${i}`);
      await paced.waitFor(() => paced.received.length === 6, 25_000);
      expect(new Set(paced.received.map((d) => d.headers['webhook-id'])).size).toBe(6);
      // Six deliveries at two a second need at least three one-second windows.
      const times = paced.received.map((d) => d.at);
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1000);

      const cleared = await execute(app.url, UpdateWebhookDocument, { id: res.data!.createWebhook.webhook.id, input: { maxDeliveriesPerSecond: 0 } }, { key });
      expect(cleared.data!.updateWebhook.maxDeliveriesPerSecond).toBeNull();
      const bad = await execute(app.url, UpdateWebhookDocument, { id: res.data!.createWebhook.webhook.id, input: { maxDeliveriesPerSecond: -3 } }, { key });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    } finally {
      await paced.close();
    }
  }, 40_000);
});
