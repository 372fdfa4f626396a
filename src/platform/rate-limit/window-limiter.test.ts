import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../../test/support/databases.js';
import { runMigrations } from '../db/migrate.js';
import { WindowLimiter, rateLimitHeaders } from './window-limiter.js';

let databases: TestDatabases;
let pools: mysql.Pool[];

beforeAll(async () => {
  databases = await createTestDatabases('window_limiter');
  // Two pools stand for two server processes: nothing is shared but the database.
  pools = [mysql.createPool({ uri: databases.mysqlUrl, connectionLimit: 10 }), mysql.createPool({ uri: databases.mysqlUrl, connectionLimit: 10 })];
  await runMigrations(pools[0]!);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await databases.drop();
});

describe('WindowLimiter', () => {
  it('admits exactly the limit under concurrent hits from two pools', async () => {
    const [a, b] = pools.map((pool) => new WindowLimiter(pool));
    const hits = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 ? a! : b!).hit('key:concurrent', [{ name: 'hour', limit: 120, windowSeconds: 3600 }])),
    );
    // Both processes kept asking until the window was spent, so no leased token was stranded.
    expect(hits.filter((d) => d.allowed)).toHaveLength(120);
    const [rows] = await pools[0]!.query<mysql.RowDataPacket[]>("SELECT w1_hits FROM rate_limit_counters WHERE bucket = 'key:concurrent'");
    expect(Number(rows[0]?.['w1_hits'])).toBeGreaterThanOrEqual(120);
  });

  it('leases tokens, so most hits cost no round trip, and never grants past the limit', async () => {
    const a = new WindowLimiter(pools[0]!, { maxLease: 50 });
    const b = new WindowLimiter(pools[1]!, { maxLease: 50 });
    const rule = [{ name: 'hour', limit: 160, windowSeconds: 3600 }];
    // A takes a lease of 160/16 = 10 tokens and uses one of them.
    expect((await a.hit('key:lease', rule)).allowed).toBe(true);
    const [rows] = await pools[0]!.query<mysql.RowDataPacket[]>("SELECT w1_hits FROM rate_limit_counters WHERE bucket = 'key:lease'");
    expect(Number(rows[0]?.['w1_hits'])).toBe(10);
    // B can have only what A did not lease.
    let admittedB = 0;
    for (let i = 0; i < 200; i += 1) if ((await b.hit('key:lease', rule)).allowed) admittedB += 1;
    expect(admittedB).toBe(150);
    // A still holds its 9 tokens, and then it is spent too: 160 in all.
    let admittedA = 0;
    for (let i = 0; i < 20; i += 1) if ((await a.hit('key:lease', rule)).allowed) admittedA += 1;
    expect(admittedA).toBe(9);
  });

  it('refuses when any window is full and says when to retry', async () => {
    const limiter = new WindowLimiter(pools[0]!, { now: () => 1_000_000_005_000, maxLease: 1 });
    const rules = [
      { name: 'hour', limit: 100, windowSeconds: 3600 },
      { name: 'burst', limit: 2, windowSeconds: 10 },
    ];
    expect((await limiter.hit('key:burst', rules)).allowed).toBe(true);
    expect((await limiter.hit('key:burst', rules)).allowed).toBe(true);
    const refused = await limiter.hit('key:burst', rules);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(5);
    expect(rateLimitHeaders(refused)).toEqual({
      'RateLimit-Policy': '"hour";q=100;w=3600, "burst";q=2;w=10',
      RateLimit: `"hour";r=98;t=${refused.states[0]!.resetSeconds}, "burst";r=0;t=5`,
    });
  });

  it('counts one window alone, restarting it when it turns', async () => {
    let now = 1_500_000_000_000;
    const limiter = new WindowLimiter(pools[1]!, { now: () => now, maxLease: 1 });
    const rule = [{ name: 'anonymous', limit: 2, windowSeconds: 60 }];
    expect((await limiter.hit('ip:one', rule)).states.map((s) => s.hits)).toEqual([1]);
    expect((await limiter.hit('ip:one', rule)).states.map((s) => s.hits)).toEqual([2]);
    now += 60_000;
    const next = await limiter.hit('ip:one', rule);
    expect(next.states.map((s) => s.hits)).toEqual([1]);
    expect(next.allowed).toBe(true);
  });

  it('starts a fresh count in the next window and prunes old windows', async () => {
    let now = 2_000_000_000_000;
    const limiter = new WindowLimiter(pools[0]!, { now: () => now, maxLease: 1 });
    const rules = [
      { name: 'hour', limit: 3, windowSeconds: 3600 },
      { name: 'minute', limit: 1, windowSeconds: 60 },
    ];
    expect((await limiter.hit('key:windows', rules)).allowed).toBe(true);
    expect((await limiter.hit('key:windows', rules)).allowed).toBe(false);
    now += 60_000;
    // The minute turned, the hour did not: two admitted in it (the refused one does not count).
    const third = await limiter.hit('key:windows', rules);
    expect(third.states.map((s) => s.hits)).toEqual([2, 1]);
    expect(third.allowed).toBe(true);
    now += 3 * 3600_000;
    expect(await limiter.prune()).toBeGreaterThanOrEqual(1);
  });
});
