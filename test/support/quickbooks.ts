import type { QuickBooksSimulator } from '../simulators/quickbooks/server.js';
import {
  ConnectIntegrationDocument,
  CreateIntegrationDocument,
  IntegrationSyncLogsDocument,
  SyncIntegrationDocument,
  type ConflictPolicy,
  type SyncDirection,
  type SyncLogFieldsFragment,
  type SyncMode,
} from '../generated/graphql.js';
import { execute } from './test-app.js';

/** The OAuth client the test apps use against the simulator; its redirect URI is under PUBLIC_URL. */
export const QBO_CLIENT = {
  clientId: 'trestle-test-client',
  clientSecret: 'trestle-test-secret',
  redirectUris: ['https://trestle.test/api/v1/integrations/oauth/callback'],
};

/** The app environment pointing the QuickBooks connector at a simulator. */
export function quickbooksEnv(sim: QuickBooksSimulator, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL: 'https://trestle.test',
    QUICKBOOKS_CLIENT_ID: QBO_CLIENT.clientId,
    QUICKBOOKS_CLIENT_SECRET: QBO_CLIENT.clientSecret,
    QUICKBOOKS_AUTHORIZE_URL: sim.authorizeUrl,
    QUICKBOOKS_TOKEN_URL: sim.tokenUrl,
    QUICKBOOKS_REVOKE_URL: sim.revokeUrl,
    QUICKBOOKS_API_BASE_URL: sim.url,
    QUICKBOOKS_TIMEOUT_MS: '1500',
    QUICKBOOKS_MAX_ATTEMPTS: '3',
    // The suites poll sync logs while syncs back off and retry; the API's burst window (100 per
    // 10 s) is not what they test.
    RATE_LIMIT_SPIKE: '100000',
    ...overrides,
  };
}

interface AppLike {
  url: string;
}

/** The browser's part of the authorization: follows authorizeUrl to the simulator, then its redirect to our callback. */
export async function authorizeInBrowser(app: AppLike, authorizeUrl: string): Promise<Response> {
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (consent.status !== 302 || !location) throw new Error(`the simulator did not redirect (${consent.status}: ${await consent.text()})`);
  const back = new URL(location);
  // PUBLIC_URL is https://trestle.test; the test app listens elsewhere.
  return fetch(`${new URL(app.url).origin}${back.pathname}${back.search}`, { redirect: 'manual' });
}

/** Creates a QuickBooks integration and connects it through the OAuth flow; returns its id. */
export async function connectQuickBooks(
  app: AppLike,
  key: string,
  input: { projectId?: string; conflictPolicy?: ConflictPolicy; config?: Record<string, unknown>; credentials?: Record<string, unknown>; name?: string } = {},
): Promise<string> {
  const created = await execute(app.url, CreateIntegrationDocument, { input: { type: 'quickbooks', name: input.name ?? 'QuickBooks', ...input } }, { key });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  const id = created.data.createIntegration.id;
  const started = await execute(app.url, ConnectIntegrationDocument, { id }, { key });
  if (!started.data) throw new Error(JSON.stringify(started.errors));
  const callback = await authorizeInBrowser(app, started.data.connectIntegration.authorizeUrl);
  if (callback.status !== 200) throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  return id;
}

async function latestLogId(app: AppLike, key: string, id: string): Promise<number> {
  const logs = await execute(app.url, IntegrationSyncLogsDocument, { id, first: 1 }, { key });
  return Number(logs.data?.integrationSyncLogs.nodes[0]?.id ?? 0);
}

/**
 * Waits for the sync that started next after the log `afterId` to finish; returns its log. The
 * next one, not the newest: when two syncs ran back to back, both may be done by the first look.
 */
export async function waitForSync(app: AppLike, key: string, id: string, afterId: number, timeoutMs = 20_000): Promise<SyncLogFieldsFragment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await execute(app.url, IntegrationSyncLogsDocument, { id, first: 10 }, { key });
    if (!logs.data) throw new Error(`integrationSyncLogs failed: ${JSON.stringify(logs.errors)}`);
    const newer = logs.data.integrationSyncLogs.nodes.filter((log) => Number(log.id) > afterId);
    const next = newer.reduce<SyncLogFieldsFragment | undefined>((oldest, log) => (!oldest || Number(log.id) < Number(oldest.id) ? log : oldest), undefined);
    if (next && next.status !== 'running') return next;
    if (Date.now() > deadline) throw new Error(`no sync of integration ${id} after log ${afterId} finished in time (next: ${JSON.stringify(next ?? null)})`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Queues a sync through GraphQL and waits for its log. */
export async function syncAndWait(app: AppLike, key: string, id: string, direction: SyncDirection, mode: SyncMode): Promise<SyncLogFieldsFragment> {
  const before = await latestLogId(app, key, id);
  const queued = await execute(app.url, SyncIntegrationDocument, { id, direction, mode }, { key });
  if (!queued.data) throw new Error(JSON.stringify(queued.errors));
  return waitForSync(app, key, id, before);
}

