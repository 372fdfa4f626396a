import { randomBytes } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import type { TestApp } from '../../../test/support/test-app.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import { integrationConnections } from '../integrations/index.js';
import { autodeskSignature } from './callbacks.autodesk.js';
import type { CallbackProvider } from './callbacks.protocol.js';
import { quickbooksSignature } from './callbacks.quickbooks.js';
import { sealCallbackSecret } from './callbacks.secrets.js';
import { maintainCallbacks, processCallback } from './callbacks.service.js';

const ENCRYPTION_KEY = randomBytes(32).toString('base64');
const BODY_LIMIT = 16 * 1024;
const test = appFixtures({ ENCRYPTION_KEY, CALLBACK_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
const box = new SecretBox(Buffer.from(ENCRYPTION_KEY, 'base64'));

const TYPES: Record<CallbackProvider, string> = { quickbooks: 'quickbooks', msgraph: 'microsoft_graph', autodesk: 'autodesk' };

/** A connection of `organizationId` whose callback secret is `secret`, stored sealed as a connector would. */
async function connect(app: TestApp, organizationId: number, provider: CallbackProvider, secret: string, options: { active?: boolean; type?: string } = {}) {
  const [row] = await app.app.services.db
    .insert(integrationConnections)
    .values({
      organizationId,
      integrationType: options.type ?? TYPES[provider],
      name: `${provider} connection`,
      credentials: { accessToken: box.seal('provider-access-token'), ...sealCallbackSecret(box, provider, secret) },
      isActive: options.active ?? true,
    })
    .$returningId();
  return row!.id;
}

function base(app: TestApp) {
  return app.url.replace(/\/graphql$/, '');
}

async function post(app: TestApp, path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${base(app)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // text/plain answers (the Graph handshake)
  }
  return { status: res.status, headers: res.headers, text, json: json as { received?: boolean; duplicate?: boolean; error?: { code: string; message: string } } };
}

async function rows(app: TestApp, connectionId: number) {
  const [result] = await app.app.services.pool.query<RowDataPacket[]>(
    'SELECT id, organization_id, provider, status, dedupe_key, events, changes, payload, replay_count, attempts, delivery_id FROM inbound_callbacks WHERE connection_id = ? ORDER BY id',
    [connectionId],
  );
  return result;
}

/** Polls until the callback is processed by the app's worker (the job runs asynchronously). */
async function processed(app: TestApp, connectionId: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await rows(app, connectionId);
    if (found.length > 0 && found.every((r) => r['status'] === 'processed')) return found;
    if (Date.now() > deadline) throw new Error(`callbacks of connection ${connectionId} not processed: ${JSON.stringify(found.map((r): unknown => r['status']))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function jobsFor(app: TestApp, callbackId: number) {
  const jobs: unknown[] = await app.app.services.boss.findJobs('callbacks.process', { data: { callbackId: Number(callbackId) } });
  return jobs;
}

async function rejections(app: TestApp) {
  const [result] = await app.app.services.pool.query<RowDataPacket[]>('SELECT organization_id, connection_id, provider, reason, count FROM inbound_callback_rejections');
  return result;
}

async function stillUp(app: TestApp) {
  expect((await fetch(`${base(app)}/healthz`)).status).toBe(200);
}

function cloudEvent(id: string, type = 'qbo.invoice.created.v1', entityId = '130') {
  return { specversion: '1.0', id, source: 'intuit.abc', type, datacontenttype: 'application/json', time: '2026-05-10T21:31:25.179Z', intuitentityid: entityId, intuitaccountid: '9341453', data: {} };
}

describe('QuickBooks callbacks', () => {
  test('a CloudEvents callback signed with the verifier token is accepted, recorded and processed', async ({ app, org }) => {
    const token = 'qbo-verifier-token-1';
    const id = await connect(app, org.id, 'quickbooks', token);
    const body = JSON.stringify([cloudEvent('ce-1'), cloudEvent('ce-2', 'qbo.vendor.updated.v1', '56')]);
    const res = await post(app, `/hooks/quickbooks/${id}`, body, { 'intuit-signature': quickbooksSignature(body, token) });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ received: true, duplicate: false });
    const [row] = await processed(app, id);
    expect(row).toMatchObject({ organization_id: org.id, provider: 'quickbooks', status: 'processed', replay_count: 0, attempts: 1 });
    expect(row!['dedupe_key']).toMatch(/^ids:[0-9a-f]{64}$/);
    expect(row!['changes']).toEqual([
      { entity: 'invoice', entityId: '130', operation: 'Create', resource: null, account: '9341453' },
      { entity: 'vendor', entityId: '56', operation: 'Update', resource: null, account: '9341453' },
    ]);
    expect(await jobsFor(app, row!['id'] as number)).toHaveLength(1);
  });

  test('a legacy eventNotifications callback is accepted and its entities recorded', async ({ app, org }) => {
    const token = 'qbo-verifier-token-legacy';
    const id = await connect(app, org.id, 'quickbooks', token);
    const body = JSON.stringify({
      eventNotifications: [{ realmId: '1185883450', dataChangeEvent: { entities: [{ name: 'Customer', id: '1', operation: 'Create', lastUpdated: '2026-01-15T15:05:00-0700' }, { name: 'Vendor', id: '3', operation: 'Delete', lastUpdated: '2026-01-15T15:05:00-0700' }] } }],
    });
    const res = await post(app, `/hooks/quickbooks/${id}`, body, { 'intuit-signature': quickbooksSignature(body, token) });
    expect(res.status).toBe(200);
    const [row] = await processed(app, id);
    expect(row!['dedupe_key']).toMatch(/^body:[0-9a-f]{64}$/);
    expect(row!['changes']).toEqual([
      { entity: 'Customer', entityId: '1', operation: 'Create', resource: null, account: '1185883450' },
      { entity: 'Vendor', entityId: '3', operation: 'Delete', resource: null, account: '1185883450' },
    ]);
    expect(row!['payload']).toEqual(JSON.parse(body));
  });

  test('unsigned, badly signed, misdirected and unknown-connection callbacks get 401 and record nothing', async ({ app, org }) => {
    const token = 'qbo-verifier-token-2';
    const id = await connect(app, org.id, 'quickbooks', token);
    const other = await app.createOrganization();
    const otherId = await connect(app, other.id, 'quickbooks', 'the-other-organizations-token');
    const inactiveId = await connect(app, org.id, 'quickbooks', token, { active: false });
    const autodeskId = await connect(app, org.id, 'autodesk', token);
    const body = JSON.stringify([cloudEvent('ce-reject')]);
    const good = quickbooksSignature(body, token);
    const cases: Array<[string, string, Record<string, string>]> = [
      ['bad signature', `/hooks/quickbooks/${id}`, { 'intuit-signature': quickbooksSignature(body, 'not-the-token') }],
      ['missing signature', `/hooks/quickbooks/${id}`, {}],
      ['garbage signature', `/hooks/quickbooks/${id}`, { 'intuit-signature': 'not base64 at all' }],
      ['signature over another body', `/hooks/quickbooks/${id}`, { 'intuit-signature': quickbooksSignature(JSON.stringify([cloudEvent('ce-other')]), token) }],
      ['unknown connection', `/hooks/quickbooks/987654321`, { 'intuit-signature': good }],
      ['malformed connection id', `/hooks/quickbooks/abc`, { 'intuit-signature': good }],
      ['another organization’s connection', `/hooks/quickbooks/${otherId}`, { 'intuit-signature': good }],
      ['inactive connection', `/hooks/quickbooks/${inactiveId}`, { 'intuit-signature': good }],
      ['connection of another provider', `/hooks/quickbooks/${autodeskId}`, { 'intuit-signature': good }],
    ];
    for (const [label, path, headers] of cases) {
      const res = await post(app, path, body, headers);
      expect(res.status, label).toBe(401);
      expect(res.json, label).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'The callback could not be verified' } });
      expect(res.text, label).not.toContain(token);
    }
    for (const connectionId of [id, otherId, inactiveId, autodeskId]) expect(await rows(app, connectionId)).toEqual([]);
    const counted = await rejections(app);
    const count = (connectionId: number, reason: string) => counted.filter((r) => r['connection_id'] === connectionId && r['reason'] === reason).reduce((n, r) => n + Number(r['count']), 0);
    expect(count(id, 'bad_signature')).toBe(3);
    expect(count(id, 'missing_signature')).toBe(1);
    expect(count(0, 'unknown_connection')).toBeGreaterThanOrEqual(2);
    expect(count(otherId, 'bad_signature')).toBe(1);
    expect(counted.find((r) => r['connection_id'] === otherId)).toMatchObject({ organization_id: other.id });
    expect(count(inactiveId, 'inactive_connection')).toBe(1);
    expect(count(autodeskId, 'wrong_provider')).toBe(1);
    // Still up, and the genuine callback goes through.
    await stillUp(app);
    expect((await post(app, `/hooks/quickbooks/${id}`, body, { 'intuit-signature': good })).status).toBe(200);
  });

  test('a replay is answered 200 and processed once', async ({ app, org }) => {
    const token = 'qbo-verifier-token-3';
    const id = await connect(app, org.id, 'quickbooks', token);
    const body = JSON.stringify([cloudEvent('ce-replayed')]);
    const headers = { 'intuit-signature': quickbooksSignature(body, token) };
    expect((await post(app, `/hooks/quickbooks/${id}`, body, headers)).json).toEqual({ received: true, duplicate: false });
    await processed(app, id);
    const again = await post(app, `/hooks/quickbooks/${id}`, body, headers);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ received: true, duplicate: true });
    // The same CloudEvent id in a differently formatted envelope is the same event.
    const reformatted = JSON.stringify([cloudEvent('ce-replayed')], null, 2);
    expect((await post(app, `/hooks/quickbooks/${id}`, reformatted, { 'intuit-signature': quickbooksSignature(reformatted, token) })).json).toEqual({ received: true, duplicate: true });
    const [row, ...more] = await rows(app, id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ dedupe_key: 'id:ce-replayed', status: 'processed', replay_count: 2, attempts: 1 });
    expect(await jobsFor(app, row!['id'] as number)).toHaveLength(1);
  });

  test('identical deliveries arriving together are recorded and enqueued once', async ({ app, org }) => {
    const token = 'qbo-verifier-token-race';
    const id = await connect(app, org.id, 'quickbooks', token);
    const body = JSON.stringify([cloudEvent('ce-raced')]);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(app, `/hooks/quickbooks/${id}`, body, { 'intuit-signature': quickbooksSignature(body, token) })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.json.duplicate === false)).toHaveLength(1);
    const [row, ...more] = await processed(app, id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ replay_count: 5, attempts: 1 });
    expect(await jobsFor(app, row!['id'] as number)).toHaveLength(1);
  });

  test('malformed JSON gets 400 once signed, 401 when not; an oversized body 413', async ({ app, org }) => {
    const token = 'qbo-verifier-token-4';
    const id = await connect(app, org.id, 'quickbooks', token);
    const broken = '[{"specversion": "1.0", "id": ';
    const signed = await post(app, `/hooks/quickbooks/${id}`, broken, { 'intuit-signature': quickbooksSignature(broken, token) });
    expect(signed.status).toBe(400);
    expect(signed.json).toEqual({ error: { code: 'BAD_USER_INPUT', message: 'The body is not valid JSON' } });
    expect((await post(app, `/hooks/quickbooks/${id}`, broken, { 'intuit-signature': quickbooksSignature(broken, 'wrong') })).status).toBe(401);
    const wrongShape = JSON.stringify({ hello: 'world' });
    expect((await post(app, `/hooks/quickbooks/${id}`, wrongShape, { 'intuit-signature': quickbooksSignature(wrongShape, token) })).status).toBe(400);
    const huge = JSON.stringify([cloudEvent('x'.repeat(BODY_LIMIT))]);
    const tooLarge = await post(app, `/hooks/quickbooks/${id}`, huge, { 'intuit-signature': quickbooksSignature(huge, token) }).catch(() => null);
    // The server may close the socket before the whole body is sent; either way nothing is recorded.
    if (tooLarge) {
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
    }
    expect(await rows(app, id)).toEqual([]);
    await stillUp(app);
  });

  test('an unknown provider is 404', async ({ app }) => {
    const res = await post(app, '/hooks/sage/1', '{}');
    expect(res.status).toBe(404);
    expect(res.json.error?.code).toBe('NOT_FOUND');
  });
});

describe('Microsoft Graph callbacks', () => {
  const notification = (clientState: string | undefined, id: string) => ({
    subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07',
    subscriptionExpirationDateTime: '2026-12-01T11:00:00.0000000Z',
    changeType: 'created',
    resource: `Users/24a0f4b1/Messages/${id}`,
    resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': `Users/24a0f4b1/Messages/${id}`, id },
    ...(clientState === undefined ? {} : { clientState }),
    tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
  });

  test('the subscription handshake echoes the URL-decoded token as text/plain', async ({ app, org }) => {
    const id = await connect(app, org.id, 'msgraph', 'client-state-secret');
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 25b4&x=<b>';
    const res = await fetch(`${base(app)}/hooks/msgraph/${id}?validationToken=${encodeURIComponent(token)}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(token);
    expect(await rows(app, id)).toEqual([]);
    // Answered before any lookup, alike for every id: the handshake tells nothing about which ids exist.
    const unknown = await fetch(`${base(app)}/hooks/msgraph/987654321?validationToken=abc`, { method: 'POST' });
    expect([unknown.status, await unknown.text()]).toEqual([200, 'abc']);
    const twice = await fetch(`${base(app)}/hooks/msgraph/${id}?validationToken=a&validationToken=b`, { method: 'POST' });
    expect(twice.status).toBe(400);
  });

  test('notifications whose every clientState matches are accepted with 202 and processed', async ({ app, org }) => {
    const clientState = 'graph-client-state-1';
    const id = await connect(app, org.id, 'msgraph', clientState);
    const body = JSON.stringify({ value: [notification(clientState, 'AAMkA1'), notification(clientState, 'AAMkA2')] });
    const res = await post(app, `/hooks/msgraph/${id}`, body);
    expect(res.status).toBe(202);
    const [row] = await processed(app, id);
    expect(row!['changes']).toEqual([
      { entity: '#Microsoft.Graph.Message', entityId: 'AAMkA1', operation: 'created', resource: 'Users/24a0f4b1/Messages/AAMkA1', account: '84bd8158-6d4d-4958-8b9f-9d6445542f95' },
      { entity: '#Microsoft.Graph.Message', entityId: 'AAMkA2', operation: 'created', resource: 'Users/24a0f4b1/Messages/AAMkA2', account: '84bd8158-6d4d-4958-8b9f-9d6445542f95' },
    ]);
    const again = await post(app, `/hooks/msgraph/${id}`, body);
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ received: true, duplicate: true });
    expect(await rows(app, id)).toHaveLength(1);
    expect(await jobsFor(app, row!['id'] as number)).toHaveLength(1);
  });

  test('a batch with one wrong or missing clientState is refused whole; malformed JSON is 400', async ({ app, org }) => {
    const clientState = 'graph-client-state-2';
    const id = await connect(app, org.id, 'msgraph', clientState);
    const other = await app.createOrganization();
    const otherId = await connect(app, other.id, 'msgraph', 'other-client-state');
    const cases: Array<[string, string, unknown]> = [
      ['one wrong item', `/hooks/msgraph/${id}`, { value: [notification(clientState, 'A'), notification('forged', 'B')] }],
      ['one item without clientState', `/hooks/msgraph/${id}`, { value: [notification(clientState, 'A'), notification(undefined, 'B')] }],
      ['unknown connection', '/hooks/msgraph/987654321', { value: [notification(clientState, 'A')] }],
      ['another organization’s connection', `/hooks/msgraph/${otherId}`, { value: [notification(clientState, 'A')] }],
    ];
    for (const [label, path, body] of cases) {
      const res = await post(app, path, JSON.stringify(body));
      expect(res.status, label).toBe(401);
      expect(res.json.error?.code, label).toBe('UNAUTHENTICATED');
    }
    expect((await post(app, `/hooks/msgraph/${id}`, '{"value": [')).status).toBe(400);
    expect((await post(app, `/hooks/msgraph/${id}`, '{"value": []}')).status).toBe(400);
    expect(await rows(app, id)).toEqual([]);
    expect(await rows(app, otherId)).toEqual([]);
    await stillUp(app);
  });

  test('an outlook connection receives Graph notifications too', async ({ app, org }) => {
    const id = await connect(app, org.id, 'msgraph', 'outlook-state', { type: 'outlook' });
    const res = await post(app, `/hooks/msgraph/${id}`, JSON.stringify({ value: [{ ...notification('outlook-state', 'X'), changeType: undefined, lifecycleEvent: 'reauthorizationRequired' }] }));
    expect(res.status).toBe(202);
    const [row] = await processed(app, id);
    expect(row!['changes']).toMatchObject([{ operation: 'reauthorizationRequired' }]);
  });
});

describe('Autodesk callbacks', () => {
  const callback = (urn: string) => ({
    version: '1.0',
    resourceUrn: urn,
    hook: { system: 'data', event: 'dm.version.added', hookId: '1fcd3e30-9f3f-11e7-951f-0fd5337ed5ce', tenant: 'urn:adsk.wipprod:fs.folder:co.s424', status: 'active' },
    payload: { ext: 'rvt', name: 'Tower.rvt', project: '4f8b8b74', lineageUrn: 'urn:adsk.wipprod:dm.lineage:53ZA' },
  });

  test('a callback signed with the secret token is accepted, recorded and processed', async ({ app, org }) => {
    const secret = 'autodesk-secret-token-with-32-characters!';
    const id = await connect(app, org.id, 'autodesk', secret);
    const body = JSON.stringify(callback('urn:adsk.wipprod:fs.file:vf.0zvd?version=1'));
    const res = await post(app, `/hooks/autodesk/${id}`, body, { 'x-adsk-signature': autodeskSignature(body, secret), 'x-adsk-delivery-id': 'd-123' });
    expect(res.status).toBe(200);
    const [row] = await processed(app, id);
    expect(row).toMatchObject({ delivery_id: 'd-123', status: 'processed' });
    expect(row!['changes']).toEqual([
      { entity: 'data', entityId: 'urn:adsk.wipprod:fs.file:vf.0zvd?version=1', operation: 'added', resource: 'urn:adsk.wipprod:fs.file:vf.0zvd?version=1', account: '1fcd3e30-9f3f-11e7-951f-0fd5337ed5ce' },
    ]);
    // Replayed (Autodesk gives no event id: the signed body decides), even with a new delivery id.
    const again = await post(app, `/hooks/autodesk/${id}`, body, { 'x-adsk-signature': autodeskSignature(body, secret), 'x-adsk-delivery-id': 'd-124' });
    expect(again.json).toEqual({ received: true, duplicate: true });
    expect(await rows(app, id)).toHaveLength(1);
  });

  test('bad, missing or misprefixed signatures get 401', async ({ app, org }) => {
    const secret = 'autodesk-secret-token-2';
    const id = await connect(app, org.id, 'autodesk', secret);
    const body = JSON.stringify(callback('urn:x'));
    const hex = autodeskSignature(body, secret).slice('sha1hash='.length);
    for (const headers of [{}, { 'x-adsk-signature': autodeskSignature(body, 'wrong') }, { 'x-adsk-signature': hex }, { 'x-adsk-signature': `sha256hash=${hex}` }]) {
      expect((await post(app, `/hooks/autodesk/${id}`, body, headers)).status).toBe(401);
    }
    expect(await rows(app, id)).toEqual([]);
    const broken = '{"hook": ';
    expect((await post(app, `/hooks/autodesk/${id}`, broken, { 'x-adsk-signature': autodeskSignature(broken, secret) })).status).toBe(400);
  });
});

describe('processing hand-off', () => {
  test('a provider handler gets the changes once; a failing one releases the callback for a retry', async ({ app, org }) => {
    const id = await connect(app, org.id, 'quickbooks', 'unused');
    // Recorded without a job, so only this test processes it.
    const [result] = await app.app.services.pool.query<ResultSetHeader>(
      `INSERT INTO inbound_callbacks (organization_id, connection_id, provider, dedupe_key, events, event_count, body_sha256, body_bytes, received_at)
       VALUES (?, ?, 'quickbooks', 'id:manual', ?, 1, REPEAT('0', 64), 2, NOW(3))`,
      [org.id, id, JSON.stringify([{ id: 'manual', type: 'qbo.bill.deleted.v1', entity: 'bill', entityId: '9', operation: 'Delete', resource: null, account: '1', occurredAt: null }])],
    );
    const callbackId = result.insertId;
    const { db, logger } = app.app.services;
    const seen: unknown[] = [];
    await expect(processCallback({ db, logger, handlers: { quickbooks: () => Promise.reject(new Error('provider down')) } }, callbackId)).rejects.toThrow('provider down');
    expect((await rows(app, id))[0]).toMatchObject({ status: 'received', attempts: 1 });
    const ok = { quickbooks: async (ctx: { changes: unknown[]; callback: { organizationId: number } }) => void seen.push({ org: ctx.callback.organizationId, changes: ctx.changes }) };
    expect(await processCallback({ db, logger, handlers: ok }, callbackId)).toBe('processed');
    expect(await processCallback({ db, logger, handlers: ok }, callbackId)).toBe('skipped');
    expect(seen).toEqual([{ org: org.id, changes: [{ entity: 'bill', entityId: '9', operation: 'Delete', resource: null, account: '1' }] }]);
    expect((await rows(app, id))[0]).toMatchObject({ status: 'processed', attempts: 2 });
  });
});

describe('maintenance', () => {
  test('re-sends the job of a callback left unqueued and prunes what is past retention', async ({ app, org }) => {
    const id = await connect(app, org.id, 'autodesk', 'unused');
    const { db, boss, logger, pool } = app.app.services;
    const event = JSON.stringify([{ id: null, type: 'dm.version.added', entity: 'data', entityId: 'urn:1', operation: 'added', resource: 'urn:1', account: 'h', occurredAt: null }]);
    const insert = (key: string, status: string, receivedAgoMs: number) =>
      pool.query<ResultSetHeader>(
        `INSERT INTO inbound_callbacks (organization_id, connection_id, provider, dedupe_key, status, events, event_count, body_sha256, body_bytes, received_at)
         VALUES (?, ?, 'autodesk', ?, ?, ?, 1, REPEAT('0', 64), 2, ?)`,
        [org.id, id, key, status, event, new Date(Date.now() - receivedAgoMs)],
      );
    // Recorded three minutes ago, but its job was never sent (queue unreachable at the time).
    const [lost] = await insert('body:lost', 'received', 3 * 60_000);
    const [old] = await insert('body:old', 'processed', 40 * 86_400_000);
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await pool.query('INSERT INTO inbound_callback_rejections (organization_id, connection_id, provider, reason, window_start, count, last_at) VALUES (0, 0, ?, ?, ?, 3, ?)', ['autodesk', 'unknown_connection', longAgo, longAgo]);
    const result = await maintainCallbacks({ db, boss, logger }, { bodyLimitBytes: BODY_LIMIT, retentionDays: 30 });
    expect(result).toEqual({ resent: 1, pruned: 1 });
    expect(await jobsFor(app, lost.insertId)).toHaveLength(1);
    const remaining = await processed(app, id);
    expect(remaining.map((r) => Number(r['id']))).toEqual([lost.insertId]);
    expect(remaining.map((r) => Number(r['id']))).not.toContain(old.insertId);
    expect((await rejections(app)).filter((r) => r['provider'] === 'autodesk' && r['connection_id'] === 0 && Number(r['count']) === 3)).toEqual([]);
  });
});
