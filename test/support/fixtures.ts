import { afterEach, test as base } from 'vitest';
import { startTestApp, type TestApp } from './test-app.js';

let failures = 0;
afterEach(({ task }) => {
  if (task.result?.state === 'fail') failures += 1;
});

/**
 * Chained fixtures: app (one per file, on databases of its own) → org → key.
 * The file's databases are dropped only when every test in it passed, so a failure leaves its
 * data to look at. `overrides` are environment variables of the file's app.
 */
export function appFixtures(overrides: Record<string, string> = {}) {
  return base
    .extend<{ app: TestApp }>({
      app: [
        async ({}, use) => {
          const app = await startTestApp('suite', overrides);
          await use(app);
          await app.close({ dropData: failures === 0 });
        },
        { scope: 'file' },
      ],
    })
    .extend<{ org: { id: number; name: string } }>({
      org: async ({ app }, use) => {
        await use(await app.createOrganization());
      },
    })
    .extend<{ key: string }>({
      key: async ({ app, org }, use) => {
        await use((await app.createKey(org.id, ['*'])).plaintext);
      },
    });
}

export const test = appFixtures();

export { expect, describe } from 'vitest';
