import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * The environment, validated once at start-up. Every bad variable is named in one error,
 * so an operator fixes them all in a single pass instead of one crash at a time.
 */

/**
 * Loads `file` (default .env in the working directory) into process.env with Node's own
 * process.loadEnvFile, beneath the environment: a variable already set keeps its value. Skipped
 * when NODE_ENV=test, so a developer's .env never changes what a test sees. The server, worker,
 * CLI, scripts/check-config.mjs and the bench scripts call it before loadConfig. True when loaded.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, file = '.env'): boolean {
  if (env['NODE_ENV'] === 'test' || !existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

/** The servers scripts/services.sh starts, on its ports (TRESTLE_MYSQL_PORT / TRESTLE_PG_PORT move both). */
export function localDatabaseUrls(env: NodeJS.ProcessEnv = process.env): { mysql: string; postgres: string } {
  const mysqlPort = env['TRESTLE_MYSQL_PORT'] || '53306';
  const pgPort = env['TRESTLE_PG_PORT'] || '55432';
  return {
    mysql: `mysql://trestle:trestle@127.0.0.1:${mysqlPort}/trestle`,
    postgres: `postgres://postgres@127.0.0.1:${pgPort}/trestle`,
  };
}

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Base URL at which browsers, partner apps and identity providers reach this server, e.g.
   * https://trestle.example.com: the OAuth issuer, SAML entity ids and callback URLs are built on
   * it. Default http://localhost:PORT (the port actually listened on).
   */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** MySQL / MariaDB: every business row. Defaults to the server that scripts/services.sh starts. */
  DATABASE_URL: z.url({ protocol: /^mysql$/ }),
  /** PostgreSQL: pg-boss queue and notifications. Defaults to the server that scripts/services.sh starts. */
  QUEUE_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** pg-boss schema inside QUEUE_DATABASE_URL. */
  QUEUE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('pgboss'),
  DB_POOL_SIZE: int(1, 500).default(10),
  /** Largest JSON request body accepted by /graphql, in bytes. */
  BODY_LIMIT_BYTES: int(1024, 1024 * 1024 * 1024).default(1024 * 1024),
  /** Largest file an import may upload, in bytes (default 100 MB). */
  MAX_UPLOAD_BYTES: int(1, 100 * 1024 * 1024 * 1024).default(100 * 1024 * 1024),
  /** Folder of stored files (uploads, error reports, exports); default .data/files in the project. */
  STORAGE_DIR: z.string().min(1).optional(),
  /** Where files are kept: `local` (the STORAGE_DIR folder) or `s3` (an S3-compatible bucket, S3_* below). */
  STORAGE_BACKEND: z.enum(['local', 's3']).default('local'),
  /**
   * How download links deliver files: `server` streams them through /api/v1/files; `presigned`
   * answers that URL with a redirect to a presigned S3 URL expiring with the link (s3 only).
   */
  STORAGE_DOWNLOADS: z.enum(['server', 'presigned']).default('server'),
  /** Folder of the temporary local copies of S3 objects that readers needing a file on disk get; default the system's temp folder. */
  STORAGE_TEMP_DIR: z.string().min(1).optional(),
  /** S3 endpoint of a non-AWS server (MinIO, Ceph, s3rver…), e.g. http://127.0.0.1:54568; unset: AWS for S3_REGION. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Bucket of the files; required when STORAGE_BACKEND=s3. */
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)')
    .optional(),
  /** Static credentials; unset: the AWS SDK's default chain (environment, profile, instance role). */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style URLs (endpoint/bucket/key), which most S3-compatible servers need. */
  S3_FORCE_PATH_STYLE: boolean.default(false),
  /** Prefix of every object key, e.g. `trestle/`, so deployments can share a bucket. */
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'must be empty or path segments each ending in /, e.g. trestle/')
    .refine((v) => !v.split('/').some((s) => s === '.' || s === '..'), 'must not contain . or .. segments')
    .default(''),
  /** Size of each part of a multipart upload, in MiB (S3's minimum is 5). */
  S3_PART_SIZE_MB: int(5, 5120).default(8),
  /** Seconds between an import worker's heartbeats; a worker silent this long is presumed dead and its job resumes elsewhere (min 10). */
  IMPORT_HEARTBEAT_S: int(10, 3600).default(30),
  /**
   * Retries of an import or export run after its first attempt, each after a pause that doubles
   * from JOB_RETRY_DELAY_S (defaults: 5 retries, 30 s: 30 s, 1, 2, 4 and 8 minutes, about a
   * quarter of an hour in all).
   */
  JOB_RETRY_LIMIT: int(0, 100).default(5),
  JOB_RETRY_DELAY_S: int(1, 3600).default(30),
  /**
   * How long a run that lost its database connection waits for MySQL to answer again before it
   * gives the attempt up (then the retries above take over), in seconds; 0 does not wait.
   */
  JOB_DB_WAIT_S: int(0, 86_400).default(600),
  /**
   * Times the stale-heartbeat sweep resumes an import (or restarts an export) whose runner is
   * gone, before it fails the job saying so.
   */
  JOB_MAX_RESUMES: int(0, 1000).default(5),
  /** How often pg-boss looks for dead workers' jobs, in seconds. */
  QUEUE_SUPERVISE_INTERVAL_S: int(1, 3600).default(30),
  /** Rows an import validates and writes per chunk (and per transaction when skipping bad rows). */
  IMPORT_CHUNK_ROWS: int(1, 100_000).default(1000),
  /**
   * When skipping invalid rows, valid rows of consecutive chunks are written together, in one
   * statement and one transaction with their checkpoint, once this many have gathered.
   */
  IMPORT_WRITE_ROWS: int(1, 100_000).default(5000),
  /**
   * How many of those writes run at once, each in its own transaction and connection; they may
   * commit out of order, and the job's ledger records which rows did.
   */
  IMPORT_WRITE_CONCURRENCY: int(1, 16).default(2),
  /**
   * An import reads the existing values of its unique fields (a vendor's code) once when its
   * scope holds at most this many, and then asks the database only about values some record may
   * hold; 0 turns this off (every value is looked up).
   */
  IMPORT_PRELOAD_MAX_VALUES: int(0, 10_000_000).default(100_000),
  /** How long a validated API key stays in a process's cache; bounds how late a revocation takes effect. */
  KEY_CACHE_TTL_MS: int(0, 60_000).default(5_000),
  /** How often buffered last_used_at values are written back. */
  KEY_LAST_USED_FLUSH_MS: int(100, 600_000).default(30_000),
  /** Default hourly request limit of a new API key (the spec's api_keys.rate_limit default). */
  RATE_LIMIT_PER_HOUR: int(1, 100_000_000).default(1000),
  /** Short spike window on top of the hourly limit: at most RATE_LIMIT_SPIKE requests per RATE_LIMIT_SPIKE_WINDOW_S. */
  RATE_LIMIT_SPIKE: int(1, 100_000_000).default(100),
  RATE_LIMIT_SPIKE_WINDOW_S: int(1, 3600).default(10),
  /**
   * Most tokens a process leases from a shared rate-limit counter at once (at most 1/16 of what
   * is left). 1 counts every request in MySQL; more saves round trips.
   */
  RATE_LIMIT_MAX_LEASE: int(1, 10_000).default(50),
  /** Requests per minute per client IP without credentials. */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: int(1, 100_000_000).default(60),
  /**
   * Refused API keys or tokens one client address may present per minute (per server process);
   * past it, requests with a credential get 429 before any lookup, so guessing costs no database work.
   */
  RATE_LIMIT_REFUSED_CREDENTIALS_PER_MINUTE: int(1, 100_000_000).default(120),
  /** Deepest selection nesting; GraphiQL's introspection query reaches 15 (type references nest 9 deep). */
  QUERY_MAX_DEPTH: int(1, 100).default(15),
  QUERY_MAX_ALIASES: int(1, 1000).default(30),
  /** Estimated cost of one operation (query-guard.ts); introspection counts what it returns. */
  QUERY_MAX_COMPLEXITY: int(1, 1_000_000).default(5_000),
  /** Most lexical tokens in one GraphQL document; parsing stops there (GraphiQL's introspection query has about 300). */
  QUERY_MAX_TOKENS: int(100, 1_000_000).default(5_000),
  /** Longest GraphQL document (the query text), in bytes (413 above). */
  QUERY_MAX_BYTES: int(1024, 64 * 1024 * 1024).default(64 * 1024),
  /** Largest GraphQL response, in bytes: a larger one is refused (QUERY_TOO_COMPLEX) rather than sent. */
  RESPONSE_MAX_BYTES: int(64 * 1024, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  /**
   * Answer introspection (`__schema`, `__type`) without an API key or token. Off by default: the
   * schema is then read only by callers with a credential (GraphiQL loads it once a key is entered).
   */
  INTROSPECTION_PUBLIC: boolean.default(false),
  /** Run the pg-boss worker inside the server process (`npm start`); the worker entry sets it itself. */
  RUN_WORKER: boolean.default(true),
  /** Where the GraphiQL bundle was built. */
  GRAPHIQL_ASSETS_DIR: z.string().optional(),
  /** The public OAuth client the web console signs in as (`npm run trestle -- console register`); /console answers 503 without it. */
  CONSOLE_CLIENT_ID: z.string().max(100).optional(),
  /** Where the console bundle was built (default dist/console). */
  CONSOLE_ASSETS_DIR: z.string().optional(),
  /**
   * Key that seals secrets stored for later use (webhook signing secrets, provider tokens):
   * 32 bytes, base64. Required when NODE_ENV=production; elsewhere a fixed development key is used.
   */
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  /** Webhook receivers on 127.0.0.0/8 and ::1 (local development and tests). */
  WEBHOOK_ALLOW_LOOPBACK: boolean.default(false),
  /** Webhook receivers on private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean.default(false),
  /**
   * Seconds before each delivery attempt, comma-separated: the first is the initial attempt,
   * each further one a retry (jitter of ±10 % is added). The default spans about three days.
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated whole seconds')
    .default('0,5,300,1800,7200,18000,36000,50400,72000,86400'),
  /** A receiver must answer with a 2xx within this many milliseconds. */
  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(15_000),
  /** An endpoint failing every attempt for this long is disabled (default 5 days). */
  WEBHOOK_DISABLE_AFTER_S: int(1, 365 * 86400).default(5 * 86400),
  /** Deliveries in flight at once to one endpoint, across all workers. */
  WEBHOOK_ENDPOINT_CONCURRENCY: int(1, 1000).default(10),
  /**
   * A pending delivery overdue by this many seconds is handed to the queue again by the sweeper
   * (its job was lost, e.g. the queue was unreachable when the retry was scheduled).
   */
  WEBHOOK_SWEEP_GRACE_S: int(5, 86_400).default(60),
  /** How often a worker looks for new outbox events when idle, in milliseconds. */
  WEBHOOK_OUTBOX_POLL_MS: int(10, 60_000).default(200),
  /** Largest provider callback body accepted on /hooks/… (413 above). */
  CALLBACK_BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  /** Days accepted callbacks (and rejection counts) are kept; a replay within this window is recognised. */
  CALLBACK_RETENTION_DAYS: int(1, 3650).default(30),
  /** SMTP server for alert e-mails, e.g. smtps://user:pass@smtp.example.com:465; no e-mail when unset. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** Sender of alert e-mails. */
  SMTP_FROM: z.string().min(3).default('Trestle <alerts@trestle.invalid>'),
  /** OAuth: lifetime of access tokens (authorization code and client credentials), in seconds. */
  OAUTH_ACCESS_TOKEN_TTL_S: int(60, 86_400).default(3600),
  /** OAuth: lifetime of refresh tokens and of the grant behind them, in seconds (default 14 days). */
  OAUTH_REFRESH_TOKEN_TTL_S: int(300, 365 * 86_400).default(14 * 86_400),
  /** OAuth sign-in page: attempts per e-mail address per OAUTH_LOGIN_WINDOW_S, across all processes. */
  OAUTH_LOGIN_MAX_ATTEMPTS: int(1, 10_000).default(10),
  /** OAuth sign-in page: attempts per client address per OAUTH_LOGIN_WINDOW_S. */
  OAUTH_LOGIN_MAX_ATTEMPTS_PER_IP: int(1, 1_000_000).default(100),
  /** OAuth sign-in page: the throttling window, in seconds (default 15 minutes). */
  OAUTH_LOGIN_WINDOW_S: int(10, 86_400).default(900),
  /**
   * SSO: accept http:// (not only https://) OIDC issuers and SAML IdP URLs, and OIDC providers on
   * loopback or private addresses. For local development and tests against providers on this
   * machine; refused when NODE_ENV=production.
   */
  SSO_ALLOW_INSECURE_IDPS: boolean.default(false),
  /**
   * DNS servers that SSO domain verification asks for TXT records, comma-separated ("1.1.1.1",
   * "10.0.0.2:5353"); empty: the system's resolvers.
   */
  SSO_DNS_SERVERS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(?:\[[0-9a-fA-F:.]+\]|[0-9a-zA-Z.:-]+)(?::\d{1,5})?$/, 'a DNS server is host or host:port'))),
  // ── Integrations: the sync framework and the QuickBooks Online connector ──
  /** Consecutive failed syncs of a connection after which integration.error goes out and its organization's admins are alerted. */
  INTEGRATION_FAILURE_ALERT_THRESHOLD: int(1, 1000).default(3),
  /** Seconds an OAuth authorization started by connectIntegration may take before its state expires. */
  INTEGRATION_OAUTH_STATE_TTL_S: int(30, 3600).default(600),
  /** QuickBooks app's OAuth client id (developer.intuit.com → Keys & credentials); QuickBooks connections cannot connect without it. */
  QUICKBOOKS_CLIENT_ID: z.string().min(1).optional(),
  /** QuickBooks app's OAuth client secret. */
  QUICKBOOKS_CLIENT_SECRET: z.string().min(1).optional(),
  /** Intuit's authorization endpoint. */
  QUICKBOOKS_AUTHORIZE_URL: z.url({ protocol: /^https?$/ }).default('https://appcenter.intuit.com/connect/oauth2'),
  /** Intuit's token endpoint (code exchange and refresh). */
  QUICKBOOKS_TOKEN_URL: z.url({ protocol: /^https?$/ }).default('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer'),
  /** Intuit's token revocation endpoint (used when a connection is deleted). */
  QUICKBOOKS_REVOKE_URL: z.url({ protocol: /^https?$/ }).default('https://developer.api.intuit.com/v2/oauth2/tokens/revoke'),
  /** Accounting API base, without /v3: production https://quickbooks.api.intuit.com, sandbox https://sandbox-quickbooks.api.intuit.com. */
  QUICKBOOKS_API_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://quickbooks.api.intuit.com'),
  /** The API minorversion sent with every request. */
  QUICKBOOKS_MINOR_VERSION: int(1, 1000).default(75),
  /** Client-side ceiling of requests per minute per company (Intuit allows 500; the margin keeps 429s rare). */
  QUICKBOOKS_REQUESTS_PER_MINUTE: int(1, 100_000).default(490),
  /** Client-side ceiling of requests in flight per company (Intuit allows 10). */
  QUICKBOOKS_MAX_CONCURRENT: int(1, 100).default(10),
  /** Deadline of one QuickBooks request, in milliseconds. */
  QUICKBOOKS_TIMEOUT_MS: int(100, 300_000).default(30_000),
  /** Attempts of one request that fails with 429, 5xx or a timeout before the sync gives up (backoff honours Retry-After). */
  QUICKBOOKS_MAX_ATTEMPTS: int(1, 20).default(5),
  /**
   * Benchmarks only: every request acts as an all-scopes principal of this organization with
   * no key and no rate limit. Refused when NODE_ENV=production.
   */
  INSECURE_NO_AUTH_ORG_ID: int(1, Number.MAX_SAFE_INTEGER).optional(),
  /**
   * SCIM (/scim/v2) requests per minute per SCIM token, across processes: an identity provider's
   * first sync is a burst of thousands. Requests without a valid token count against
   * RATE_LIMIT_ANONYMOUS_PER_MINUTE per client address.
   */
  SCIM_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(1200),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  readonly problems: string[];

  // No parameter property: scripts/check-config.mjs runs this file with Node's type stripping.
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Variables whose value may hold a secret (a password in a URL, a key): never repeated in an error. */
const SECRET_VARIABLE = /(KEY|SECRET|PASSWORD|TOKEN|_URL)$/;

/** `NAME: problem (got "value")`, the value left out where it may be a secret. */
function problemOf(issue: { path: PropertyKey[]; message: string }, env: Record<string, string | undefined>): string {
  const name = issue.path.map(String).join('.') || '(root)';
  const value = env[name];
  const shown = value !== undefined && !SECRET_VARIABLE.test(name) ? ` (got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)})` : '';
  return `${name}: ${issue.message}${shown}`;
}

/** Parses the environment; empty strings count as unset. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const local = localDatabaseUrls(cleaned);
  cleaned['DATABASE_URL'] ??= local.mysql;
  cleaned['QUEUE_DATABASE_URL'] ??= local.postgres;
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => problemOf(issue, cleaned)));
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production' && config.INSECURE_NO_AUTH_ORG_ID !== undefined) {
    throw new ConfigError(['INSECURE_NO_AUTH_ORG_ID: must not be set when NODE_ENV=production']);
  }
  if (config.NODE_ENV === 'production' && config.SSO_ALLOW_INSECURE_IDPS) {
    throw new ConfigError(['SSO_ALLOW_INSECURE_IDPS: must not be set when NODE_ENV=production']);
  }
  if (config.NODE_ENV === 'production' && config.ENCRYPTION_KEY === undefined) {
    throw new ConfigError(['ENCRYPTION_KEY: required when NODE_ENV=production (32 random bytes, base64)']);
  }
  const storage: string[] = [];
  if (config.STORAGE_BACKEND === 's3' && config.S3_BUCKET === undefined) storage.push('S3_BUCKET: required when STORAGE_BACKEND=s3');
  if ((config.S3_ACCESS_KEY_ID === undefined) !== (config.S3_SECRET_ACCESS_KEY === undefined)) {
    storage.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither');
  }
  if (config.STORAGE_DOWNLOADS === 'presigned' && config.STORAGE_BACKEND !== 's3') storage.push('STORAGE_DOWNLOADS: presigned needs STORAGE_BACKEND=s3');
  if (storage.length) throw new ConfigError(storage);
  return config;
}

/** The retry schedule as numbers of seconds. */
export function retrySchedule(config: Pick<Config, 'WEBHOOK_RETRY_SCHEDULE'>): number[] {
  return config.WEBHOOK_RETRY_SCHEDULE.split(',').map(Number);
}
