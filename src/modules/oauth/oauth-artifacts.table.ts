import { datetime, index, json, mysqlTable, primaryKey, varbinary, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, time } from '../../platform/db/columns.js';

/**
 * Everything oidc-provider stores (authorization codes, access and refresh tokens, client
 * credentials tokens, grants, sessions, interactions), one row per artifact keyed by
 * (model, id). The columns beside the payload are the ones the adapter looks rows up by.
 * A row past expires_at is treated as absent and pruned by the maintenance job.
 */
export const oauthArtifacts = mysqlTable(
  'oauth_artifacts',
  {
    model: varchar('model', { length: 40 }).notNull(),
    // Binary: token values and ids are case-sensitive (the table's collation is not).
    id: varbinary('id', { length: 255 }).notNull(),
    payload: json('payload').$type<Record<string, unknown>>().notNull(),
    grantId: varbinary('grant_id', { length: 255 }),
    /** Sessions are also found by uid. */
    uid: varbinary('uid', { length: 255 }),
    userCode: varbinary('user_code', { length: 255 }),
    /** The oauth_clients.client_id the artifact belongs to, so deleting a client removes its tokens. */
    clientId: varchar('client_id', { length: 100 }),
    expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }),
    /** Set once, atomically, by consume(): a code or rotated refresh token used a second time is reuse. */
    consumedAt: time('consumed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'pk_oauth_artifacts', columns: [t.model, t.id] }),
    index('idx_oauth_artifacts_grant').on(t.grantId),
    index('idx_oauth_artifacts_uid').on(t.uid),
    index('idx_oauth_artifacts_user_code').on(t.userCode),
    index('idx_oauth_artifacts_client').on(t.clientId),
    index('idx_oauth_artifacts_expires').on(t.expiresAt),
  ],
);

export type OAuthArtifactRow = typeof oauthArtifacts.$inferSelect;
