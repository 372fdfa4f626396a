// Two server processes on one database: the OAuth server keeps nothing in a process. A token
// issued by one is accepted (and, once revoked by the other, refused) by both; both publish the
// same signing keys, read from MySQL.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectMySql, type MySql } from '../src/platform/db/mysql.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createOAuthClient } from '../src/modules/oauth/index.js';
import { createTestDatabases, type TestDatabases } from './support/databases.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { testEnv } from './support/test-app.js';

const system = { type: 'system' as const, id: 'test' };
let databases: TestDatabases;
let servers: ServerProcess[] = [];
let mysql: MySql;
let passed = true;

const base = (server: ServerProcess) => server.url.replace(/\/graphql$/, '');

async function tokenRequest(server: ServerProcess, path: string, auth: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${base(server)}/oauth/${path}`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

async function viewer(server: ServerProcess, token: string): Promise<number> {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ viewer { label } }' }) });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  databases = await createTestDatabases('oauth_multi');
  // One public URL for both, as behind a load balancer.
  const env = testEnv(databases, { RUN_WORKER: 'false', PUBLIC_URL: 'http://trestle.test' });
  servers = [await startServerProcess(env), await startServerProcess(env)];
  mysql = connectMySql(databases.mysqlUrl, 2);
}, 120_000);

afterEach(({ task }) => {
  if (task.result?.state === 'fail') passed = false;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await mysql?.close();
  if (passed) await databases.drop();
});

describe('OAuth across two server processes', () => {
  it('a token from one process works on both; revoked on the other, it is refused on both; one JWKS', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const org = await createOrganization(mysql.db, system, { name: 'Two Process OAuth' });
    const created = await createOAuthClient(mysql.db, system, null, org.id, { name: 'mp', redirectUris: [], scopes: ['org:read'], isConfidential: true });
    const auth = Buffer.from(`${created.client.clientId}:${created.secret}`).toString('base64');

    const issued = await tokenRequest(a, 'token', auth, { grant_type: 'client_credentials', scope: 'org:read' });
    expect(issued.status).toBe(200);
    const { access_token: token } = (await issued.json()) as { access_token: string };
    expect(await viewer(a, token)).toBe(200);
    expect(await viewer(b, token)).toBe(200);

    const revoked = await tokenRequest(b, 'revoke', auth, { token });
    expect(revoked.status).toBe(200);
    expect(await viewer(a, token)).toBe(401);
    expect(await viewer(b, token)).toBe(401);

    const [jwksA, jwksB] = await Promise.all([a, b].map(async (s) => (await fetch(`${base(s)}/oauth/jwks`)).json()));
    expect(jwksA).toEqual(jwksB);
    const discovery = (await (await fetch(`${base(b)}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe('http://trestle.test/oauth');
  }, 60_000);
});
