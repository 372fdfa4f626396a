// type-graphql reads decorator metadata through this polyfill; it must load before any decorated class.
import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './platform/config.js';
import { createLogger } from './platform/logging/logger.js';
import { closeOnSignals } from './platform/process.js';

/** `npm start`: GraphQL server, with the job worker in the same process unless RUN_WORKER=false. */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, { role: config.RUN_WORKER ? 'server+worker' : 'server' });
  const app = await createApp(config, logger, { http: true, worker: config.RUN_WORKER });
  closeOnSignals(logger, app.close);
  let port: number;
  try {
    port = await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await app.close();
    throw error;
  }
  const issuer = `${(config.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')}/oauth`;
  logger.info({ port, oauthIssuer: issuer }, `Trestle is listening on http://localhost:${port}/graphql`);
  if (!config.PUBLIC_URL) {
    logger.warn({ oauthIssuer: issuer }, `PUBLIC_URL is not set: the OAuth issuer is ${issuer}, and OAuth clients must reach this server by that very URL (not 127.0.0.1 or another name) for discovery's issuer check to pass`);
  }
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof ConfigError) console.error(error.message);
  else if (code === 'EADDRINUSE' || code === 'EACCES') {
    const { PORT, HOST } = process.env;
    console.error(`Trestle could not listen on ${HOST || '0.0.0.0'}:${PORT || 4000}: ${code === 'EADDRINUSE' ? 'the port is in use by another process' : 'permission denied'} (set PORT to another port)`);
  } else console.error('Trestle failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
