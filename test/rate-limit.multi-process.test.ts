import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMySql, type MySql } from '../src/platform/db/mysql.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createApiKey, revokeApiKey } from '../src/modules/keys/index.js';
import { createTestDatabases, type TestDatabases } from './support/databases.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { testEnv } from './support/test-app.js';

const VIEWER = JSON.stringify({ query: '{ viewer { label } }' });
const system = { type: 'system' as const, id: 'test' };

let databases: TestDatabases;
let servers: ServerProcess[] = [];
let mysql: MySql;
let passed = true;

async function call(url: string, key: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: VIEWER });
}

async function newKey(orgId: number, rateLimit: number): Promise<{ id: number; plaintext: string }> {
  const created = await createApiKey(mysql.db, system, null, { organizationId: orgId, name: 'mp', scopes: ['*'], rateLimit }, 1000);
  return { id: created.key.id, plaintext: created.plaintext };
}

beforeAll(async () => {
  databases = await createTestDatabases('multi_process');
  const env = testEnv(databases, { RATE_LIMIT_SPIKE: '100000', KEY_CACHE_TTL_MS: '500', RUN_WORKER: 'false' });
  // Started one after the other: the second finds the schema migrated.
  servers = [await startServerProcess(env), await startServerProcess(env)];
  mysql = connectMySql(databases.mysqlUrl, 2);
}, 90_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await mysql?.close();
  if (passed) await databases.drop();
});

describe('two server processes on one database', () => {
  it('together admit exactly the hourly limit of a key, and refuse the rest with 429', async () => {
    try {
      const org = await createOrganization(mysql.db, system, { name: 'Two Process GC' });
      const key = await newKey(org.id, 40);
      const statuses: number[] = [];
      const retryAfter: string[] = [];
      // 120 requests, alternating between the processes, 24 in flight at a time.
      for (let batch = 0; batch < 5; batch += 1) {
        const responses = await Promise.all(Array.from({ length: 24 }, (_, i) => call(servers[i % 2]!.url, key.plaintext)));
        for (const res of responses) {
          statuses.push(res.status);
          if (res.status === 429) retryAfter.push(res.headers.get('retry-after') ?? '');
          await res.arrayBuffer();
        }
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(40);
      expect(statuses.filter((s) => s === 429)).toHaveLength(80);
      expect(retryAfter.every((v) => Number(v) >= 1 && Number(v) <= 3600)).toBe(true);

      const refused = await call(servers[1]!.url, key.plaintext);
      const body = (await refused.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
      expect(body.errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', policies: ['hour'] });
      expect(body.errors[0]?.extensions['retryAfter']).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toMatch(/"hour";r=0;t=\d+/);
    } catch (error) {
      passed = false;
      throw error;
    }
  }, 60_000);

  it('a key revoked through one process is refused by the other within the cache TTL', async () => {
    try {
      const org = await createOrganization(mysql.db, system, { name: 'Revocation GC' });
      const key = await newKey(org.id, 1000);
      expect((await call(servers[0]!.url, key.plaintext)).status).toBe(200);
      expect((await call(servers[1]!.url, key.plaintext)).status).toBe(200);
      await revokeApiKey(mysql.db, system, org.id, key.id);
      // KEY_CACHE_TTL_MS is 500 here; wait it out, with margin for a loaded machine.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const server of servers) {
        const res = await call(server.url, key.plaintext);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]?.extensions).toMatchObject({ reason: 'REVOKED' });
      }
    } catch (error) {
      passed = false;
      throw error;
    }
  }, 30_000);
});
