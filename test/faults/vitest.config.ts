import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `npm run test:faults`: suites that start a database pair of their own, kill its servers for
 * a minute under load and check that nothing is lost. Minutes long, so not part of `npm test`.
 * Not merged with the main config (mergeConfig would add its include patterns to these).
 */
export default defineConfig({
  root: ROOT,
  ...(base.resolve ? { resolve: base.resolve } : {}),
  test: {
    include: ['test/faults/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
