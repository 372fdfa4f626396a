import mysql from 'mysql2/promise';
import type { GraphQLResolveInfo } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../../test/support/databases.js';
import { runMigrations } from '../db/migrate.js';
import { FieldLimiter } from './field-limiter.js';

let databases: TestDatabases;
let pools: mysql.Pool[];
const info = { fieldName: 'createExport' } as GraphQLResolveInfo;
const call = { parent: undefined, args: {}, info };

beforeAll(async () => {
  databases = await createTestDatabases('field_limiter');
  pools = [mysql.createPool({ uri: databases.mysqlUrl, connectionLimit: 8 }), mysql.createPool({ uri: databases.mysqlUrl, connectionLimit: 8 })];
  await runMigrations(pools[0]!);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await databases.drop();
});

describe('FieldLimiter (graphql-rate-limit with a locked MySQL store)', () => {
  it('admits exactly max calls when two processes race', async () => {
    const [a, b] = pools.map((pool) => new FieldLimiter(pool));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a! : b!).check('api_key:1', { max: 7, window: '1m' }, call)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(7);
    const refused = results.find((r) => !r.allowed)!;
    expect(refused.message).toContain('createExport');
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('counts callers separately', async () => {
    const limiter = new FieldLimiter(pools[0]!);
    expect((await limiter.check('api_key:2', { max: 1, window: '1m' }, call)).allowed).toBe(true);
    expect((await limiter.check('api_key:2', { max: 1, window: '1m' }, call)).allowed).toBe(false);
    expect((await limiter.check('api_key:3', { max: 1, window: '1m' }, call)).allowed).toBe(true);
  });
});
