import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Registered before the hooks under test, so it runs after them in the chain (the last hook
 * registered runs first): it sees only what they pass on, and counts drizzle-orm's relative imports.
 */
const COUNTER = `data:text/javascript,${encodeURIComponent(`
  import { registerHooks } from 'node:module';
  globalThis.relativeImportsPassedOn = 0;
  registerHooks({ resolve(specifier, context, next) {
    if (context.parentURL?.includes('/node_modules/drizzle-orm/') && specifier.startsWith('.')) globalThis.relativeImportsPassedOn++;
    return next(specifier, context);
  } });
`)}`;

/** Runs an ES module snippet in a fresh Node, with the hooks of dist/platform/module-hooks.js (vitest's global setup compiles dist) or without. */
function run(code: string, hooks: boolean): string {
  const imports = ['--import', COUNTER, ...(hooks ? ['--import', './dist/platform/module-hooks.js'] : [])];
  return execFileSync(process.execPath, [...imports, '--input-type=module', '-e', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const LOAD_DRIZZLE = `
  const orm = await import('drizzle-orm');
  const { mysqlTable, int } = await import('drizzle-orm/mysql-core');
  const { drizzle } = await import('drizzle-orm/mysql2');
  const table = mysqlTable('t', { a: int('a') });
  // One copy of each file: an SQL object made in mysql-core is an instance of the root's SQL class.
  console.log(typeof drizzle, orm.eq(table.a, 1) instanceof orm.SQL, orm.getTableName(table), globalThis.relativeImportsPassedOn > 0);
`;

describe('module hooks', () => {
  it("resolve drizzle-orm's relative imports themselves, into one module graph that works", () => {
    expect(run(LOAD_DRIZZLE, true)).toBe('function true t false');
    // Without them, Node's resolver gets those imports (and re-reads drizzle-orm's package.json for each).
    expect(run(LOAD_DRIZZLE, false)).toBe('function true t true');
  });

  it("leave bare specifiers to Node's resolver: a subpath drizzle-orm does not export still fails", () => {
    expect(() => run(`await import('drizzle-orm/no-such-entry-point');`, true)).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
