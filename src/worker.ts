// type-graphql reads decorator metadata through this polyfill; it must load before any decorated class.
import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { createLogger } from './platform/logging/logger.js';
import { closeOnSignals } from './platform/process.js';

/** `npm run worker`: the same modules, jobs only, for scaling workers apart from servers. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: 'worker' });
  const app = await createApp(config, logger, { http: false, worker: true });
  closeOnSignals(logger, app.close);
  logger.info('Trestle worker is running');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Trestle worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
