import { index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time } from '../../platform/db/columns.js';

/**
 * One authorization-code flow in progress: the state sent to the provider (stored hashed), bound
 * to a connection and organization, with the PKCE verifier sealed. Used once, then deleted.
 */
export const integrationOauthStates = mysqlTable(
  'integration_oauth_states',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    stateHash: varchar('state_hash', { length: 64 }).notNull(),
    /** Sealed PKCE code verifier, when the provider takes PKCE. */
    codeVerifier: varchar('code_verifier', { length: 255 }),
    redirectUri: varchar('redirect_uri', { length: 1000 }).notNull(),
    expiresAt: time('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uq_integration_oauth_states').on(t.stateHash), index('idx_integration_oauth_states_conn').on(t.connectionId)],
);
