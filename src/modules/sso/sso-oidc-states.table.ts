import { mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, ref, time } from '../../platform/db/columns.js';

/** An OIDC login in progress: its state, nonce and PKCE verifier, for a few minutes, used once. */
export const ssoOidcStates = mysqlTable('sso_oidc_states', {
  state: varchar('state', { length: 64 }).primaryKey(),
  connectionId: ref('connection_id').notNull(),
  nonce: varchar('nonce', { length: 64 }).notNull(),
  codeVerifier: varchar('code_verifier', { length: 128 }).notNull(),
  returnTo: varchar('return_to', { length: 2000 }).notNull(),
  expiresAt: time('expires_at').notNull(),
  createdAt: createdAt(),
});
