import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) without an exports map. Node, and so
    // Apollo Server and type-graphql, load the CommonJS build; Vite would pick the ESM one for
    // our sources, and graphql refuses to mix the two ("from another module or realm").
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Only the TypeScript sources: compiled output in dist/ must not be tested twice.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/faults/ kills database servers for minutes: `npm run test:faults`, its own config.
    exclude: ['node_modules/**', 'dist/**', 'test/faults/**'],
    environment: 'node',
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: each file starts its own app (and sometimes child servers); more forks only thrash.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
