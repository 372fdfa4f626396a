// While MariaDB cannot be reached, API requests are answered 503 SERVICE_UNAVAILABLE with
// Retry-After (GraphQL and REST), as /readyz says, not 500; once it is back they succeed again.
// The app reaches MariaDB through a TCP proxy that the test closes; the shared servers keep running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { connectMySql, type MySql } from '../src/platform/db/mysql.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createApiKey } from '../src/modules/keys/index.js';
import { createTestDatabases, MYSQL_URL, type TestDatabases } from './support/databases.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { testEnv } from './support/test-app.js';

const system = { type: 'system' as const, id: 'test' };
let databases: TestDatabases;
let proxy: TcpProxy;
let app: App;
let direct: MySql;
let base = '';
let key = '';
let passed = 0;

beforeAll(async () => {
  databases = await createTestDatabases('db_outage');
  const target = new URL(MYSQL_URL);
  proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
  // No key cache and a lease of one: every request asks MariaDB, so none is served from memory.
  const config = loadConfig(testEnv(databases, { DATABASE_URL: proxy.route(databases.mysqlUrl), KEY_CACHE_TTL_MS: '0', RATE_LIMIT_MAX_LEASE: '1' }));
  app = await createApp(config, createLogger('silent'), { http: true, worker: false });
  base = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  direct = connectMySql(databases.mysqlUrl, 2);
  const org = await createOrganization(direct.db, system, { name: 'Outage Org' });
  key = (await createApiKey(direct.db, system, null, { organizationId: org.id, name: 'k', scopes: ['*'] }, 1000)).plaintext;
}, 120_000);

afterAll(async () => {
  proxy?.restore();
  await app?.close();
  await direct?.close();
  await proxy?.close();
  if (passed === 1) await databases.drop();
});

async function graphql(headers: Record<string, string>, query = '{ viewer { organization { name } } }') {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

describe('MariaDB unreachable', () => {
  it('answers 503 with Retry-After and SERVICE_UNAVAILABLE, over GraphQL and REST, then recovers', async () => {
    const auth = { authorization: `Bearer ${key}` };
    expect((await graphql(auth)).body.data).toEqual({ viewer: { organization: { name: 'Outage Org' } } });

    proxy.outage();
    try {
      for (const headers of [auth, {}]) {
        const res = await graphql(headers);
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
        expect(res.body.errors?.[0]?.message).toMatch(/temporarily unavailable/);
      }
      const rest = await fetch(`${base}/api/v1/export/1`, { headers: auth });
      expect(rest.status).toBe(503);
      expect(Number(rest.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await rest.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      proxy.restore();
    }

    // The pool reconnects on the next request.
    await expect.poll(async () => (await graphql(auth)).status, { timeout: 20_000 }).toBe(200);
    passed += 1;
  }, 60_000);
});
