// How the server and the scripts start: configuration checked before anything else runs (a bad
// value quoted), a port in use named in one plain line, and the bench scripts reaching the same
// databases as the server from the same variables.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from './support/databases.js';
import { testEnv } from './support/test-app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let databases: TestDatabases;
let occupied: net.Server;
let occupiedPort = 0;

beforeAll(async () => {
  databases = await createTestDatabases('startup');
  occupied = net.createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  occupiedPort = (occupied.address() as net.AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => occupied?.close(resolve));
  await databases?.drop();
});

describe('start-up', () => {
  it('scripts/check-config.mjs names a bad variable and quotes its value, before databases or a build', () => {
    const bad = run(['scripts/check-config.mjs'], { PORT: 'abc', RATE_LIMIT_PER_HOUR: '-1' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PORT: ');
    expect(bad.stderr).toContain('(got "abc")');
    expect(bad.stderr).toContain('RATE_LIMIT_PER_HOUR');
    expect(run(['scripts/check-config.mjs'], { PORT: '4001' }).code).toBe(0);
  }, 120_000);

  it('a port in use: one clear line on stderr, no stack, exit status 1', () => {
    const env = testEnv(databases, { PORT: String(occupiedPort), HOST: '127.0.0.1', RUN_WORKER: 'false', LOG_LEVEL: 'error' });
    const result = run(['dist/main.js'], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`Trestle could not listen on 127.0.0.1:${occupiedPort}: the port is in use by another process (set PORT to another port)`);
    expect(result.stdout + result.stderr).not.toMatch(/^\s+at /m);
  }, 300_000);

  it('bench scripts follow TRESTLE_MYSQL_PORT / TRESTLE_PG_PORT as the server does', () => {
    const probe = "const m = await import('./scripts/bench-support.mjs'); console.log(m.MYSQL_URL, m.POSTGRES_URL); process.exit(0);";
    const result = run(['--input-type=module', '-e', probe], { DATABASE_URL: '', QUEUE_DATABASE_URL: '', TRESTLE_MYSQL_PORT: '43306', TRESTLE_PG_PORT: '45432' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('mysql://trestle:trestle@127.0.0.1:43306/trestle postgres://postgres@127.0.0.1:45432/trestle');
  }, 120_000);
});
