// First, before any other module is resolved: drizzle-orm's files load without re-reading its
// package.json each time (see platform/module-hooks.ts). The rest is imported dynamically below,
// because static imports are all resolved before this module's body runs.
import './platform/module-hooks.js';
// type-graphql reads decorator metadata through this polyfill; it must load before any decorated class.
import 'reflect-metadata';

/**
 * `npm run worker`: the same modules, jobs only, for scaling workers apart from servers.
 * Memory: start it with `--max-semi-space-size=8 --heap-growing-percent=30` (package.json
 * "worker" does; NODE_OPTIONS accepts both): V8's defaults let the young generation grow to
 * 2 x 64 MB and the heap to several times what is live.
 */
async function main(): Promise<void> {
  const [{ createApp }, { ConfigError, loadConfig, loadDotEnv }, { createLogger }, { closeOnSignals }] = await Promise.all([
    import('./app.js'),
    import('./platform/config.js'),
    import('./platform/logging/logger.js'),
    import('./platform/process.js'),
  ]);
  try {
    loadDotEnv();
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL, { role: 'worker' });
    const app = await createApp(config, logger, { http: false, worker: true });
    closeOnSignals(logger, app.close);
    logger.info('Trestle worker is running');
  } catch (error) {
    if (error instanceof ConfigError) console.error(error.message);
    else throw error;
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error('Trestle worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
