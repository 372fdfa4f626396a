import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PATTERN } from '../src/modules/keys/index.js';
import { sha256Hex } from '../src/platform/crypto/tokens.js';
import { createTestDatabases, type TestDatabases } from './support/databases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let databases: TestDatabases;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...args], {
    env: { ...process.env, DATABASE_URL: databases.mysqlUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

beforeAll(async () => {
  databases = await createTestDatabases('cli');
});

afterAll(async () => {
  await databases.drop();
});

describe('operator CLI', () => {
  it('creates an organization and a key without a running server', async () => {
    const org = cli('org', 'create', 'Acme', 'Construction');
    expect(org.code).toBe(0);
    expect(org.stdout).toMatch(/^\d+$/);
    expect(org.stderr).toContain('"Acme Construction"');

    const key = cli('key', 'create', '--org', org.stdout, '--scopes', 'keys:read imports:write', '--env', 'test');
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(KEY_PATTERN);
    expect(key.stdout.startsWith('trk_test_')).toBe(true);

    const conn = await mysql.createConnection(databases.mysqlUrl);
    const [rows] = await conn.query('SELECT organization_id, scopes, key_hash FROM api_keys');
    await conn.end();
    expect(rows).toEqual([{ organization_id: Number(org.stdout), scopes: ['keys:read', 'imports:write'], key_hash: sha256Hex(key.stdout) }]);
  });

  it('registers the web console as a public OAuth client and prints CONSOLE_CLIENT_ID', async () => {
    const org = cli('org', 'create', 'Operator');
    const registered = cli('console', 'register', '--org', org.stdout, '--public-url', 'https://trestle.example.com/ignored-path');
    expect(registered.code).toBe(0);
    const clientId = /^CONSOLE_CLIENT_ID=(tco_\w+)$/.exec(registered.stdout)?.[1];
    expect(clientId).toBeDefined();
    const conn = await mysql.createConnection(databases.mysqlUrl);
    const [rows] = await conn.query('SELECT organization_id, redirect_uris, is_confidential, client_secret FROM oauth_clients WHERE client_id = ?', [clientId]);
    await conn.end();
    expect(rows).toEqual([{ organization_id: Number(org.stdout), redirect_uris: ['https://trestle.example.com/console/callback'], is_confidential: 0, client_secret: '' }]);
    expect(cli('console', 'register').code).toBe(2);
    expect(cli('console', 'register', '--org', '987654').code).toBe(1);
  });

  it('explains bad usage with exit code 2', () => {
    const missing = cli('key', 'create');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --org');
    expect(cli('org', 'create').code).toBe(2);
    const unknown = cli('frobnicate', 'now');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown command "frobnicate now"/);
    const unknownFlag = cli('key', 'create', '--org', '1', '--colour', 'red');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('--colour');
  });

  it('refuses an unknown organization and unknown scopes with exit code 1', () => {
    const noOrg = cli('key', 'create', '--org', '987654');
    expect(noOrg.code).toBe(1);
    expect(noOrg.stderr).toContain('Organization 987654 was not found');
    const org = cli('org', 'create', 'Scoped');
    const badScope = cli('key', 'create', '--org', org.stdout, '--scopes', 'keys:everything');
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('Unknown scopes: keys:everything');
  });

  it('creates a local account for the OAuth sign-in page, and rotates the ID-token signing key', async () => {
    const org = cli('org', 'create', 'Accounts');
    const user = cli('user', 'create', '--org', org.stdout, '--email', 'Site.Manager@Example.com', '--password', 'a long enough password', '--role', 'admin');
    expect(user.code).toBe(0);
    expect(user.stdout).toMatch(/^\d+$/);
    const conn = await mysql.createConnection(databases.mysqlUrl);
    const [rows] = await conn.query('SELECT u.email, u.password_hash, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.id = ?', [Number(user.stdout)]);
    expect(rows).toEqual([{ email: 'site.manager@example.com', password_hash: expect.stringMatching(/^scrypt\$/), role: 'admin' }]);
    const short = cli('user', 'create', '--org', org.stdout, '--email', 'x@example.com', '--password', 'short', '--role', 'admin');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('password must be at least');
    // Long enough but common, repeated, or built on the e-mail address (NIST SP 800-63B).
    for (const [password, reason] of [
      ['password1234', 'common'],
      ['aaaaaaaaaaaa', 'repeats characters'],
      ['site.manager.2026', 'e-mail address'],
    ] as const) {
      const weak = cli('user', 'create', '--org', org.stdout, '--email', 'site.manager@example.com', '--password', password, '--role', 'viewer');
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('password is too easy to guess');
      expect(weak.stderr).toContain(reason);
    }

    const first = cli('oauth', 'rotate-keys');
    const second = cli('oauth', 'rotate-keys', '--retire-after', '60');
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const [keys] = await conn.query('SELECT kid, sealed_jwk, retire_at FROM oauth_signing_keys ORDER BY id');
    await conn.end();
    const list = keys as Array<{ kid: string; sealed_jwk: string; retire_at: Date | null }>;
    expect(list.map((k) => k.kid)).toEqual([first.stdout, second.stdout]);
    expect(list[0]!.retire_at).toBeInstanceOf(Date);
    expect(list[1]!.retire_at).toBeNull();
    expect(list.every((k) => k.sealed_jwk.startsWith('v1.'))).toBe(true);
  }, 120_000);

  it('prints the schema', () => {
    const schema = cli('schema', 'print');
    expect(schema.code).toBe(0);
    expect(schema.stdout).toContain('type Query');
  });
});
