import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { randomBase62, sha256Hex } from '../../platform/crypto/tokens.js';
import { AppError, BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { scimTokens, type ScimTokenRow } from './scim-tokens.table.js';

/**
 * SCIM tokens: `trscim_` and 43 base62 characters (about 256 random bits). Only their SHA-256
 * is stored; a token is shown once, when created or rotated.
 */
const TOKEN_PATTERN = /^trscim_[0-9A-Za-z]{43}$/;
const PREFIX_LENGTH = 13;
/** `last_used_at` is written at most this often per token. */
const LAST_USED_RESOLUTION_S = 60;

export interface ScimTokenWithSecret {
  token: ScimTokenRow;
  plaintext: string;
  audit: AuditEventRow[];
}

function newToken(): { plaintext: string; hash: string; prefix: string } {
  const plaintext = `trscim_${randomBase62(43)}`;
  return { plaintext, hash: sha256Hex(plaintext), prefix: plaintext.slice(0, PREFIX_LENGTH) };
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 255) throw new BadInputError('name must be 1 to 255 characters', { field: 'name' });
  return trimmed;
}

const createdByKey = (actor: Actor) => (actor.type === 'api_key' && actor.id ? Number(actor.id) : null);

export async function createScimToken(db: Db, actor: Actor, organizationId: number, name: string): Promise<ScimTokenWithSecret> {
  const clean = checkName(name);
  return db.transaction(async (tx) => {
    const { plaintext, hash, prefix } = newToken();
    const [result] = await tx.insert(scimTokens).values({ organizationId, name: clean, tokenHash: hash, tokenPrefix: prefix, createdByKeyId: createdByKey(actor) });
    const [token] = await tx.select().from(scimTokens).where(eq(scimTokens.id, result.insertId));
    if (!token) throw new Error('inserted SCIM token not found');
    const audit = await recordAudit(tx, actor, { organizationId, action: 'scim_token.created', targetType: 'scim_token', targetId: token.id, metadata: { name: clean, prefix } });
    return { token, plaintext, audit: [audit] };
  });
}

export async function listScimTokens(db: Db, organizationId: number, page: Page): Promise<ScimTokenRow[]> {
  return db
    .select()
    .from(scimTokens)
    .where(and(eq(scimTokens.organizationId, organizationId), page.beforeId === null ? undefined : lt(scimTokens.id, page.beforeId)))
    .orderBy(desc(scimTokens.id))
    .limit(page.limit + 1);
}

export async function getScimToken(db: Db, organizationId: number, id: number): Promise<ScimTokenRow> {
  const [token] = await db.select().from(scimTokens).where(and(eq(scimTokens.id, id), eq(scimTokens.organizationId, organizationId)));
  if (!token) throw new NotFoundError('SCIM token', id);
  return token;
}

/** The organization's token `id`, locked for the rest of the transaction; NOT_FOUND otherwise. */
async function lockToken(tx: DbOrTx, organizationId: number, id: number): Promise<ScimTokenRow> {
  const [token] = await tx
    .select()
    .from(scimTokens)
    .where(and(eq(scimTokens.id, id), eq(scimTokens.organizationId, organizationId)))
    .for('update');
  if (!token) throw new NotFoundError('SCIM token', id);
  return token;
}

/** Revokes a token at once (the next request with it gets 401). Revoking a revoked token returns it unchanged. */
export async function revokeScimToken(db: Db, actor: Actor, organizationId: number, id: number): Promise<{ token: ScimTokenRow; audit: AuditEventRow[] }> {
  return db.transaction(async (tx) => {
    const current = await lockToken(tx, organizationId, id);
    if (current.revokedAt) return { token: current, audit: [] };
    const revokedAt = new Date();
    await tx.update(scimTokens).set({ revokedAt }).where(eq(scimTokens.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'scim_token.revoked', targetType: 'scim_token', targetId: id, metadata: { prefix: current.tokenPrefix } });
    return { token: { ...current, revokedAt }, audit: [audit] };
  });
}

/**
 * A new secret under the same name; the old token is revoked in the same transaction (paste the
 * new one into the identity provider right away: provisioning fails until then).
 */
export async function rotateScimToken(db: Db, actor: Actor, organizationId: number, id: number): Promise<ScimTokenWithSecret & { previous: ScimTokenRow }> {
  return db.transaction(async (tx) => {
    const current = await lockToken(tx, organizationId, id);
    if (current.revokedAt) throw new AppError('CONFLICT', `SCIM token ${id} is revoked; create a new one instead`, { context: { id: String(id) } });
    const { plaintext, hash, prefix } = newToken();
    const [result] = await tx.insert(scimTokens).values({ organizationId, name: current.name, tokenHash: hash, tokenPrefix: prefix, createdByKeyId: createdByKey(actor) });
    const revokedAt = new Date();
    await tx.update(scimTokens).set({ revokedAt, replacedById: result.insertId }).where(eq(scimTokens.id, id));
    const [token] = await tx.select().from(scimTokens).where(eq(scimTokens.id, result.insertId));
    if (!token) throw new Error('inserted SCIM token not found');
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'scim_token.rotated',
      targetType: 'scim_token',
      targetId: token.id,
      metadata: { prefix, previousId: String(id), previousPrefix: current.tokenPrefix },
    });
    return { token, plaintext, previous: { ...current, revokedAt, replacedById: result.insertId }, audit: [audit] };
  });
}

/**
 * The organization and token id a presented bearer token acts for, or null (wrong format,
 * unknown, revoked). The lookup is by hash, so it reveals nothing of the secret through timing.
 */
export async function verifyScimToken(db: Db, presented: string): Promise<{ tokenId: number; organizationId: number } | null> {
  if (!TOKEN_PATTERN.test(presented)) return null;
  const [token] = await db
    .select({ id: scimTokens.id, organizationId: scimTokens.organizationId, revokedAt: scimTokens.revokedAt })
    .from(scimTokens)
    .where(eq(scimTokens.tokenHash, sha256Hex(presented)));
  if (!token || token.revokedAt) return null;
  // Coarse last-use time, written at most once a minute per token; a failure here never fails the request.
  void db
    .update(scimTokens)
    .set({ lastUsedAt: new Date() })
    .where(
      and(
        eq(scimTokens.id, token.id),
        or(isNull(scimTokens.lastUsedAt), lt(scimTokens.lastUsedAt, new Date(Date.now() - LAST_USED_RESOLUTION_S * 1000))),
      ),
    )
    .catch(() => undefined);
  return { tokenId: token.id, organizationId: token.organizationId };
}
