import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll } from 'vitest';
import { SecretBox } from '../src/platform/crypto/secret-box.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { accessTokenOf } from '../src/modules/integrations/index.js';
import { quickbooksConnector } from '../src/modules/quickbooks/index.js';
import { startQuickBooksSimulator } from './simulators/quickbooks/server.js';
import { appFixtures, describe, expect } from './support/fixtures.js';
import { codes, execute } from './support/test-app.js';
import { authorizeInBrowser, connectQuickBooks, QBO_CLIENT, quickbooksEnv, syncAndWait, waitForSync } from './support/quickbooks.js';
import {
  AlertsDocument,
  ConnectIntegrationDocument,
  CreateProjectDocument,
  DeleteIntegrationDocument,
  IntegrationConflictsDocument,
  IntegrationDocument,
  IntegrationSyncLogsDocument,
  ResolveIntegrationConflictDocument,
  SyncIntegrationDocument,
  UpdateIntegrationDocument,
} from './generated/graphql.js';

const sim = await startQuickBooksSimulator({ clients: [QBO_CLIENT] });
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
const test = appFixtures(quickbooksEnv(sim, { ENCRYPTION_KEY }));
afterAll(async () => {
  await sim.close();
});

type Ctx = { app: { url: string; app: { services: { pool: Pool } }; config: Parameters<typeof quickbooksConnector>[0] }; key: string };

const ACCOUNT = { AccountRef: { value: '7' } };

/** A company of its own for each test, with a vendor, a customer, two bills, an invoice and a payment of each kind. */
function seedCompany() {
  const realmId = sim.createCompany();
  sim.setAuthorizationRealm(realmId);
  const [acme, beton] = sim.seed(realmId, 'Vendor', [
    { DisplayName: 'Acme Concrete', AcctNum: 'ACME', PrimaryEmailAddr: { Address: 'ap@acme.test' } },
    { DisplayName: 'Beton Supply' },
  ]);
  const [owner] = sim.seed(realmId, 'Customer', [{ DisplayName: 'City of Springfield' }]);
  const [bill1, bill2] = sim.seed(realmId, 'Bill', [
    { VendorRef: { value: acme!['Id'] }, DocNumber: 'B-100', TxnDate: '2024-03-15', DueDate: '2024-04-14', Line: [{ Amount: 1200, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: ACCOUNT }] },
    { VendorRef: { value: beton!['Id'] }, TxnDate: '2024-03-20', Line: [{ Amount: 300.5, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: ACCOUNT }] },
  ]);
  const [invoice] = sim.seed(realmId, 'Invoice', [
    { CustomerRef: { value: owner!['Id'] }, DocNumber: 'INV-1', TxnDate: '2024-03-31', Line: [{ Amount: 5000, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } }] },
  ]);
  const [payment] = sim.seed(realmId, 'Payment', [{ CustomerRef: { value: owner!['Id'] }, TotalAmt: 2000, TxnDate: '2024-04-10', PaymentRefNum: 'CHK-9', Line: [{ Amount: 2000, LinkedTxn: [{ TxnId: invoice!['Id'], TxnType: 'Invoice' }] }] }]);
  const [billPayment] = sim.seed(realmId, 'BillPayment', [
    { VendorRef: { value: acme!['Id'] }, TotalAmt: 1200, PayType: 'Check', TxnDate: '2024-04-12', CheckPayment: { BankAccountRef: { value: '35' } }, Line: [{ Amount: 1200, LinkedTxn: [{ TxnId: bill1!['Id'], TxnType: 'Bill' }] }] },
  ]);
  return {
    realmId,
    ids: { acme: String(acme!['Id']), beton: String(beton!['Id']), owner: String(owner!['Id']), bill1: String(bill1!['Id']), bill2: String(bill2!['Id']), invoice: String(invoice!['Id']), payment: String(payment!['Id']), billPayment: String(billPayment!['Id']) },
  };
}

/** The number a bill without DocNumber gets: QuickBooks may number it itself. */
function billNumber(realmId: string, id: string): string {
  const docNumber = sim.get(realmId, 'Bill', id)?.['DocNumber'];
  return typeof docNumber === 'string' ? docNumber : `QB-BILL-${id}`;
}

async function project(ctx: Ctx): Promise<string> {
  const created = await execute(ctx.app.url, CreateProjectDocument, { input: { name: 'Springfield Library', code: `P-${Date.now()}-${Math.random()}`.slice(0, 30) } }, { key: ctx.key });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  return created.data.createProject.id;
}

async function rows(ctx: Ctx, statement: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [result] = await ctx.app.app.services.pool.query<RowDataPacket[]>(statement, params);
  return result;
}

async function vendorByOrigin(ctx: Ctx, organizationId: number, realmId: string, id: string): Promise<RowDataPacket> {
  const [row] = await rows(ctx, 'SELECT * FROM vendors WHERE organization_id = ? AND origin_id = ?', [organizationId, `quickbooks:${realmId}:Vendor:${id}`]);
  if (!row) throw new Error(`no vendor for QuickBooks vendor ${id}`);
  return row;
}

/** Connected, configured for pushes, and pulled once. */
async function connectedAndPulled(ctx: Ctx, policy?: 'PLATFORM_WINS' | 'REMOTE_WINS' | 'NEWEST_WINS' | 'MANUAL') {
  const company = seedCompany();
  const projectId = await project(ctx);
  const id = await connectQuickBooks(ctx.app, ctx.key, { projectId, config: { expenseAccountId: '7', customerId: company.ids.owner, itemId: '1' }, ...(policy ? { conflictPolicy: policy } : {}) });
  const log = await syncAndWait(ctx.app, ctx.key, id, 'PULL', 'FULL');
  expect(log.status).toBe('completed');
  return { ...company, id, projectId };
}

describe('QuickBooks Online sync', () => {
  test('connects through OAuth and pulls vendors, bills, invoices and payments', async ({ app, org, key }) => {
    const company = seedCompany();
    const projectId = await project({ app, key });
    const id = await connectQuickBooks(app, key, { projectId });
    const connected = await execute(app.url, IntegrationDocument, { id }, { key });
    expect(connected.data!.integration).toMatchObject({ authStatus: 'CONNECTED', externalAccountId: company.realmId, credentialsSet: ['accessToken', 'refreshToken'] });
    // Sealed at rest: no token in the clear.
    const [stored] = await rows({ app, key }, 'SELECT credentials FROM integration_connections WHERE id = ?', [id]);
    const credentials = stored!['credentials'] as Record<string, string>;
    expect(credentials['accessToken']).toMatch(/^v1\./);
    expect(new SecretBox(Buffer.from(ENCRYPTION_KEY, 'base64')).open(credentials['refreshToken']!)).toMatch(/\S{10,}/);

    const log = await syncAndWait(app, key, id, 'PULL', 'FULL');
    expect(log).toMatchObject({ status: 'completed', direction: 'PULL', mode: 'FULL', recordsCreated: 7, recordsFailed: 0 });
    const acme = await vendorByOrigin({ app, key }, org.id, company.realmId, company.ids.acme);
    expect(acme).toMatchObject({ code: 'ACME', name: 'Acme Concrete', email: 'ap@acme.test', status: 'active' });
    const beton = await vendorByOrigin({ app, key }, org.id, company.realmId, company.ids.beton);
    expect(beton['code']).toBe(`QB-${company.ids.beton}`);
    const invoices = await rows({ app, key }, 'SELECT kind, number, vendor_code, amount, status FROM invoices WHERE organization_id = ? ORDER BY amount', [org.id]);
    expect(invoices).toEqual([
      { kind: 'payable', number: billNumber(company.realmId, company.ids.bill2), vendor_code: `QB-${company.ids.beton}`, amount: '300.50', status: 'open' },
      { kind: 'payable', number: 'B-100', vendor_code: 'ACME', amount: '1200.00', status: 'paid' },
      { kind: 'receivable', number: 'INV-1', vendor_code: null, amount: '5000.00', status: 'open' },
    ]);
    const payments = await rows({ app, key }, 'SELECT invoice_number, amount, method, reference FROM payments WHERE organization_id = ? ORDER BY invoice_number', [org.id]);
    expect(payments).toEqual([
      expect.objectContaining({ invoice_number: 'B-100', amount: '1200.00', method: 'check' }),
      expect.objectContaining({ invoice_number: 'INV-1', amount: '2000.00', reference: 'CHK-9' }),
    ]);

    // Nothing changed: an incremental pull is one CDC request and writes nothing.
    const again = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(again).toMatchObject({ status: 'completed', recordsCreated: 0, recordsUpdated: 0 });
    expect(again.requestCount).toBeLessThanOrEqual(3);
    // A re-run of the full pull finds every link: no duplicates.
    const full = await syncAndWait(app, key, id, 'PULL', 'FULL');
    expect(full).toMatchObject({ status: 'completed', recordsCreated: 0, recordsUpdated: 0 });
    const [count] = await rows({ app, key }, 'SELECT COUNT(*) AS n FROM vendors WHERE organization_id = ?', [org.id]);
    expect(Number(count!['n'])).toBe(2);
    const events = await rows({ app, key }, "SELECT payload FROM outbox_events WHERE organization_id = ? AND event_type = 'sync.completed' ORDER BY id", [org.id]);
    expect(events).toHaveLength(3);
    expect(events[0]!['payload']).toEqual({ connectionId: id, integrationType: 'quickbooks', syncLogId: log.id, direction: 'pull', recordsCreated: 7, recordsUpdated: 0, recordsFailed: 0 });
  });

  test('edits on each side travel both ways; new platform records are created in QuickBooks; deletes are detected', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids, projectId } = await connectedAndPulled(ctx);
    sim.change(realmId, 'Vendor', ids.acme, { PrimaryPhone: { FreeFormNumber: '555-0100' } });
    await rows(ctx, "UPDATE vendors SET name = 'Beton Supply Co' WHERE organization_id = ? AND origin_id = ?", [org.id, `quickbooks:${realmId}:Vendor:${ids.beton}`]);
    await rows(ctx, "INSERT INTO vendors (organization_id, code, name, email) VALUES (?, 'NEWCO', 'Newco Steel', 'ap@newco.test')", [org.id]);
    await rows(ctx, "INSERT INTO invoices (organization_id, project_id, kind, number, vendor_code, invoice_date, amount, status) VALUES (?, ?, 'payable', 'B-200', 'ACME', '2024-05-01', '750.00', 'open')", [org.id, projectId]);
    await rows(ctx, "INSERT INTO payments (organization_id, project_id, invoice_number, payment_date, amount, reference) VALUES (?, ?, 'INV-1', '2024-05-02', '500.00', 'WIRE-77')", [org.id, projectId]);

    const log = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(log).toMatchObject({ status: 'completed', recordsFailed: 0 });
    expect(log.recordsUpdated).toBeGreaterThanOrEqual(2);
    expect(log.recordsCreated).toBe(3);
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['phone']).toBe('555-0100');
    expect(sim.get(realmId, 'Vendor', ids.beton)!['DisplayName']).toBe('Beton Supply Co');
    const newco = sim.list(realmId, 'Vendor').find((v) => v['DisplayName'] === 'Newco Steel');
    expect(newco).toMatchObject({ AcctNum: 'NEWCO', PrimaryEmailAddr: { Address: 'ap@newco.test' } });
    const bill = sim.list(realmId, 'Bill').find((b) => b['DocNumber'] === 'B-200');
    expect(bill).toMatchObject({ VendorRef: expect.objectContaining({ value: ids.acme }), TotalAmt: 750 });
    const payment = sim.list(realmId, 'Payment').find((p) => p['PaymentRefNum'] === 'WIRE-77');
    expect(payment).toMatchObject({ TotalAmt: 500, CustomerRef: expect.objectContaining({ value: ids.owner }), Line: [expect.objectContaining({ LinkedTxn: [expect.objectContaining({ TxnId: ids.invoice, TxnType: 'Invoice' })] })] });
    // QuickBooks applied it: the invoice's balance went down.
    expect(sim.get(realmId, 'Invoice', ids.invoice)!['Balance']).toBe(2500);

    // Our own writes come back through CDC as no-ops, not as changes.
    const quiet = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(quiet).toMatchObject({ status: 'completed', recordsCreated: 0, recordsUpdated: 0, recordsFailed: 0 });

    sim.remove(realmId, 'Vendor', ids.beton);
    sim.remove(realmId, 'Bill', ids.bill2);
    const deletes = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(deletes).toMatchObject({ status: 'completed' });
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.beton))['status']).toBe('inactive');
    const [voided] = await rows(ctx, 'SELECT status FROM invoices WHERE organization_id = ? AND origin_id = ?', [org.id, `quickbooks:${realmId}:Bill:${ids.bill2}`]);
    expect(voided!['status']).toBe('void');
  });

  test('conflicts follow the policy: PLATFORM_WINS, REMOTE_WINS, NEWEST_WINS; each is logged', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids } = await connectedAndPulled(ctx, 'PLATFORM_WINS');
    const origin = `quickbooks:${realmId}:Vendor:${ids.acme}`;
    // A platform edit stamps updated_at as the records service does (NEWEST_WINS compares it with
    // QuickBooks' LastUpdatedTime, which has whole seconds); the raw UPDATE alone would leave the
    // time of the last sync there, and the order would depend on where a second boundary fell.
    const editLocal = (local: string) =>
      rows(ctx, 'UPDATE vendors SET name = ?, updated_at = ? WHERE organization_id = ? AND origin_id = ?', [local, new Date(), org.id, origin]);
    const editBoth = async (local: string, remote: string, remoteLast: boolean) => {
      if (remoteLast) {
        await editLocal(local);
        await new Promise((r) => setTimeout(r, 1100));
        sim.change(realmId, 'Vendor', ids.acme, { DisplayName: remote });
      } else {
        sim.change(realmId, 'Vendor', ids.acme, { DisplayName: remote });
        await new Promise((r) => setTimeout(r, 1100));
        await editLocal(local);
      }
    };

    await editBoth('Acme (platform 1)', 'Acme (QuickBooks 1)', true);
    const platformWins = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(platformWins.conflicts).toBe(1);
    expect(platformWins.entries).toContainEqual(expect.objectContaining({ level: 'info', code: 'conflict_resolved', entity: 'Vendor', remoteId: ids.acme, message: expect.stringMatching(/PLATFORM_WINS kept the platform version/) }));
    expect(sim.get(realmId, 'Vendor', ids.acme)!['DisplayName']).toBe('Acme (platform 1)');
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme (platform 1)');

    await execute(app.url, UpdateIntegrationDocument, { id, input: { conflictPolicy: 'REMOTE_WINS' } }, { key });
    await editBoth('Acme (platform 2)', 'Acme (QuickBooks 2)', false);
    const remoteWins = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(remoteWins.entries).toContainEqual(expect.objectContaining({ code: 'conflict_resolved', message: expect.stringMatching(/REMOTE_WINS kept the remote version/) }));
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme (QuickBooks 2)');
    expect(sim.get(realmId, 'Vendor', ids.acme)!['DisplayName']).toBe('Acme (QuickBooks 2)');

    await execute(app.url, UpdateIntegrationDocument, { id, input: { conflictPolicy: 'NEWEST_WINS' } }, { key });
    await editBoth('Acme (platform 3)', 'Acme (QuickBooks 3)', true);
    const remoteNewer = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(remoteNewer.entries).toContainEqual(expect.objectContaining({ code: 'conflict_resolved', message: expect.stringMatching(/NEWEST_WINS kept the remote version/) }));
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme (QuickBooks 3)');
    await editBoth('Acme (platform 4)', 'Acme (QuickBooks 4)', false);
    const platformNewer = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(platformNewer.entries).toContainEqual(expect.objectContaining({ code: 'conflict_resolved', message: expect.stringMatching(/NEWEST_WINS kept the platform version/) }));
    expect(sim.get(realmId, 'Vendor', ids.acme)!['DisplayName']).toBe('Acme (platform 4)');
  });

  test('MANUAL records conflicts that a person resolves through GraphQL', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids } = await connectedAndPulled(ctx, 'MANUAL');
    const acmeOrigin = `quickbooks:${realmId}:Vendor:${ids.acme}`;
    const betonOrigin = `quickbooks:${realmId}:Vendor:${ids.beton}`;
    await rows(ctx, "UPDATE vendors SET name = 'Acme (platform)' WHERE organization_id = ? AND origin_id = ?", [org.id, acmeOrigin]);
    sim.change(realmId, 'Vendor', ids.acme, { DisplayName: 'Acme (QuickBooks)' });
    await rows(ctx, "UPDATE vendors SET email = 'platform@beton.test' WHERE organization_id = ? AND origin_id = ?", [org.id, betonOrigin]);
    sim.change(realmId, 'Vendor', ids.beton, { PrimaryEmailAddr: { Address: 'qbo@beton.test' } });

    const log = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(log).toMatchObject({ status: 'completed', conflicts: 2 });
    expect(log.entries.filter((e) => e.code === 'conflict_recorded')).toHaveLength(2);
    // Both sides left alone.
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme (platform)');
    expect(sim.get(realmId, 'Vendor', ids.acme)!['DisplayName']).toBe('Acme (QuickBooks)');

    const open = await execute(app.url, IntegrationConflictsDocument, { integrationId: id }, { key });
    const conflicts = open.data!.integrationConflicts.nodes;
    expect(conflicts).toHaveLength(2);
    const acme = conflicts.find((c) => c.remoteId === ids.acme)!;
    expect(acme).toMatchObject({ entityType: 'Vendor', recordType: 'vendors', status: 'OPEN', platformData: expect.objectContaining({ name: 'Acme (platform)' }), remoteData: expect.objectContaining({ name: 'Acme (QuickBooks)' }) });
    const beton = conflicts.find((c) => c.remoteId === ids.beton)!;

    // Another sync does not duplicate them.
    await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect((await execute(app.url, IntegrationConflictsDocument, { integrationId: id }, { key })).data!.integrationConflicts.nodes).toHaveLength(2);

    // Other organizations and keys without the scope cannot touch them.
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect(codes(await execute(app.url, ResolveIntegrationConflictDocument, { id: acme.id, keep: 'REMOTE' }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, IntegrationConflictsDocument, {}, { key: otherKey })).data!.integrationConflicts.nodes).toEqual([]);
    const reader = (await app.createKey(org.id, ['integrations:read'])).plaintext;
    expect(codes(await execute(app.url, ResolveIntegrationConflictDocument, { id: acme.id, keep: 'REMOTE' }, { key: reader }))).toEqual(['FORBIDDEN']);
    expect((await execute(app.url, ResolveIntegrationConflictDocument, { id: acme.id, keep: 'REMOTE' })).status).toBe(401);
    expect(codes(await execute(app.url, ResolveIntegrationConflictDocument, { id: 'x', keep: 'REMOTE' }, { key }))).toEqual(['BAD_USER_INPUT']);

    const kept = await execute(app.url, ResolveIntegrationConflictDocument, { id: acme.id, keep: 'REMOTE' }, { key });
    expect(kept.data!.resolveIntegrationConflict).toMatchObject({ status: 'RESOLVED', resolution: 'REMOTE', resolvedBy: expect.stringMatching(/^api_key:/) });
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme (QuickBooks)');
    expect(codes(await execute(app.url, ResolveIntegrationConflictDocument, { id: acme.id, keep: 'PLATFORM' }, { key }))).toEqual(['CONFLICT']);

    const lastLog = Number((await execute(app.url, IntegrationSyncLogsDocument, { id, first: 1 }, { key })).data!.integrationSyncLogs.nodes[0]!.id);
    const platform = await execute(app.url, ResolveIntegrationConflictDocument, { id: beton.id, keep: 'PLATFORM' }, { key });
    expect(platform.data!.resolveIntegrationConflict.resolution).toBe('PLATFORM');
    const pushed = await waitForSync(app, key, id, lastLog);
    expect(pushed).toMatchObject({ trigger: 'conflict_resolution', direction: 'PUSH', status: 'completed', recordsUpdated: 1 });
    expect(sim.get(realmId, 'Vendor', ids.beton)!['PrimaryEmailAddr']).toEqual({ Address: 'platform@beton.test' });
    const quiet = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(quiet).toMatchObject({ conflicts: 0, recordsUpdated: 0 });
  });

  test('an expired access token is refreshed, and two workers refreshing at once refresh once', async ({ app, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids } = await connectedAndPulled(ctx);
    // QuickBooks' clock moves past the hour: the token we hold is refused with 401, refreshed, and the call retried.
    sim.advanceTime(3_601_000);
    sim.resetStats();
    sim.change(realmId, 'Vendor', ids.acme, { DisplayName: 'Acme After An Hour' });
    const log = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(log).toMatchObject({ status: 'completed', recordsUpdated: 1 });
    expect(sim.stats().byRoute['POST /oauth2/v1/tokens/bearer']).toBe(1);

    // Our record of the expiry says expired: two workers ask for a token at the same moment.
    await rows(ctx, "UPDATE integration_connections SET credentials = JSON_SET(credentials, '$.accessTokenExpiresAt', '2000-01-01T00:00:00.000Z') WHERE id = ?", [id]);
    sim.resetStats();
    const secrets = new SecretBox(Buffer.from(ENCRYPTION_KEY, 'base64'));
    const provider = quickbooksConnector(app.config).sync!.oauth;
    const db = (app.app.services as unknown as { db: Parameters<typeof accessTokenOf>[0]['db'] }).db;
    const deps = { db, secrets, logger: createLogger('silent') };
    const [a, b] = await Promise.all([accessTokenOf(deps, provider, Number(id)), accessTokenOf(deps, provider, Number(id))]);
    expect(a).toBe(b);
    expect(sim.stats().byRoute['POST /oauth2/v1/tokens/bearer']).toBe(1);
    const after = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(after.status).toBe('completed');
  });

  test('a revoked refresh token marks the connection for re-authorization and alerts at once', async ({ app, key }) => {
    const ctx = { app, key };
    const { id, realmId } = await connectedAndPulled(ctx);
    sim.revokeRefreshTokens(realmId);
    const log = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(log.status).toBe('failed');
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'error', code: 'invalid_grant', message: expect.stringMatching(/revoked or has expired/) }));
    const connection = await execute(app.url, IntegrationDocument, { id }, { key });
    expect(connection.data!.integration.authStatus).toBe('NEEDS_REAUTHORIZATION');
    const alerts = await execute(app.url, AlertsDocument, {}, { key });
    expect(alerts.data!.alerts.nodes).toContainEqual(expect.objectContaining({ kind: 'integration.error', severity: 'CRITICAL', subjectId: id, title: expect.stringMatching(/must be connected again/) }));
    const refused = await execute(app.url, SyncIntegrationDocument, { id, direction: 'BOTH', mode: 'INCREMENTAL' }, { key });
    expect(codes(refused)).toEqual(['CONFLICT']);

    // Connecting again restores it.
    const started = await execute(app.url, ConnectIntegrationDocument, { id }, { key });
    expect((await authorizeInBrowser(app, started.data!.connectIntegration.authorizeUrl)).status).toBe(200);
    expect((await execute(app.url, IntegrationDocument, { id }, { key })).data!.integration.authStatus).toBe('CONNECTED');
    expect((await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL')).status).toBe('completed');
  });

  test('429, 500, timeouts and malformed JSON are retried; persistent faults fail with a clear error', async ({ app, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids } = await connectedAndPulled(ctx);
    for (const [index, failure] of ([{ status: 429 }, { status: 500 }, 'timeout', 'malformed', { status: 401 }] as const).entries()) {
      sim.change(realmId, 'Vendor', ids.acme, { DisplayName: `Acme retry ${index}` });
      sim.failNext(1, failure);
      const log = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
      expect(log, JSON.stringify(failure)).toMatchObject({ status: 'completed', recordsUpdated: 1 });
      expect(log.requestCount).toBe(2);
    }
    sim.change(realmId, 'Vendor', ids.acme, { DisplayName: 'Acme never seen' });
    sim.failNext(3, { status: 503 });
    const failed = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(failed.status).toBe('failed');
    expect(failed.entries).toContainEqual(expect.objectContaining({ level: 'error', code: 'server', message: expect.stringMatching(/QuickBooks answered 503.*after 3 attempts/) }));
    sim.failNext(1, { status: 403 });
    const forbidden = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(forbidden.entries).toContainEqual(expect.objectContaining({ code: 'forbidden', message: expect.stringMatching(/refused access to the company \(403/) }));
    // Nothing of the failed runs was taken: the cursor did not move, so the change arrives now.
    const recovered = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(recovered).toMatchObject({ status: 'completed', recordsUpdated: 1 });
  });

  test('consecutive failures emit integration.error and alert the admins', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id } = await connectedAndPulled(ctx);
    for (let i = 1; i <= 3; i++) {
      sim.failNext(1, { status: 403 });
      const log = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
      expect(log.status).toBe('failed');
    }
    const integration = await execute(app.url, IntegrationDocument, { id }, { key });
    expect(integration.data!.integration).toMatchObject({ consecutiveFailures: 3, lastSyncStatus: 'failed' });
    const alerts = await execute(app.url, AlertsDocument, {}, { key });
    expect(alerts.data!.alerts.nodes.filter((a) => a.subjectId === id)).toEqual([expect.objectContaining({ kind: 'integration.error', title: expect.stringMatching(/failed 3 syncs in a row/) })]);
    const events = await rows(ctx, "SELECT event_type FROM outbox_events WHERE organization_id = ? AND event_type IN ('integration.error', 'sync.failed')", [org.id]);
    expect(events.filter((e) => e['event_type'] === 'integration.error')).toHaveLength(1);
    expect(events.filter((e) => e['event_type'] === 'sync.failed')).toHaveLength(3);
    // A success starts the count again.
    expect((await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL')).status).toBe('completed');
    expect((await execute(app.url, IntegrationDocument, { id }, { key })).data!.integration.consecutiveFailures).toBe(0);
  });

  test.for(['legacy', 'cloudevents'] as const)('a signed QuickBooks webhook (%s) triggers an incremental sync', async (format, { app, org, key }) => {
    const ctx = { app, key };
    const company = seedCompany();
    const projectId = await project(ctx);
    const id = await connectQuickBooks(app, key, { projectId, credentials: { webhookVerifierToken: 'verifier-token-1' } });
    await syncAndWait(app, key, id, 'PULL', 'FULL');
    const lastLog = Number((await execute(app.url, IntegrationSyncLogsDocument, { id, first: 1 }, { key })).data!.integrationSyncLogs.nodes[0]!.id);
    sim.setWebhook({ url: `${new URL(app.url).origin}/hooks/quickbooks/${id}`, verifierToken: 'verifier-token-1', format });
    try {
      sim.change(company.realmId, 'Vendor', company.ids.acme, { DisplayName: `Acme via ${format} webhook` });
      await sim.waitForWebhooks();
      const log = await waitForSync(app, key, id, lastLog);
      expect(log).toMatchObject({ trigger: 'webhook', direction: 'PULL', mode: 'INCREMENTAL', status: 'completed', recordsUpdated: 1 });
      expect((await vendorByOrigin(ctx, org.id, company.realmId, company.ids.acme))['name']).toBe(`Acme via ${format} webhook`);
    } finally {
      sim.setWebhook(null);
    }
  });

  test('one sync of a connection at a time: a third request while one runs and one waits is not queued', async ({ app, key }) => {
    const ctx = { app, key };
    const { id } = await connectedAndPulled(ctx);
    const before = Number((await execute(app.url, IntegrationSyncLogsDocument, { id, first: 1 }, { key })).data!.integrationSyncLogs.nodes[0]!.id);
    const resume = sim.pause();
    try {
      const first = await execute(app.url, SyncIntegrationDocument, { id, direction: 'PULL', mode: 'INCREMENTAL' }, { key });
      expect(first.data!.syncIntegration.queued).toBe(true);
      // Wait until the first sync is running (its request is held by the simulator).
      const deadline = Date.now() + 15_000;
      while (sim.inFlight() === 0) {
        if (Date.now() > deadline) throw new Error('the first sync never reached QuickBooks');
        await new Promise((r) => setTimeout(r, 50));
      }
      const second = await execute(app.url, SyncIntegrationDocument, { id, direction: 'PULL', mode: 'INCREMENTAL' }, { key });
      const third = await execute(app.url, SyncIntegrationDocument, { id, direction: 'PULL', mode: 'INCREMENTAL' }, { key });
      expect([second.data!.syncIntegration.queued, third.data!.syncIntegration.queued]).toEqual([true, false]);
    } finally {
      resume();
    }
    const firstLog = await waitForSync(app, key, id, before);
    const secondLog = await waitForSync(app, key, id, Number(firstLog.id));
    expect([firstLog.status, secondLog.status]).toEqual(['completed', 'completed']);
    const [a, b] = await rows(ctx, 'SELECT started_at, completed_at FROM integration_sync_logs WHERE id IN (?, ?) ORDER BY id', [firstLog.id, secondLog.id]);
    expect((b!['started_at'] as Date).getTime()).toBeGreaterThanOrEqual((a!['completed_at'] as Date).getTime());
  });

  test('a re-run finds records already written by origin id: links are restored, nothing is duplicated', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id } = await connectedAndPulled(ctx);
    const count = async () => Number((await rows(ctx, 'SELECT (SELECT COUNT(*) FROM vendors WHERE organization_id = ?) + (SELECT COUNT(*) FROM invoices WHERE organization_id = ?) + (SELECT COUNT(*) FROM payments WHERE organization_id = ?) AS n', [org.id, org.id, org.id]))[0]!['n']);
    const records = await count();
    // As if a run had died after writing records and before their links (and its cursors).
    await rows(ctx, 'DELETE FROM integration_links WHERE connection_id = ?', [id]);
    await rows(ctx, 'DELETE FROM integration_cursors WHERE connection_id = ?', [id]);
    const rerun = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(rerun).toMatchObject({ status: 'completed', recordsFailed: 0 });
    expect(await count()).toBe(records);
    const [links] = await rows(ctx, 'SELECT COUNT(*) AS n FROM integration_links WHERE connection_id = ?', [id]);
    expect(Number(links!['n'])).toBe(records);
    const quiet = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(quiet).toMatchObject({ recordsCreated: 0, recordsUpdated: 0 });

    // Deleting the connection revokes its grant at Intuit; the platform records stay.
    sim.resetStats();
    expect((await execute(app.url, DeleteIntegrationDocument, { id }, { key })).data!.deleteIntegration).toBe(id);
    expect(sim.stats().byRoute['POST /oauth2/v1/tokens/revoke']).toBe(1);
    expect(await count()).toBe(records);
  });

  test('a push with a stale SyncToken (5010) re-reads the object and applies the policy', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids } = await connectedAndPulled(ctx, 'PLATFORM_WINS');
    const origin = (remoteId: string) => `quickbooks:${realmId}:Vendor:${remoteId}`;
    // Changed on both sides; the push runs alone, so it still holds the old SyncToken.
    await rows(ctx, "UPDATE vendors SET phone = '555-0001' WHERE organization_id = ? AND origin_id = ?", [org.id, origin(ids.acme)]);
    sim.change(realmId, 'Vendor', ids.acme, { DisplayName: 'Acme Renamed In QuickBooks' });
    sim.resetStats();
    const platform = await syncAndWait(app, key, id, 'PUSH', 'INCREMENTAL');
    expect(platform).toMatchObject({ status: 'completed', recordsUpdated: 1, conflicts: 1 });
    expect(sim.stats().requestLog.filter((r) => r.status === 400)).toHaveLength(1); // the 5010
    expect(sim.get(realmId, 'Vendor', ids.acme)).toMatchObject({ DisplayName: 'Acme Concrete', PrimaryPhone: { FreeFormNumber: '555-0001' } });

    await execute(app.url, UpdateIntegrationDocument, { id, input: { conflictPolicy: 'REMOTE_WINS' } }, { key });
    await rows(ctx, "UPDATE vendors SET phone = '555-0002' WHERE organization_id = ? AND origin_id = ?", [org.id, origin(ids.beton)]);
    sim.change(realmId, 'Vendor', ids.beton, { DisplayName: 'Beton In QuickBooks' });
    const remote = await syncAndWait(app, key, id, 'PUSH', 'INCREMENTAL');
    expect(remote).toMatchObject({ status: 'completed', conflicts: 1 });
    expect(remote.entries).toContainEqual(expect.objectContaining({ code: 'conflict_resolved', message: expect.stringMatching(/REMOTE_WINS kept the remote version/) }));
    expect(await vendorByOrigin(ctx, org.id, realmId, ids.beton)).toMatchObject({ name: 'Beton In QuickBooks', phone: null });
    expect(sim.get(realmId, 'Vendor', ids.beton)!['PrimaryPhone']).toBeUndefined();
  });
  test('entity sync settings: a pull-only entity is never pushed, a NONE entity is left alone, an entity policy overrides the connection\'s', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids, projectId } = await connectedAndPulled(ctx, 'PLATFORM_WINS');
    const settings = [
      { entity: 'Vendor', direction: 'PULL' as const, conflictPolicy: 'REMOTE_WINS' as const },
      { entity: 'Bill', direction: 'NONE' as const },
    ];
    expect((await execute(app.url, UpdateIntegrationDocument, { id, input: { entitySettings: settings } }, { key })).errors).toBeUndefined();
    const origin = (remoteId: string) => `quickbooks:${realmId}:Vendor:${remoteId}`;
    // Vendors: a platform edit stays on the platform; an edit on both sides goes QuickBooks' way (the vendor's REMOTE_WINS, not the connection's PLATFORM_WINS).
    await rows(ctx, "UPDATE vendors SET name = 'Beton Platform Only' WHERE organization_id = ? AND origin_id = ?", [org.id, origin(ids.beton)]);
    await rows(ctx, "UPDATE vendors SET name = 'Acme (platform)' WHERE organization_id = ? AND origin_id = ?", [org.id, origin(ids.acme)]);
    sim.change(realmId, 'Vendor', ids.acme, { DisplayName: 'Acme (QuickBooks)' });
    // Bills: neither a new QuickBooks bill nor a new platform bill crosses over.
    sim.seed(realmId, 'Bill', [{ VendorRef: { value: ids.acme }, DocNumber: 'B-900', TxnDate: '2024-06-01', Line: [{ Amount: 90, DetailType: 'AccountBasedExpenseLineDetail', AccountBasedExpenseLineDetail: ACCOUNT }] }]);
    await rows(ctx, "INSERT INTO invoices (organization_id, project_id, kind, number, vendor_code, invoice_date, amount, status) VALUES (?, ?, 'payable', 'B-300', 'ACME', '2024-06-02', '30.00', 'open')", [org.id, projectId]);
    sim.resetStats();

    const log = await syncAndWait(app, key, id, 'BOTH', 'INCREMENTAL');
    expect(log).toMatchObject({ status: 'completed', recordsFailed: 0, recordsCreated: 0, conflicts: 1 });
    expect(log.entries).toContainEqual(expect.objectContaining({ code: 'conflict_resolved', remoteId: ids.acme, message: expect.stringMatching(/REMOTE_WINS kept the remote version/) }));
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme (QuickBooks)');
    expect(sim.get(realmId, 'Vendor', ids.beton)!['DisplayName']).toBe('Beton Supply');
    expect(sim.list(realmId, 'Bill').find((b) => b['DocNumber'] === 'B-300')).toBeUndefined();
    expect(await rows(ctx, "SELECT id FROM invoices WHERE organization_id = ? AND number = 'B-900'", [org.id])).toEqual([]);
    // Nothing was written to QuickBooks, and bills were not asked for.
    expect(sim.stats().requestLog.filter((r) => r.method === 'POST' && r.route !== 'POST /oauth2/v1/tokens/bearer')).toEqual([]);
    expect(sim.stats().requestLog.filter((r) => r.path.includes('Bill') && !r.path.includes('BillPayment'))).toEqual([]);

    // Back to the defaults: the bills cross over on the next full sync.
    await execute(app.url, UpdateIntegrationDocument, { id, input: { entitySettings: [{ entity: 'Bill', direction: 'BOTH' }] } }, { key });
    const both = await syncAndWait(app, key, id, 'BOTH', 'FULL');
    expect(both).toMatchObject({ status: 'completed', recordsFailed: 0 });
    expect(sim.list(realmId, 'Bill').find((b) => b['DocNumber'] === 'B-300')).toBeDefined();
    expect(await rows(ctx, "SELECT id FROM invoices WHERE organization_id = ? AND number = 'B-900'", [org.id])).toHaveLength(1);
  });

  // Last in the file: it moves the shared simulator's clock forward by months.
  test('the calendar moves on: quiet syncs keep the cursor at QuickBooks\' time, so syncs stay incremental past 30 days', async ({ app, org, key }) => {
    const ctx = { app, key };
    const { id, realmId, ids } = await connectedAndPulled(ctx);
    // Answered CDC requests (an access token an hour old is refused with 401 first, then refreshed).
    const cdcAnswers = () => sim.stats().requestLog.filter((r) => r.route === 'GET /cdc' && r.status === 200).length;
    // No change for 40 days, a sync every 20: each stays one CDC request, no query of everything.
    for (const days of [20, 20]) {
      sim.advanceTime(days * 86_400_000);
      sim.resetStats();
      const quiet = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
      expect(quiet, `after ${days} more days`).toMatchObject({ status: 'completed', recordsCreated: 0, recordsUpdated: 0, recordsFailed: 0 });
      expect(quiet.entries).not.toContainEqual(expect.objectContaining({ code: 'full_pull' }));
      expect(cdcAnswers()).toBe(1);
      expect(sim.stats().byRoute['GET /query']).toBeUndefined();
    }
    // 40 days after the full pull and after the last change, a change still arrives through CDC.
    sim.change(realmId, 'Vendor', ids.acme, { DisplayName: 'Acme Forty Days On' });
    sim.resetStats();
    const changed = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(changed).toMatchObject({ status: 'completed', recordsUpdated: 1 });
    expect(cdcAnswers()).toBe(1);
    expect(sim.stats().byRoute['GET /query']).toBeUndefined();
    expect((await vendorByOrigin(ctx, org.id, realmId, ids.acme))['name']).toBe('Acme Forty Days On');

    // Beyond the window by QuickBooks' clock (ours has not moved): QuickBooks refuses the CDC
    // request, and the sync pulls everything instead of failing.
    sim.advanceTime(31 * 86_400_000);
    const late = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(late).toMatchObject({ status: 'completed', recordsCreated: 0, recordsFailed: 0 });
    expect(late.entries).toContainEqual(expect.objectContaining({ level: 'info', code: 'full_pull' }));
    sim.resetStats();
    const after = await syncAndWait(app, key, id, 'PULL', 'INCREMENTAL');
    expect(after).toMatchObject({ status: 'completed', recordsUpdated: 0 });
    expect(sim.stats().byRoute['GET /query']).toBeUndefined();
  });
});
