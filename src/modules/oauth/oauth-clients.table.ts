import { boolean, int, json, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, updatedAt } from '../../platform/db/columns.js';

/** The spec's oauth_clients: partner apps that obtain tokens from /oauth. The secret is stored hashed. */
export const oauthClients = mysqlTable(
  'oauth_clients',
  {
    id: id(),
    organizationId: organizationId(),
    name: varchar('name', { length: 255 }).notNull(),
    clientId: varchar('client_id', { length: 100 }).notNull(),
    clientSecret: varchar('client_secret', { length: 255 }).notNull(),
    redirectUris: json('redirect_uris').$type<string[]>().notNull(),
    /** Origins (scheme://host[:port]) of browser apps allowed to call /oauth/token, /graphql and REST with the client's tokens (CORS). */
    webOrigins: json('web_origins').$type<string[]>().notNull().default([]),
    scopes: json('scopes').$type<string[]>().notNull(),
    isConfidential: boolean('is_confidential').notNull().default(true),
    /** Requests per hour for the client's tokens (per client, or per grant for user tokens); null: RATE_LIMIT_PER_HOUR. */
    rateLimit: int('rate_limit'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('uq_oauth_clients_client_id').on(t.clientId)],
);
