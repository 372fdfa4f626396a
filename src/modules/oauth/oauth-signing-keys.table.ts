import { mysqlTable, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, time } from '../../platform/db/columns.js';

/**
 * Keys that sign ID tokens. The private JWK is sealed with the SecretBox; the newest active key
 * signs, older ones stay published in the JWKS until retire_at so tokens they signed still verify.
 */
export const oauthSigningKeys = mysqlTable(
  'oauth_signing_keys',
  {
    id: id(),
    kid: varchar('kid', { length: 64 }).notNull(),
    alg: varchar('alg', { length: 16 }).notNull(),
    /** SecretBox-sealed private JWK (JSON). */
    sealedJwk: text('sealed_jwk').notNull(),
    /** After this, the key is left out of the JWKS (set when a newer key replaces it). */
    retireAt: time('retire_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uq_oauth_signing_keys_kid').on(t.kid)],
);

export type OAuthSigningKeyRow = typeof oauthSigningKeys.$inferSelect;
