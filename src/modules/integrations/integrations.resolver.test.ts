import type { RowDataPacket } from 'mysql2/promise';
import { afterAll } from 'vitest';
import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import { integrationConnections } from './integration-connections.table.js';
import { queueScheduledSyncs } from './integrations.service.js';
import { startQuickBooksSimulator } from '../../../test/simulators/quickbooks/server.js';
import { appFixtures, describe, expect } from '../../../test/support/fixtures.js';
import { authorizeInBrowser, connectQuickBooks, QBO_CLIENT, quickbooksEnv, syncAndWait, waitForSync } from '../../../test/support/quickbooks.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { subscribe, wsClient } from '../../../test/support/ws-client.js';
import {
  ConnectIntegrationDocument,
  CreateIntegrationDocument,
  CreateProjectDocument,
  DeleteIntegrationDocument,
  IntegrationConflictsDocument,
  IntegrationDocument,
  IntegrationsDocument,
  IntegrationSyncLogsDocument,
  IntegrationTypesDocument,
  SyncIntegrationDocument,
  SyncProgressDocument,
  UpdateIntegrationDocument,
} from '../../../test/generated/graphql.js';

const sim = await startQuickBooksSimulator({ clients: [QBO_CLIENT] });
const test = appFixtures(quickbooksEnv(sim));
afterAll(async () => {
  await sim.close();
});

type App = { url: string; wsUrl: string; createOrganization(): Promise<{ id: number }>; createKey(org: number, scopes?: string[]): Promise<{ plaintext: string }> };

async function create(app: App, key: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await execute(app.url, CreateIntegrationDocument, { input: { type: 'quickbooks', name: 'Books', ...extra } }, { key });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createIntegration.id;
}

/** A key of another organization, and keys of this one with only the read scope and with an unrelated scope. */
async function outsiders(app: App, organizationId: number) {
  const other = await app.createOrganization();
  return {
    otherKey: (await app.createKey(other.id)).plaintext,
    reader: (await app.createKey(organizationId, ['integrations:read'])).plaintext,
    unrelated: (await app.createKey(organizationId, ['records:read'])).plaintext,
  };
}

describe('integrations GraphQL', () => {
  test('integrationTypes lists QuickBooks with its capabilities and config schema', async ({ app, org, key }) => {
    const types = await execute(app.url, IntegrationTypesDocument, {}, { key });
    const quickbooks = types.data!.integrationTypes.find((t) => t.type === 'quickbooks');
    expect(quickbooks).toMatchObject({
      name: 'QuickBooks Online',
      auth: 'oauth2',
      capabilities: ['pull', 'push', 'full', 'incremental'],
      entityTypes: ['vendors', 'invoices', 'payments'],
      credentialFields: ['webhookVerifierToken'],
    });
    expect(quickbooks!.configSchema).toMatchObject({ type: 'object', properties: { expenseAccountId: expect.any(Object), customerId: expect.any(Object), itemId: expect.any(Object) } });
    expect((await execute(app.url, IntegrationTypesDocument, {})).status).toBe(401);
    const { unrelated } = await outsiders(app, org.id);
    expect(codes(await execute(app.url, IntegrationTypesDocument, {}, { key: unrelated }))).toEqual(['FORBIDDEN']);
  });

  test('create, read, list, update and delete; credentials are sealed and never returned', async ({ app, org, key }) => {
    const project = await execute(app.url, CreateProjectDocument, { input: { name: 'Tower', code: `T-${org.id}` } }, { key });
    const projectId = project.data!.createProject.id;
    const created = await execute(
      app.url,
      CreateIntegrationDocument,
      { input: { type: 'quickbooks', name: ' Books ', projectId, config: { expenseAccountId: '7' }, conflictPolicy: 'MANUAL', credentials: { webhookVerifierToken: 'secret-verifier' } } },
      { key },
    );
    const integration = created.data!.createIntegration;
    expect(integration).toMatchObject({ type: 'quickbooks', name: 'Books', projectId, config: { expenseAccountId: '7' }, conflictPolicy: 'MANUAL', authStatus: 'NOT_CONNECTED', credentialsSet: ['webhookVerifierToken'], isActive: true });
    expect(JSON.stringify(created)).not.toContain('secret-verifier');
    const [row] = (await app.app.services.pool.query<RowDataPacket[]>('SELECT credentials FROM integration_connections WHERE id = ?', [integration.id]))[0];
    expect(JSON.stringify(row!['credentials'])).not.toContain('secret-verifier');

    expect((await execute(app.url, IntegrationDocument, { id: integration.id }, { key })).data!.integration.id).toBe(integration.id);
    const second = await create(app, key);
    const page = await execute(app.url, IntegrationsDocument, { first: 1 }, { key });
    expect(page.data!.integrations.nodes.map((n) => n.id)).toEqual([second]);
    expect(page.data!.integrations.pageInfo.hasNextPage).toBe(true);
    const next = await execute(app.url, IntegrationsDocument, { first: 1, after: page.data!.integrations.pageInfo.endCursor }, { key });
    expect(next.data!.integrations.nodes.map((n) => n.id)).toEqual([integration.id]);
    expect((await execute(app.url, IntegrationsDocument, { projectId }, { key })).data!.integrations.nodes.map((n) => n.id)).toEqual([integration.id]);

    const updated = await execute(
      app.url,
      UpdateIntegrationDocument,
      { id: integration.id, input: { name: 'Books 2', conflictPolicy: 'REMOTE_WINS', config: { customerId: '58' }, isActive: false, credentials: { webhookVerifierToken: null } } },
      { key },
    );
    expect(updated.data!.updateIntegration).toMatchObject({ name: 'Books 2', conflictPolicy: 'REMOTE_WINS', config: { customerId: '58' }, isActive: false, credentialsSet: [] });

    expect((await execute(app.url, DeleteIntegrationDocument, { id: integration.id }, { key })).data!.deleteIntegration).toBe(integration.id);
    expect(codes(await execute(app.url, IntegrationDocument, { id: integration.id }, { key }))).toEqual(['NOT_FOUND']);
  });

  test('bad input is refused with BAD_USER_INPUT and a reason', async ({ app, key }) => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'sage', name: 'x' }, /Unknown integration type sage/],
      [{ type: 'quickbooks', name: '' }, /name must be 1 to 255/],
      [{ type: 'quickbooks', name: 'x', config: { expenseAccountId: 'abc' } }, /config is invalid: expenseAccountId/],
      [{ type: 'quickbooks', name: 'x', config: { unknown: 1 } }, /config is invalid/],
      [{ type: 'quickbooks', name: 'x', credentials: { accessToken: 'stolen' } }, /credentials.accessToken cannot be set/],
      [{ type: 'quickbooks', name: 'x', credentials: { webhookVerifierToken: 42 } }, /must be a string/],
      [{ type: 'quickbooks', name: 'x', projectId: 'abc' }, /projectId is not a valid id/],
    ];
    for (const [input, message] of cases) {
      const res = await execute(app.url, CreateIntegrationDocument, { input: input as never }, { key });
      expect(codes(res), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.message).toMatch(message);
    }
    expect(codes(await execute(app.url, CreateIntegrationDocument, { input: { type: 'quickbooks', name: 'x', projectId: '999999' } }, { key }))).toEqual(['NOT_FOUND']);
    const id = await create(app, key);
    expect(codes(await execute(app.url, UpdateIntegrationDocument, { id, input: { config: { itemId: 'x' } } }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, IntegrationDocument, { id: '-1' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, IntegrationsDocument, { first: 0 }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, IntegrationSyncLogsDocument, { id, after: 'nonsense' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, IntegrationConflictsDocument, { integrationId: 'abc' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, DeleteIntegrationDocument, { id: '0' }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, ConnectIntegrationDocument, { id: 'x' }, { key }))).toEqual(['BAD_USER_INPUT']);
    // Not connected yet: a sync is refused with a reason.
    const refused = await execute(app.url, SyncIntegrationDocument, { id, direction: 'BOTH', mode: 'FULL' }, { key });
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.message).toMatch(/not connected yet/);
  });

  test('every operation requires a key, its scope, and the organization’s own integration', async ({ app, org, key }) => {
    const id = await connectQuickBooks(app, key);
    const { otherKey, reader, unrelated } = await outsiders(app, org.id);
    const reads = [
      () => execute(app.url, IntegrationsDocument, {}, { key: unrelated }),
      () => execute(app.url, IntegrationDocument, { id }, { key: unrelated }),
      () => execute(app.url, IntegrationSyncLogsDocument, { id }, { key: unrelated }),
      () => execute(app.url, IntegrationConflictsDocument, {}, { key: unrelated }),
    ];
    for (const read of reads) expect(codes(await read())).toEqual(['FORBIDDEN']);
    const writes = (k: string | undefined) => [
      () => execute(app.url, CreateIntegrationDocument, { input: { type: 'quickbooks', name: 'x' } }, { key: k }),
      () => execute(app.url, UpdateIntegrationDocument, { id, input: { name: 'y' } }, { key: k }),
      () => execute(app.url, DeleteIntegrationDocument, { id }, { key: k }),
      () => execute(app.url, ConnectIntegrationDocument, { id }, { key: k }),
      () => execute(app.url, SyncIntegrationDocument, { id, direction: 'PULL', mode: 'FULL' }, { key: k }),
    ];
    for (const write of writes(reader)) expect(codes(await write())).toEqual(['FORBIDDEN']);
    for (const write of writes(undefined)) expect((await write()).status).toBe(401);
    expect((await execute(app.url, IntegrationsDocument, {})).status).toBe(401);

    // Another organization sees nothing and touches nothing.
    expect((await execute(app.url, IntegrationsDocument, {}, { key: otherKey })).data!.integrations.nodes).toEqual([]);
    for (const call of [
      () => execute(app.url, IntegrationDocument, { id }, { key: otherKey }),
      () => execute(app.url, IntegrationSyncLogsDocument, { id }, { key: otherKey }),
      () => execute(app.url, IntegrationConflictsDocument, { integrationId: id }, { key: otherKey }),
      () => execute(app.url, UpdateIntegrationDocument, { id, input: { name: 'stolen' } }, { key: otherKey }),
      () => execute(app.url, DeleteIntegrationDocument, { id }, { key: otherKey }),
      () => execute(app.url, ConnectIntegrationDocument, { id }, { key: otherKey }),
      () => execute(app.url, SyncIntegrationDocument, { id, direction: 'PULL', mode: 'FULL' }, { key: otherKey }),
    ]) {
      expect(codes(await call())).toEqual(['NOT_FOUND']);
    }
    for (const [params, code] of [
      [{ Authorization: `Bearer ${otherKey}` }, 'NOT_FOUND'],
      [{ Authorization: `Bearer ${unrelated}` }, 'FORBIDDEN'],
      [{}, 'UNAUTHENTICATED'],
    ] as const) {
      const sub = subscribe(wsClient(app.wsUrl, params), SyncProgressDocument, { connectionId: id });
      await expect(sub.next()).rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code }) })]);
      await sub.close();
    }
    const badId = subscribe(wsClient(app.wsUrl, { Authorization: `Bearer ${key}` }), SyncProgressDocument, { connectionId: 'abc' });
    await expect(badId.next()).rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    await badId.close();
    expect((await execute(app.url, IntegrationDocument, { id }, { key })).data!.integration.name).toBe('QuickBooks');
  });

  test('syncIntegration queues a job whose progress streams over syncProgress; logs list the runs', async ({ app, key }) => {
    const realmId = sim.createCompany();
    sim.setAuthorizationRealm(realmId);
    sim.seed(realmId, 'Vendor', [{ DisplayName: 'Streamed Vendor' }]);
    const id = await connectQuickBooks(app, key);
    const sub = subscribe(wsClient(app.wsUrl, { Authorization: `Bearer ${key}` }), SyncProgressDocument, { connectionId: id });
    const first = await sub.next();
    expect(first.syncProgress).toMatchObject({ integrationId: id, status: 'idle', syncLogId: null });
    const queued = await execute(app.url, SyncIntegrationDocument, { id, direction: 'PULL', mode: 'FULL' }, { key });
    expect(queued.data!.syncIntegration).toMatchObject({ queued: true, integration: { id } });
    let last = await sub.next(20_000);
    while (last.syncProgress.status === 'running') last = await sub.next(20_000);
    expect(last.syncProgress).toMatchObject({ status: 'completed', created: 1, failed: 0, error: null });
    await sub.close();
    const logs = await execute(app.url, IntegrationSyncLogsDocument, { id }, { key });
    expect(logs.data!.integrationSyncLogs.nodes).toEqual([expect.objectContaining({ id: last.syncProgress.syncLogId, status: 'completed', direction: 'PULL', mode: 'FULL', trigger: 'api', recordsCreated: 1 })]);
    // Vendors only (no project): invoices and payments are skipped with a note, not a failure.
    expect(logs.data!.integrationSyncLogs.nodes[0]!.entries).toContainEqual(expect.objectContaining({ level: 'info', code: 'no_project', entity: 'Bill' }));
    const again = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(again.status).toBe('completed');
  });

  test('scheduled syncs: an interval is set, checked and cleared; a due connection is synced by the scheduler', async ({ app, org, key }) => {
    const services = (app as unknown as { app: { services: { db: Db; boss: PgBoss; logger: Logger } } }).app.services;
    const created = await execute(app.url, CreateIntegrationDocument, { input: { type: 'quickbooks', name: 'Scheduled', syncIntervalMinutes: 15 } }, { key });
    const scheduled = created.data!.createIntegration;
    expect(scheduled.syncIntervalMinutes).toBe(15);
    const dueIn = new Date(scheduled.nextSyncAt as string).getTime() - Date.now();
    expect(dueIn).toBeGreaterThan(14 * 60_000);
    expect(dueIn).toBeLessThanOrEqual(15 * 60_000);
    const off = await execute(app.url, UpdateIntegrationDocument, { id: scheduled.id, input: { syncIntervalMinutes: 0 } }, { key });
    expect(off.data!.updateIntegration).toMatchObject({ syncIntervalMinutes: null, nextSyncAt: null });
    for (const minutes of [4, 10_081, -5]) {
      const refused = await execute(app.url, UpdateIntegrationDocument, { id: scheduled.id, input: { syncIntervalMinutes: minutes } }, { key });
      expect(codes(refused), String(minutes)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0]!.message).toMatch(/syncIntervalMinutes must be 0 \(off\) or a whole number of minutes from 5 to 10080/);
    }
    const fileOnly = await execute(app.url, CreateIntegrationDocument, { input: { type: 'ms_project', name: 'Schedules', syncIntervalMinutes: 15 } }, { key });
    expect(codes(fileOnly)).toEqual(['BAD_USER_INPUT']);
    expect(fileOnly.errors![0]!.message).toMatch(/exchanges files and does not sync/);
    const { otherKey, reader } = await outsiders(app, org.id);
    expect(codes(await execute(app.url, UpdateIntegrationDocument, { id: scheduled.id, input: { syncIntervalMinutes: 30 } }, { key: reader }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, UpdateIntegrationDocument, { id: scheduled.id, input: { syncIntervalMinutes: 30 } }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, UpdateIntegrationDocument, { id: scheduled.id, input: { syncIntervalMinutes: 30 } })).status).toBe(401);

    // A connected QuickBooks company on a five-minute schedule, made due now.
    const realmId = sim.createCompany();
    sim.setAuthorizationRealm(realmId);
    sim.seed(realmId, 'Vendor', [{ DisplayName: 'Scheduled Vendor' }]);
    const id = await connectQuickBooks(app, key);
    expect((await execute(app.url, UpdateIntegrationDocument, { id, input: { syncIntervalMinutes: 5 } }, { key })).data!.updateIntegration.syncIntervalMinutes).toBe(5);
    const makeDue = () => services.db.update(integrationConnections).set({ nextSyncAt: new Date(Date.now() - 60_000) }).where(eq(integrationConnections.id, Number(id)));
    const nextOf = async () => (await services.db.select().from(integrationConnections).where(eq(integrationConnections.id, Number(id))))[0]!.nextSyncAt!.getTime();

    // Inactive: not queued, and its time stays due.
    await execute(app.url, UpdateIntegrationDocument, { id, input: { isActive: false } }, { key });
    await makeDue();
    expect(await queueScheduledSyncs(services.db, services.boss, services.logger)).not.toContain(Number(id));
    expect(await nextOf()).toBeLessThan(Date.now());

    // Active again and due: queued (by this tick or the worker's own cron tick), its next time five minutes on.
    await execute(app.url, UpdateIntegrationDocument, { id, input: { isActive: true } }, { key });
    await makeDue();
    await queueScheduledSyncs(services.db, services.boss, services.logger);
    expect(await nextOf()).toBeGreaterThan(Date.now() + 4 * 60_000);
    const log = await waitForSync(app, key, id, 0);
    expect(log).toMatchObject({ trigger: 'schedule', direction: 'BOTH', mode: 'INCREMENTAL', status: 'completed', recordsCreated: 1 });
    // Not due any more: the next tick leaves it alone.
    expect(await queueScheduledSyncs(services.db, services.boss, services.logger)).not.toContain(Number(id));
  });

  test('the OAuth callback refuses unknown, replayed and expired states and provider errors without detail', async ({ app, key }) => {
    const base = new URL(app.url).origin;
    const callback = (query: string) => fetch(`${base}/api/v1/integrations/oauth/callback?${query}`);
    const unknown = await callback('state=nope&code=x&realmId=1');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/expired or was already used/);
    expect((await callback('code=x')).status).toBe(400);

    const id = await create(app, key);
    const started = await execute(app.url, ConnectIntegrationDocument, { id }, { key });
    const url = new URL(started.data!.connectIntegration.authorizeUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting');
    expect(url.searchParams.get('redirect_uri')).toBe('https://trestle.test/api/v1/integrations/oauth/callback');
    const consent = await fetch(url, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    const ok = await fetch(`${base}${back.pathname}${back.search}`);
    expect(ok.status).toBe(200);
    const replay = await fetch(`${base}${back.pathname}${back.search}`);
    expect(replay.status).toBe(400);

    // Too late: the state has expired.
    const late = await execute(app.url, ConnectIntegrationDocument, { id }, { key });
    await app.app.services.pool.query("UPDATE integration_oauth_states SET expires_at = '2000-01-01' WHERE connection_id = ?", [id]);
    const expired = await authorizeInBrowser(app, late.data!.connectIntegration.authorizeUrl);
    expect(expired.status).toBe(400);

    // The person declines at the provider.
    sim.denyAuthorizations(1);
    const again = await execute(app.url, ConnectIntegrationDocument, { id }, { key });
    const denied = await authorizeInBrowser(app, again.data!.connectIntegration.authorizeUrl);
    expect(denied.status).toBe(400);
    expect(await denied.text()).toMatch(/did not authorize the connection \(access_denied\)/);
  });

  test('REST: the spec’s /api/v1/integrations routes over the same service', async ({ app, org, key }) => {
    const base = `${new URL(app.url).origin}/api/v1/integrations`;
    const call = (path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) =>
      fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers: { ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? key}` }), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
      });
    const created = await call('', { method: 'POST', body: { type: 'quickbooks', name: 'REST Books', config: { itemId: '1' }, credentials: { webhookVerifierToken: 'v' } } });
    expect(created.status).toBe(201);
    const integration = (await created.json()) as { id: string; name: string; credentialsSet: string[] };
    expect(integration).toMatchObject({ name: 'REST Books', credentialsSet: ['webhookVerifierToken'] });
    expect(JSON.stringify(integration)).not.toContain('"v"');
    expect(await (await call(`/${integration.id}`)).json()).toMatchObject({ id: integration.id, type: 'quickbooks' });
    const list = (await (await call('?first=1')).json()) as { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean } };
    expect(list.nodes.map((n) => n.id)).toEqual([integration.id]);
    const put = await call(`/${integration.id}`, { method: 'PUT', body: { name: 'Renamed', conflictPolicy: 'manual', syncIntervalMinutes: 60 } });
    expect(await put.json()).toMatchObject({ name: 'Renamed', conflictPolicy: 'manual', syncIntervalMinutes: 60 });
    expect((await call(`/${integration.id}`, { method: 'PUT', body: { syncIntervalMinutes: 1 } })).status).toBe(400);
    const sync = await call(`/${integration.id}/sync`, { method: 'POST', body: { direction: 'pull' } });
    expect(sync.status).toBe(409);
    expect(((await sync.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    expect(await (await call(`/${integration.id}/logs`)).json()).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });

    expect((await call('', { method: 'POST', body: { type: 'quickbooks' } })).status).toBe(400);
    expect((await call('', { method: 'POST', body: '{"type":' })).status).toBe(400);
    expect((await call(`/${integration.id}`, { method: 'PUT', body: { type: 'other' } })).status).toBe(400);
    expect((await call('/abc')).status).toBe(400);
    expect((await call('', { key: null })).status).toBe(401);
    const reader = (await app.createKey(org.id, ['integrations:read'])).plaintext;
    expect((await call(`/${integration.id}`, { method: 'DELETE', key: reader })).status).toBe(403);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect((await call(`/${integration.id}`, { key: otherKey })).status).toBe(404);
    expect((await call(`/${integration.id}/logs`, { key: otherKey })).status).toBe(404);
    expect((await call(`/${integration.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/${integration.id}`)).status).toBe(404);
  });
  test('entity sync settings: defaults, set per entity, merged on update, checked against the connector', async ({ app, org, key }) => {
    const created = await execute(
      app.url,
      CreateIntegrationDocument,
      { input: { type: 'quickbooks', name: 'Settings', conflictPolicy: 'PLATFORM_WINS', entitySettings: [{ entity: 'Vendor', direction: 'PULL', conflictPolicy: 'REMOTE_WINS' }] } },
      { key },
    );
    const integration = created.data!.createIntegration;
    const setting = (entity: string, settings = integration.entitySettings) => settings.find((s) => s.entity === entity);
    expect(integration.entitySettings.map((s) => s.entity)).toEqual(['Vendor', 'Bill', 'Invoice', 'Payment', 'BillPayment']);
    expect(setting('Vendor')).toEqual({ entity: 'Vendor', recordType: 'vendors', direction: 'PULL', conflictPolicy: 'REMOTE_WINS', canPush: true });
    // Defaults: both ways where QuickBooks can be written, pull only where it cannot; the connection's policy.
    expect(setting('Bill')).toEqual({ entity: 'Bill', recordType: 'invoices', direction: 'BOTH', conflictPolicy: null, canPush: true });
    expect(setting('BillPayment')).toMatchObject({ direction: 'PULL', canPush: false });
    const [row] = (await app.app.services.pool.query<RowDataPacket[]>('SELECT sync_settings FROM integration_connections WHERE id = ?', [integration.id]))[0];
    expect(row!['sync_settings']).toEqual({ entities: { Vendor: { direction: 'pull', conflictPolicy: 'remote_wins' } } });

    // An update replaces the entities it names; the others stay.
    const updated = await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input: { entitySettings: [{ entity: 'Bill', direction: 'NONE' }] } }, { key });
    const after = updated.data!.updateIntegration.entitySettings;
    expect(setting('Vendor', after)).toMatchObject({ direction: 'PULL', conflictPolicy: 'REMOTE_WINS' });
    expect(setting('Bill', after)).toMatchObject({ direction: 'NONE', conflictPolicy: null });
    const reset = await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input: { entitySettings: [{ entity: 'Vendor', direction: 'BOTH', conflictPolicy: null }] } }, { key });
    expect(setting('Vendor', reset.data!.updateIntegration.entitySettings)).toMatchObject({ direction: 'BOTH', conflictPolicy: null });

    const cases: Array<[unknown, RegExp]> = [
      [[{ entity: 'Estimate', direction: 'PULL' }], /has no entity Estimate; it syncs Vendor, Bill, Invoice, Payment, BillPayment/],
      [[{ entity: 'BillPayment', direction: 'PUSH' }], /cannot write BillPayment objects; it can be PULL or NONE/],
      [[{ entity: 'BillPayment', direction: 'BOTH' }], /cannot write BillPayment/],
      [[{ entity: 'Vendor', direction: 'PULL' }, { entity: 'Vendor', direction: 'NONE' }], /Vendor is named twice/],
    ];
    for (const [entitySettings, message] of cases) {
      const refused = await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input: { entitySettings: entitySettings as never } }, { key });
      expect(codes(refused), JSON.stringify(entitySettings)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0]!.message).toMatch(message);
    }
    expect(codes(await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input: { entitySettings: [{ entity: 'Vendor', direction: 'SIDEWAYS' as never }] } }, { key }))).toEqual(['BAD_USER_INPUT']);
    const fileOnly = await execute(app.url, CreateIntegrationDocument, { input: { type: 'ms_project', name: 'Schedules', entitySettings: [{ entity: 'Task', direction: 'PULL' }] } }, { key });
    expect(codes(fileOnly)).toEqual(['BAD_USER_INPUT']);
    expect(fileOnly.errors![0]!.message).toMatch(/exchanges files and has no entity sync settings/);
    // Nothing of a refused update was written.
    expect(setting('Vendor', (await execute(app.url, IntegrationDocument, { id: integration.id }, { key })).data!.integration.entitySettings)).toMatchObject({ direction: 'BOTH' });

    const { otherKey, reader } = await outsiders(app, org.id);
    const input = { entitySettings: [{ entity: 'Vendor', direction: 'NONE' as const }] };
    expect(codes(await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input }, { key: reader }))).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, UpdateIntegrationDocument, { id: integration.id, input })).status).toBe(401);

    // REST takes the same settings, in the stored spelling.
    const base = `${new URL(app.url).origin}/api/v1/integrations/${integration.id}`;
    const put = (body: unknown) => fetch(base, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await put({ entitySettings: [{ entity: 'Invoice', direction: 'pull', conflictPolicy: 'manual' }] });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { entitySettings: unknown[] }).entitySettings).toContainEqual({ entity: 'Invoice', recordType: 'invoices', direction: 'pull', conflictPolicy: 'manual', canPush: true });
    expect((await put({ entitySettings: [{ entity: 'Invoice', direction: 'up' }] })).status).toBe(400);
    expect((await put({ entitySettings: [{ entity: 'Nope', direction: 'pull' }] })).status).toBe(400);
  });
});
