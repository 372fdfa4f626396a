import type { ResultSetHeader } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceAudit, recordAudit } from '../src/modules/audit/index.js';
import {
  AuditEventAddedDocument,
  CreateImportDocument,
  CreateIntegrationDocument,
  ImportProgressDocument,
  SyncProgressDocument,
} from './generated/graphql.js';
import { POSTGRES_URL } from './support/databases.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { execute, startTestApp, type TestApp } from './support/test-app.js';
import { eventually, executeWithFile } from './support/upload.js';
import { subscribe, wsClient, type Subscribed } from './support/ws-client.js';

/*
 * Subscriptions ride on PostgreSQL LISTEN/NOTIFY, which is not durable: what is published while
 * the server's listening connection is down never reaches it. The server here reaches
 * PostgreSQL through a TCP proxy that the test cuts for several seconds (longer than a single
 * retry); while it is cut, jobs end (their rows change in MariaDB, their notifications are
 * lost). Once PostgreSQL is back, every subscriber must get the state it missed, read from
 * MariaDB, and then live events again.
 */

let proxy: TcpProxy;
let app: TestApp;
let key: string;
let organizationId: number;
let passed = 0;

const OUTAGE_MS = 6_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const target = new URL(POSTGRES_URL);
  proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
  app = await startTestApp('sub_reconnect', { QUEUE_DATABASE_URL: proxy.route(POSTGRES_URL) });
  organizationId = (await app.createOrganization('Reconnect GC')).id;
  key = (await app.createKey(organizationId)).plaintext;
}, 120_000);

afterAll(async () => {
  proxy?.restore();
  await app?.close({ dropData: passed === 2 });
  await proxy?.close();
});

/** Events until one satisfies `done`; fails if none does in time. */
async function until<T>(sub: Subscribed<T>, done: (event: T) => boolean, what = 'event'): Promise<T> {
  for (;;) {
    const event = await sub.next(60_000).catch((error: unknown) => {
      throw new Error(`waiting for ${what}: ${String(error)}; listening: ${app.app.services.pubsub.listening}`);
    });
    if (done(event)) return event;
  }
}

describe('subscriptions after the listening connection was lost', () => {
  it('importProgress, syncProgress and auditEventAdded each get what happened while PostgreSQL was unreachable, then live events', async () => {
    const params = { Authorization: `Bearer ${key}` };

    const created = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'v.csv', content: 'Vendor Code,Name\nR1,One\nR2,Two\n' }, { key });
    const jobId = created.data!.createImport.importJob.id;
    const imports = subscribe(wsClient(app.wsUrl, params), ImportProgressDocument, { jobId });
    expect((await imports.next()).importProgress).toMatchObject({ jobId, status: 'PENDING' });

    const integration = await execute(app.url, CreateIntegrationDocument, { input: { type: 'quickbooks', name: 'Books' } }, { key });
    const connectionId = integration.data!.createIntegration.id;
    const syncs = subscribe(wsClient(app.wsUrl, params), SyncProgressDocument, { connectionId });
    expect((await syncs.next()).syncProgress).toMatchObject({ status: 'idle', syncLogId: null });

    const listeners = app.app.services.pubsub.subscriptionCount;
    const audits = subscribe(wsClient(app.wsUrl, params), AuditEventAddedDocument);
    // auditEventAdded sends nothing first: wait until the server has it, or the event could come before.
    await eventually(async () => app.app.services.pubsub.subscriptionCount > listeners, 20_000, 20);
    // Live before the cut: an audit event recorded and announced reaches the subscriber.
    await recordAndAnnounce('before.cut');
    // (Events of the setup may come first.)
    await until(audits, (e) => e.auditEventAdded.action === 'before.cut', 'audit before.cut');

    proxy.outage();
    await eventually(async () => !app.app.services.pubsub.listening, 20_000, 50);
    // What a worker leaves in MariaDB when its runs end during the outage; its notifications are lost.
    await app.app.services.pool.query(
      "UPDATE import_jobs SET status = 'completed', phase = 'completed', total_rows = 2, processed_rows = 2, inserted_rows = 2, success_rows = 2, completed_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
      [jobId],
    );
    const [log] = await app.app.services.pool.query<ResultSetHeader>(
      "INSERT INTO integration_sync_logs (organization_id, connection_id, sync_type, direction, started_at, completed_at, status, records_processed, records_created) VALUES (?, ?, 'full', 'pull', CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3), 'completed', 3, 3)",
      [organizationId, connectionId],
    );
    await recordAndAnnounce('during.cut');
    await pause(OUTAGE_MS);
    proxy.restore();

    const done = await until(imports, (e) => e.importProgress.status === 'COMPLETED', 'import COMPLETED');
    expect(done.importProgress).toMatchObject({ jobId, processedRows: 2, insertedRows: 2, totalRows: 2 });
    const synced = await until(syncs, (e) => e.syncProgress.status === 'completed', 'sync completed');
    expect(synced.syncProgress).toMatchObject({ syncLogId: String(log.insertId), created: 3 });
    await until(audits, (e) => e.auditEventAdded.action === 'during.cut', 'audit during.cut');

    // Listening again: live events flow, and a replayed event is not sent twice.
    await recordAndAnnounce('after.cut');
    expect((await audits.next(20_000)).auditEventAdded).toMatchObject({ action: 'after.cut' });
    await recordAndAnnounce('after.cut.2');
    expect((await audits.next(20_000)).auditEventAdded).toMatchObject({ action: 'after.cut.2' });

    await Promise.all([imports.close(), syncs.close(), audits.close()]);
    passed += 1;
  }, 180_000);

  it('a client that unsubscribes leaves no subscription behind, though no further event comes on its topic', async () => {
    const params = { Authorization: `Bearer ${key}` };
    const pubsub = app.app.services.pubsub;
    // The previous test's clients have unsubscribed: nothing of theirs is left.
    await eventually(async () => pubsub.subscriptionCount === 0, 20_000, 50);
    const before = 0;
    const created = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'w.csv', content: 'Vendor Code,Name\nW1,One\n' }, { key });
    const imports = subscribe(wsClient(app.wsUrl, params), ImportProgressDocument, { jobId: created.data!.createImport.importJob.id });
    const audits = subscribe(wsClient(app.wsUrl, params), AuditEventAddedDocument);
    await imports.next();
    await eventually(async () => pubsub.subscriptionCount === before + 2, 20_000, 20);
    await recordAndAnnounce('unsubscribe.check');
    await until(audits, (e) => e.auditEventAdded.action === 'unsubscribe.check');
    await Promise.all([imports.close(), audits.close()]);
    // (Before, each stayed in memory, with its request, until the next event on its topic.)
    await eventually(async () => pubsub.subscriptionCount === before, 20_000, 50);
    passed += 1;
  }, 60_000);
});

async function recordAndAnnounce(action: string): Promise<void> {
  const row = await recordAudit(app.app.services.db, { type: 'system', id: 'test' }, { organizationId, action, targetType: 'test', targetId: 1 });
  announceAudit(app.app.services.pubsub, row);
}
