// type-graphql reads decorator metadata through this polyfill; it must load before any decorated class.
import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { createLogger } from './platform/logging/logger.js';
import { closeOnSignals } from './platform/process.js';

/** `npm start`: GraphQL server, with the job worker in the same process unless RUN_WORKER=false. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: config.RUN_WORKER ? 'server+worker' : 'server' });
  const app = await createApp(config, logger, { http: true, worker: config.RUN_WORKER });
  closeOnSignals(logger, app.close);
  const port = await app.listen(config.PORT, config.HOST);
  logger.info({ port }, `Trestle is listening on http://localhost:${port}/graphql`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Trestle failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
