import { and, eq, gt, isNull, lte, or } from 'drizzle-orm';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { oauthArtifacts } from './oauth-artifacts.table.js';
import { clientMetadata } from './oauth.clients.js';
import { oauthClients } from './oauth-clients.table.js';

/*
 * oidc-provider's storage on MySQL: one row per artifact in oauth_artifacts, keyed by
 * (model, id). Clients are not stored here: the Client model reads oauth_clients.
 */

const notExpired = (now: Date) => or(isNull(oauthArtifacts.expiresAt), gt(oauthArtifacts.expiresAt, now));

/** The payload as oidc-provider wants it back: `consumed` set when the artifact was used. */
function toPayload(row: { payload: Record<string, unknown>; consumedAt: Date | null }): AdapterPayload {
  const payload = { ...row.payload } as AdapterPayload;
  if (row.consumedAt) payload.consumed = Math.floor(row.consumedAt.getTime() / 1000);
  return payload;
}

/** Artifacts of one model (AccessToken, Session, …). */
export class MySqlArtifactAdapter implements Adapter {
  constructor(
    private readonly db: Db,
    private readonly model: string,
  ) {}

  private key(id: string) {
    return and(eq(oauthArtifacts.model, this.model), eq(oauthArtifacts.id, id));
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    const values = {
      payload: payload as Record<string, unknown>,
      grantId: payload.grantId ?? null,
      uid: payload.uid ?? null,
      userCode: payload.userCode ?? null,
      clientId: payload.clientId ?? null,
      expiresAt,
    };
    await this.db
      .insert(oauthArtifacts)
      .values({ model: this.model, id, ...values })
      .onDuplicateKeyUpdate({ set: values });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const [row] = await this.db
      .select({ payload: oauthArtifacts.payload, consumedAt: oauthArtifacts.consumedAt })
      .from(oauthArtifacts)
      .where(and(this.key(id), notExpired(new Date())));
    return row ? toPayload(row) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const [row] = await this.db
      .select({ payload: oauthArtifacts.payload, consumedAt: oauthArtifacts.consumedAt })
      .from(oauthArtifacts)
      .where(and(eq(oauthArtifacts.model, this.model), eq(oauthArtifacts.uid, uid), notExpired(new Date())));
    return row ? toPayload(row) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const [row] = await this.db
      .select({ payload: oauthArtifacts.payload, consumedAt: oauthArtifacts.consumedAt })
      .from(oauthArtifacts)
      .where(and(eq(oauthArtifacts.model, this.model), eq(oauthArtifacts.userCode, userCode), notExpired(new Date())));
    return row ? toPayload(row) : undefined;
  }

  /**
   * Marks the artifact used, once: the UPDATE only matches an unconsumed row, so of two
   * requests racing with the same code or refresh token exactly one wins. The loser is treated
   * like any reuse: the whole grant is revoked and the request fails with invalid_grant.
   */
  async consume(id: string): Promise<void> {
    const [result] = await this.db
      .update(oauthArtifacts)
      .set({ consumedAt: new Date() })
      .where(and(this.key(id), isNull(oauthArtifacts.consumedAt)));
    if (result.affectedRows === 1) return;
    const [row] = await this.db.select({ grantId: oauthArtifacts.grantId }).from(oauthArtifacts).where(this.key(id));
    if (row?.grantId) await revokeGrant(this.db, row.grantId);
    throw new errors.InvalidGrant('grant already used');
  }

  async destroy(id: string): Promise<void> {
    await this.db.delete(oauthArtifacts).where(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.delete(oauthArtifacts).where(and(eq(oauthArtifacts.model, this.model), eq(oauthArtifacts.grantId, grantId)));
  }
}

/** Removes a grant and every code and token issued under it. */
export async function revokeGrant(db: Db, grantId: string): Promise<void> {
  await db
    .delete(oauthArtifacts)
    .where(or(eq(oauthArtifacts.grantId, grantId), and(eq(oauthArtifacts.model, 'Grant'), eq(oauthArtifacts.id, grantId))));
}

/** Removes every artifact of a client (its tokens, codes and grants): after its deletion. */
export async function revokeClientArtifacts(db: DbOrTx, clientId: string): Promise<number> {
  const [result] = await db.delete(oauthArtifacts).where(eq(oauthArtifacts.clientId, clientId));
  return result.affectedRows;
}

/** Deletes artifacts past their expiry; returns how many. */
export async function pruneExpiredArtifacts(db: Db, now = new Date()): Promise<number> {
  const [result] = await db.delete(oauthArtifacts).where(lte(oauthArtifacts.expiresAt, now));
  return result.affectedRows;
}

/**
 * The Client model: oauth_clients rows mapped to client metadata. Read-only: clients are
 * managed through GraphQL, never dynamic registration.
 */
export class MySqlClientAdapter implements Adapter {
  constructor(private readonly db: Db) {}

  async find(clientId: string): Promise<AdapterPayload | undefined> {
    const [row] = await this.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
    // The column's collation ignores case; client ids do not.
    return row?.clientId === clientId ? clientMetadata(row) : undefined;
  }

  upsert(): Promise<void> {
    return Promise.reject(new Error('OAuth clients are managed through GraphQL'));
  }

  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  consume(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    return Promise.reject(new Error('OAuth clients are managed through GraphQL'));
  }

  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}

/** The adapter factory oidc-provider takes: one adapter per model name. */
export function mySqlAdapterFactory(db: Db) {
  return (name: string): Adapter => (name === 'Client' ? new MySqlClientAdapter(db) : new MySqlArtifactAdapter(db, name));
}

