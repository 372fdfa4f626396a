import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Config } from './platform/config.js';
import { connectMySql } from './platform/db/mysql.js';
import { runMigrations } from './platform/db/migrate.js';
import type { Logger } from './platform/logging/logger.js';
import { startQueue } from './platform/queue/boss.js';
import { registerWorker } from './platform/queue/jobs.js';
import { PgPubSub } from './platform/queue/pubsub.js';
import { FieldLimiter } from './platform/rate-limit/field-limiter.js';
import { WindowLimiter } from './platform/rate-limit/window-limiter.js';
import { PRUNE_RATE_LIMITS_CRON, pruneRateLimitsJob } from './platform/rate-limit/prune.job.js';
import { createRequestGate } from './platform/http/request-gate.js';
import { createHttpServer } from './platform/http/server.js';
import type { Services } from './platform/graphql/context.js';
import { credentialFrom, type Principal } from './platform/auth/principal.js';
import { Router } from 'express';
import { createFileStore } from './platform/storage/create-file-store.js';
import { isWellFormedKey, KeyVerifier, keysRouter } from './modules/keys/index.js';
import { endOAuthSessions, isRegisteredWebOrigin, looksLikeAccessToken, OAuthServer, webOriginsOfToken, pruneExpiredArtifacts, verifyAccessToken, type FindSsoLogin } from './modules/oauth/index.js';
import { filesRouter, pruneDownloadLinks } from './modules/files/index.js';
import { importsRouter, startImportWorker } from './modules/imports/index.js';
import { exportsRouter, startExportWorker } from './modules/exports/index.js';
import { docsRouter } from './modules/docs/index.js';
import { startWebhookWorker, subscribedEventNames, webhookSettings } from './modules/webhooks/index.js';
import { callbackSettings, callbacksRouter, startCallbackWorker } from './modules/callbacks/index.js';
import { SecretBox } from './platform/crypto/secret-box.js';
import { EMAIL_ALERTS_CRON, emailAlertsJob, emailPendingAlerts } from './modules/alerts/index.js';
import { smtpMailer } from './platform/mail/mailer.js';
import { sendJob } from './platform/queue/jobs.js';
import { buildAppSchema } from './schema.js';
import { BrowserSessions } from './platform/http/browser-session.js';
import { ssoLoginUrlForEmail, ssoRouter } from './modules/sso/index.js';
import { scimBaseUrl, scimRouter } from './modules/scim/index.js';
import { ensureSyncQueue, integrationSettings, integrationsRouter, startSyncWorker, syncOnCallback } from './modules/integrations/index.js';
import { buildConnectorRegistry } from './connectors.js';
import { consoleRouter } from './modules/console/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AppOptions {
  /** Serve HTTP (GraphQL, GraphiQL, probes). */
  http: boolean;
  /** Run queue workers in this process. */
  worker: boolean;
  /** The OAuth sign-in page's SSO hand-off: a URL to send the browser to, or null. */
  findSsoLogin?: FindSsoLogin;
}

/**
 * The composition root: config → logger → databases → queue → modules → HTTP. Everything is
 * built here and passed in; nothing reaches for a global.
 */
export async function createApp(config: Config, logger: Logger, options: AppOptions) {
  const mysql = connectMySql(config.DATABASE_URL, config.DB_POOL_SIZE);
  const closers: Array<() => Promise<unknown>> = [() => mysql.close()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error: unknown) => logger.warn({ err: error }, 'error while closing'));
  };

  try {
    await runMigrations(mysql.pool);
    const boss = await startQueue({ url: config.QUEUE_DATABASE_URL, schema: config.QUEUE_SCHEMA, logger, superviseIntervalSeconds: config.QUEUE_SUPERVISE_INTERVAL_S });
    closers.push(() => boss.stop({ graceful: true, timeout: 10_000 }));
    const pubsub = new PgPubSub(config.QUEUE_DATABASE_URL, logger, config.QUEUE_SCHEMA);
    closers.push(() => pubsub.close());
    const verifier = new KeyVerifier(mysql.db, {
      ttlMs: config.KEY_CACHE_TTL_MS,
      flushMs: config.KEY_LAST_USED_FLUSH_MS,
      logger,
    });
    verifier.start();
    closers.push(() => verifier.stop());
    const limiter = new WindowLimiter(mysql.pool, { maxLease: config.RATE_LIMIT_MAX_LEASE });
    const fieldLimiter = new FieldLimiter(mysql.pool);

    if (!config.ENCRYPTION_KEY) logger.warn('ENCRYPTION_KEY is not set: stored secrets are sealed with a development key');
    const secrets = config.ENCRYPTION_KEY
      ? new SecretBox(Buffer.from(config.ENCRYPTION_KEY, 'base64'))
      : SecretBox.fromPassphrase('trestle-development-key-not-for-production');
    const hooks = webhookSettings(config);
    const services: Services = { config, db: mysql.db, pool: mysql.pool, pubsub, boss, fieldLimiter, logger };
    const store = createFileStore(config, path.join(ROOT, '.data', 'files'));
    // PUBLIC_URL, or http://localhost:<the port actually listened on> (known once listen() ran).
    let listenedPort = config.PORT;
    const publicUrl = () => (config.PUBLIC_URL ?? `http://localhost:${listenedPort}`).replace(/\/+$/, '');
    const sessions = new BrowserSessions(secrets.deriveKey('browser-session'), { secure: config.PUBLIC_URL?.startsWith('https:') ?? false, db: mysql.db });
    // Integrations: every connector this deployment offers (src/connectors.ts).
    const connectors = buildConnectorRegistry(config);
    const integrations = integrationSettings(config);
    const jobRetry = { limit: config.JOB_RETRY_LIMIT, delaySeconds: config.JOB_RETRY_DELAY_S };
    await ensureSyncQueue(boss);

    if (options.worker) {
      await registerWorker(boss, logger, {
        job: pruneRateLimitsJob,
        handler: async () => {
          const removed = (await limiter.prune()) + (await fieldLimiter.prune());
          if (removed) logger.info({ removed }, 'pruned expired rate-limit windows');
          await pruneDownloadLinks(mysql.db);
          const oauthPruned = await pruneExpiredArtifacts(mysql.db);
          if (oauthPruned) logger.info({ removed: oauthPruned }, 'pruned expired OAuth codes, tokens and sessions');
        },
      });
      await boss.schedule(pruneRateLimitsJob.name, PRUNE_RATE_LIMITS_CRON, {});
      // Imports: runs claimed under their pg-boss job, heartbeats on the job row, database
      // outages waited out, and a sweep that resumes the jobs whose runner is gone.
      await startImportWorker({
        db: mysql.db,
        boss,
        store,
        pubsub,
        logger,
        chunkRows: config.IMPORT_CHUNK_ROWS,
        writeRows: config.IMPORT_WRITE_ROWS,
        writeConcurrency: config.IMPORT_WRITE_CONCURRENCY,
        preloadMaxValues: config.IMPORT_PRELOAD_MAX_VALUES,
        heartbeatSeconds: config.IMPORT_HEARTBEAT_S,
        dbWaitSeconds: config.JOB_DB_WAIT_S,
        retry: jobRetry,
        maxResumes: config.JOB_MAX_RESUMES,
        subscribedEvents: (organizationId, names) => subscribedEventNames(mysql.db, organizationId, names),
      });
      await startExportWorker({
        db: mysql.db,
        boss,
        store,
        logger,
        heartbeatSeconds: config.IMPORT_HEARTBEAT_S,
        dbWaitSeconds: config.JOB_DB_WAIT_S,
        retry: jobRetry,
        maxResumes: config.JOB_MAX_RESUMES,
      });
      const mailer = config.SMTP_URL ? smtpMailer(config.SMTP_URL, config.SMTP_FROM) : null;
      let onAlert: (() => void) | undefined;
      if (mailer) {
        closers.push(async () => mailer.close());
        await registerWorker(boss, logger, { job: emailAlertsJob, handler: async () => void (await emailPendingAlerts(mysql.pool, mailer, logger)) });
        await boss.schedule(emailAlertsJob.name, EMAIL_ALERTS_CRON, {});
        onAlert = () => void sendJob(boss, emailAlertsJob, {}).catch((error: unknown) => logger.warn({ err: error }, 'could not queue alert e-mails'));
      }
      const webhookWorker = await startWebhookWorker({ db: mysql.db, pool: mysql.pool, boss, secrets, logger, settings: hooks, ...(onAlert ? { onAlert } : {}) });
      closers.push(() => webhookWorker.stop());
      await startSyncWorker({ db: mysql.db, boss, pubsub, secrets, logger, registry: connectors, settings: integrations, onAlert });
      // A verified QuickBooks webhook triggers an incremental pull of its connection.
      await startCallbackWorker({ db: mysql.db, boss, logger, settings: callbackSettings(config), handlers: { quickbooks: syncOnCallback(boss, logger) } });
    }

    let server: Awaited<ReturnType<typeof createHttpServer>> | undefined;
    // OAuth 2.0 authorization server. Its issuer is PUBLIC_URL/oauth, or
    // http://localhost:<port listened on>/oauth: the provider is built on the first request.
    const oauth = new OAuthServer({
      db: mysql.db,
      secrets,
      sessions,
      loginLimiter: new WindowLimiter(mysql.pool, { maxLease: 1 }),
      throttle: { perAccount: config.OAUTH_LOGIN_MAX_ATTEMPTS, perAddress: config.OAUTH_LOGIN_MAX_ATTEMPTS_PER_IP, windowSeconds: config.OAUTH_LOGIN_WINDOW_S },
      ttls: { accessTokenSeconds: config.OAUTH_ACCESS_TOKEN_TTL_S, refreshTokenSeconds: config.OAUTH_REFRESH_TOKEN_TTL_S },
      publicUrl,
      // An e-mail whose domain has an SSO connection signs in there, then comes back signed in.
      findSsoLogin: options.findSsoLogin ?? ((email, returnTo) => ssoLoginUrlForEmail(mysql.db, email, returnTo)),
      logger,
    });
    if (options.http) {
      const schema = await buildAppSchema({
        verifier,
        pubsub,
        defaultRateLimit: config.RATE_LIMIT_PER_HOUR,
        store,
        maxUploadBytes: config.MAX_UPLOAD_BYTES,
        secrets,
        webhookSettings: hooks,
        sso: { secrets, publicUrl, allowHttp: config.SSO_ALLOW_INSECURE_IDPS, dnsServers: config.SSO_DNS_SERVERS },
        connectors,
        integrationSettings: integrations,
        jobRetry,
      });
      const insecurePrincipal: Principal | undefined =
        config.INSECURE_NO_AUTH_ORG_ID === undefined
          ? undefined
          : {
              kind: 'anonymous_insecure',
              organizationId: config.INSECURE_NO_AUTH_ORG_ID,
              id: '0',
              label: 'insecure-no-auth',
              scopes: ['*'],
              rateLimitPerHour: null,
            };
      if (insecurePrincipal) logger.warn('INSECURE_NO_AUTH_ORG_ID is set: authentication and rate limits are OFF');
      const gate = createRequestGate({
        authenticate: async (headers) => {
          const presented = credentialFrom(headers);
          if (presented === null) return null;
          // API keys have their own checksummed shape; anything shaped like an opaque OAuth token is one.
          if (!isWellFormedKey(presented) && looksLikeAccessToken(presented)) return verifyAccessToken(mysql.db, presented, config.RATE_LIMIT_PER_HOUR);
          return verifier.verify(presented);
        },
        limiter,
        spike: { limit: config.RATE_LIMIT_SPIKE, windowSeconds: config.RATE_LIMIT_SPIKE_WINDOW_S },
        anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
        refusedCredentialsPerMinute: config.RATE_LIMIT_REFUSED_CREDENTIALS_PER_MINUTE,
        insecurePrincipal,
      });
      const rest = Router();
      rest.use(filesRouter({ db: mysql.db, store }));
      rest.use(importsRouter({ importDeps: { db: mysql.db, boss, store, maxUploadBytes: config.MAX_UPLOAD_BYTES, retry: jobRetry }, gate, logger }));
      rest.use(keysRouter({ db: mysql.db, gate, logger, pubsub, verifier, defaultRateLimit: config.RATE_LIMIT_PER_HOUR }));
      rest.use(exportsRouter({ db: mysql.db, boss, store, gate, logger, retry: jobRetry }));
      rest.use(integrationsRouter({ db: mysql.db, boss, secrets, registry: connectors, settings: integrations, logger, gate }));
      server = await createHttpServer({
        restRouter: rest,
        docsRouter: docsRouter(),
        browserRouter: Router().use(
          ssoRouter({
            db: mysql.db,
            secrets,
            sessions,
            publicUrl,
            redirectToPublicHost: !config.PUBLIC_URL,
            allowHttp: config.SSO_ALLOW_INSECURE_IDPS,
            onSignOut: (userId) => endOAuthSessions(mysql.db, userId),
            logger,
          }),
          // The web console (/console): a public OAuth client of /oauth, calling /graphql.
          consoleRouter({ db: mysql.db, assetsDir: config.CONSOLE_ASSETS_DIR ?? path.join(ROOT, 'dist', 'console'), clientId: () => config.CONSOLE_CLIENT_ID, publicUrl, redirectToPublicHost: !config.PUBLIC_URL }),
        ),
        oauthRouter: oauth.router(),
        hooksRouter: callbacksRouter({ db: mysql.db, boss, secrets, logger, settings: callbackSettings(config) }),
        // SCIM 2.0 for identity providers: its own bearer tokens (createScimToken), not API keys.
        scimRouter: scimRouter({
          db: mysql.db,
          pubsub,
          logger,
          baseUrl: scimBaseUrl(config),
          bodyLimitBytes: config.BODY_LIMIT_BYTES,
          rateLimit: { limiter, perTokenPerMinute: config.SCIM_RATE_LIMIT_PER_MINUTE, anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE },
        }),
        maxUploadBytes: config.MAX_UPLOAD_BYTES,
        // Browser apps on other origins: only with a token of a client that registered the origin.
        cors: {
          ownOrigin: () => new URL(publicUrl()).origin,
          isWebOrigin: (origin) => isRegisteredWebOrigin(mysql.db, origin),
          originsOfToken: (token) => webOriginsOfToken(mysql.db, token),
        },
        schema,
        services,
        gate,
        limits: {
          maxDepth: config.QUERY_MAX_DEPTH,
          maxAliases: config.QUERY_MAX_ALIASES,
          maxComplexity: config.QUERY_MAX_COMPLEXITY,
          maxTokens: config.QUERY_MAX_TOKENS,
          maxQueryBytes: config.QUERY_MAX_BYTES,
        },
        maxResponseBytes: config.RESPONSE_MAX_BYTES,
        publicIntrospection: config.INTROSPECTION_PUBLIC,
        bodyLimitBytes: config.BODY_LIMIT_BYTES,
        graphiqlAssetsDir: config.GRAPHIQL_ASSETS_DIR ?? path.join(ROOT, 'dist', 'graphiql'),
        readiness: {
          mysql: async () => {
            await mysql.pool.query('SELECT 1');
          },
          postgres: async () => {
            await boss.getQueues();
          },
        },
        logger,
      });
      // Apollo's drain plugin closes the HTTP server and the WebSocket server with it.
      const started = server;
      closers.push(() => started.stop());
    }

    return {
      services,
      verifier,
      oauth,
      browserSessions: sessions,
      /** Listens on `port` (0 for any free port); resolves with the port. */
      async listen(port: number, host: string): Promise<number> {
        if (!server) throw new Error('this app was created without HTTP');
        const httpServer = server.httpServer;
        await new Promise<void>((resolve, reject) => {
          httpServer.once('error', reject);
          httpServer.listen(port, host, () => resolve());
        });
        listenedPort = (httpServer.address() as AddressInfo).port;
        return listenedPort;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export type App = Awaited<ReturnType<typeof createApp>>;
