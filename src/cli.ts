// type-graphql reads decorator metadata through this polyfill; it must load before any decorated class.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv } from './platform/config.js';
import { connectMySql, type Db } from './platform/db/mysql.js';
import { runMigrations } from './platform/db/migrate.js';
import { AppError } from './platform/errors/app-error.js';
import { createOrganization, getOrganization } from './modules/organizations/index.js';
import { createApiKey } from './modules/keys/index.js';
import { createLocalUser, rotateSigningKey } from './modules/oauth/index.js';
import { SecretBox } from './platform/crypto/secret-box.js';
import { registerConsoleClient } from './modules/console/index.js';
import { buildDetachedSchema, printAppSchema } from './schema.js';

const USAGE = `Usage: npm run trestle -- <command>

  org create <name>                         Create an organization; prints its id
  key create --org <id> [--scopes '*']      Create an API key; prints it once
             [--name <name>] [--env live|test] [--rate-limit <per hour>]
  user create --org <id> --email <address>  Create a local account (OAuth sign-in page) and its
              --role owner|admin|member|viewer  membership; the password comes from --password or,
              [--password <pw>] [--name <name>] when absent, from the TRESTLE_PASSWORD variable
  oauth rotate-keys [--retire-after <s>]    New ID-token signing key; older keys stay in the JWKS
                                            for --retire-after seconds (default 86400)
  console register --org <id>               Register the web console as a public OAuth client
                   [--public-url <url>]       owned by that organization; prints CONSOLE_CLIENT_ID
                                            (default URL: PUBLIC_URL, else http://localhost:PORT)
  migrate                                   Apply database migrations
  schema print [--out <file>]               Print the GraphQL schema (SDL)

Works whether or not the server runs; uses DATABASE_URL (default: the local MariaDB).`;

const SYSTEM = { type: 'system' as const, id: 'cli' };

async function withDb<T>(run: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const mysql = connectMySql(config.DATABASE_URL, 2);
  try {
    await runMigrations(mysql.pool);
    return await run(mysql.db);
  } finally {
    await mysql.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [group, action, ...rest] = argv;
  const command = [group, action].filter(Boolean).join(' ');
  switch (command) {
    case 'org create': {
      const name = rest.join(' ').trim();
      if (!name) throw new UsageError('org create needs a name');
      const org = await withDb((db) => createOrganization(db, SYSTEM, { name }));
      console.log(org.id);
      console.error(`Created organization ${org.id} "${org.name}" (slug ${org.slug})`);
      return 0;
    }
    case 'key create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          org: { type: 'string' },
          scopes: { type: 'string', default: '*' },
          name: { type: 'string', default: 'CLI key' },
          env: { type: 'string', default: 'live' },
          'rate-limit': { type: 'string' },
        },
        strict: true,
      });
      const orgId = Number(values.org);
      if (!values.org || !Number.isSafeInteger(orgId) || orgId < 1) throw new UsageError('key create needs --org <organization id>');
      if (values.env !== 'live' && values.env !== 'test') throw new UsageError('--env must be live or test');
      const environment = values.env;
      const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
      const config = loadConfig();
      const created = await withDb(async (db) => {
        await getOrganization(db, orgId);
        return createApiKey(
          db,
          SYSTEM,
          null,
          {
            organizationId: orgId,
            name: values.name,
            scopes: values.scopes.split(/[\s,]+/).filter(Boolean),
            environment,
            rateLimit,
          },
          config.RATE_LIMIT_PER_HOUR,
        );
      });
      console.log(created.plaintext);
      console.error(
        `Created API key ${created.key.id} (${created.key.keyPrefix}…) for organization ${orgId} with scopes ${created.key.scopes.join(' ')}. It is shown only once.`,
      );
      return 0;
    }
    case 'user create': {
      const { values } = parseArgs({
        args: rest,
        options: { org: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string', default: 'member' }, name: { type: 'string' } },
        strict: true,
      });
      const orgId = Number(values.org);
      if (!values.org || !Number.isSafeInteger(orgId) || orgId < 1) throw new UsageError('user create needs --org <organization id>');
      if (!values.email) throw new UsageError('user create needs --email <address>');
      const password = values.password ?? process.env['TRESTLE_PASSWORD'];
      if (!password) throw new UsageError('user create needs --password or TRESTLE_PASSWORD');
      const email = values.email;
      const created = await withDb(async (db) => {
        await getOrganization(db, orgId);
        return createLocalUser(db, SYSTEM, { organizationId: orgId, email, password, role: values.role, name: values.name });
      });
      console.log(created.userId);
      console.error(`${created.created ? 'Created' : 'Updated'} user ${created.userId} <${email}> as ${values.role} of organization ${orgId}`);
      return 0;
    }
    case 'oauth rotate-keys': {
      const { values } = parseArgs({ args: rest, options: { 'retire-after': { type: 'string', default: '86400' } }, strict: true });
      const retireAfter = Number(values['retire-after']);
      if (!Number.isSafeInteger(retireAfter) || retireAfter < 0) throw new UsageError('--retire-after must be whole seconds');
      const config = loadConfig();
      const secrets = config.ENCRYPTION_KEY
        ? new SecretBox(Buffer.from(config.ENCRYPTION_KEY, 'base64'))
        : SecretBox.fromPassphrase('trestle-development-key-not-for-production');
      const { kid } = await withDb((db) => rotateSigningKey(db, secrets, retireAfter));
      console.log(kid);
      console.error(`New signing key ${kid}; running servers sign with it within a minute`);
      return 0;
    }
    case 'console register': {
      const { values } = parseArgs({ args: rest, options: { org: { type: 'string' }, 'public-url': { type: 'string' } }, strict: true });
      const orgId = Number(values.org);
      if (!values.org || !Number.isSafeInteger(orgId) || orgId < 1) throw new UsageError('console register needs --org <organization id>');
      const config = loadConfig();
      const publicUrl = values['public-url'] ?? config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
      const registered = await withDb(async (db) => {
        await getOrganization(db, orgId);
        return registerConsoleClient(db, SYSTEM, orgId, publicUrl);
      });
      console.log(`CONSOLE_CLIENT_ID=${registered.clientId}`);
      console.error(`Registered the console (redirect URI ${registered.redirectUri}); set CONSOLE_CLIENT_ID and restart the server`);
      return 0;
    }
    case 'migrate': {
      await withDb(() => Promise.resolve());
      console.error('Migrations applied');
      return 0;
    }
    case 'schema print': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
      const schema = await buildDetachedSchema();
      const sdl = printAppSchema(schema);
      if (values.out) writeFileSync(values.out, sdl);
      else process.stdout.write(sdl);
      return 0;
    }
    default: {
      const help = group === undefined || group === 'help' || group === '--help';
      if (!help) console.error(`Unknown command "${argv.join(' ')}"\n`);
      console.error(USAGE);
      return help ? 0 : 2;
    }
  }
}

class UsageError extends Error {}

loadDotEnv();
main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    const usage = error instanceof UsageError || isParseArgsError(error);
    if (usage) console.error(`${(error as Error).message}\n\n${USAGE}`);
    else if (error instanceof ConfigError || error instanceof AppError) console.error(error.message);
    else console.error('Command failed:', error instanceof Error ? error.message : error);
    process.exit(usage ? 2 : 1);
  });

function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}
