import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { isScope, scopesNotCovered } from '../../platform/auth/scopes.js';
import { BadInputError } from '../../platform/errors/app-error.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { emitEvent } from '../../platform/events/outbox.js';
import { generateKey } from './keys.format.js';
import { apiKeyCreated, apiKeyRevoked } from './keys.events.js';
import { apiKeys, type ApiKeyRow, type KeyEnvironment } from './keys.table.js';
import { ApiKeyNotActiveError, ApiKeyNotFoundError, InvalidScopesError, ScopeEscalationError } from './keys.errors.js';

export interface CreateKeyInput {
  organizationId: number;
  name: string;
  scopes: string[];
  environment?: KeyEnvironment | undefined;
  /** Requests per hour; the configured default when omitted. */
  rateLimit?: number | null | undefined;
  /** Requests per burst window (RATE_LIMIT_SPIKE_WINDOW_S); the deployment's RATE_LIMIT_SPIKE when omitted. */
  burstLimit?: number | null | undefined;
  expiresAt?: Date | null | undefined;
}

/** What updateApiKey may change; an omitted field stays, a null burstLimit returns to the deployment's default. */
export interface UpdateKeyInput {
  name?: string | undefined;
  rateLimit?: number | undefined;
  burstLimit?: number | null | undefined;
}

export const MAX_RATE_LIMIT = 1_000_000;
export const MAX_BURST_LIMIT = 1_000_000;

function validateLimits(input: { rateLimit?: number | null | undefined; burstLimit?: number | null | undefined }): void {
  const rate = input.rateLimit;
  if (rate !== undefined && rate !== null && (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE_LIMIT)) {
    throw new BadInputError(`rateLimit must be an integer from 1 to ${MAX_RATE_LIMIT} requests per hour`, { field: 'rateLimit' });
  }
  const burst = input.burstLimit;
  if (burst !== undefined && burst !== null && (!Number.isInteger(burst) || burst < 1 || burst > MAX_BURST_LIMIT)) {
    throw new BadInputError(`burstLimit must be an integer from 1 to ${MAX_BURST_LIMIT} requests per burst window`, { field: 'burstLimit' });
  }
}

function validateName(raw: string): string {
  const name = raw.trim();
  if (!name || name.length > 255) throw new BadInputError('name must be 1 to 255 characters', { field: 'name' });
  return name;
}

/** The scopes of whoever creates a key; null for the operator CLI, which may grant anything. */
export type GrantorScopes = readonly string[] | null;

export interface KeyWithSecret {
  key: ApiKeyRow;
  /** Shown once; only its hash is stored. */
  plaintext: string;
  audit: AuditEventRow[];
}

export type KeyState = 'active' | 'expired' | 'revoked' | 'rotating';

/** The state of a key at `now`: revoked wins, then expiry, then a pending rotation. */
export function keyState(key: Pick<ApiKeyRow, 'isActive' | 'expiresAt' | 'replacedById'>, now = new Date()): KeyState {
  if (!key.isActive) return 'revoked';
  if (key.expiresAt && key.expiresAt <= now) return 'expired';
  if (key.replacedById) return 'rotating';
  return 'active';
}

/** What events say about a key: never its secret or hash. */
function keySummary(key: ApiKeyRow) {
  return { id: String(key.id), name: key.name, prefix: key.keyPrefix, environment: key.environment, scopes: key.scopes };
}

const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

function validateCreate(input: CreateKeyInput, grantor: GrantorScopes, defaultRateLimit: number): void {
  validateName(input.name);
  if (input.scopes.length === 0) throw new BadInputError('scopes must list at least one scope', { field: 'scopes' });
  const unknown = input.scopes.filter((s) => !isScope(s));
  if (unknown.length) throw new InvalidScopesError(unknown);
  if (grantor) {
    const escalated = scopesNotCovered(grantor, input.scopes);
    if (escalated.length) throw new ScopeEscalationError(escalated);
  }
  validateLimits({ rateLimit: input.rateLimit ?? defaultRateLimit, burstLimit: input.burstLimit });
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new BadInputError('expiresAt must be in the future', { field: 'expiresAt' });
  }
}

async function insertKey(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  actor: Actor,
  input: CreateKeyInput,
  defaultRateLimit: number,
): Promise<{ key: ApiKeyRow; plaintext: string }> {
  const environment = input.environment ?? 'live';
  const { plaintext, prefix } = generateKey(environment);
  const values = {
    organizationId: input.organizationId,
    name: input.name.trim(),
    keyHash: sha256Hex(plaintext),
    keyPrefix: prefix,
    environment,
    scopes: [...new Set(input.scopes)],
    rateLimit: input.rateLimit ?? defaultRateLimit,
    burstLimit: input.burstLimit ?? null,
    expiresAt: input.expiresAt ?? null,
    createdBy: actor.type === 'user' && actor.id ? Number(actor.id) : null,
    createdByKeyId: actor.type === 'api_key' && actor.id ? Number(actor.id) : null,
  };
  const [result] = await tx.insert(apiKeys).values(values);
  const [key] = await tx.select().from(apiKeys).where(eq(apiKeys.id, result.insertId));
  if (!key) throw new Error('inserted key not found');
  return { key, plaintext };
}

/** Creates a key and its audit event in one transaction. */
export async function createApiKey(
  db: Db,
  actor: Actor,
  grantor: GrantorScopes,
  input: CreateKeyInput,
  defaultRateLimit: number,
): Promise<KeyWithSecret> {
  validateCreate(input, grantor, defaultRateLimit);
  return db.transaction(async (tx) => {
    const { key, plaintext } = await insertKey(tx, actor, input, defaultRateLimit);
    const audit = await recordAudit(tx, actor, {
      organizationId: key.organizationId,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: key.id,
      metadata: { name: key.name, prefix: key.keyPrefix, scopes: key.scopes, environment: key.environment },
    });
    await emitEvent(tx, apiKeyCreated, { apiKey: keySummary(key) }, { organizationId: key.organizationId });
    return { key, plaintext, audit: [audit] };
  });
}

export async function getApiKey(db: Db, organizationId: number, id: number): Promise<ApiKeyRow> {
  const [key] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, organizationId)));
  if (!key) throw new ApiKeyNotFoundError(id);
  return key;
}

export async function listApiKeys(db: Db, organizationId: number, page: Page): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.organizationId, organizationId), page.beforeId === null ? undefined : lt(apiKeys.id, page.beforeId)))
    .orderBy(desc(apiKeys.id))
    .limit(page.limit + 1);
}

/**
 * Changes a key's name, hourly limit or burst limit, with an audit event, in one transaction.
 * Processes that cached the key see the new limits within KEY_CACHE_TTL_MS.
 */
export async function updateApiKey(
  db: Db,
  actor: Actor,
  organizationId: number,
  id: number,
  input: UpdateKeyInput,
): Promise<{ key: ApiKeyRow; audit: AuditEventRow[] }> {
  validateLimits(input);
  const changes: Partial<Pick<ApiKeyRow, 'name' | 'rateLimit' | 'burstLimit'>> = {};
  if (input.name !== undefined) changes.name = validateName(input.name);
  if (input.rateLimit !== undefined) changes.rateLimit = input.rateLimit;
  if (input.burstLimit !== undefined) changes.burstLimit = input.burstLimit;
  if (Object.keys(changes).length === 0) throw new BadInputError('Nothing to update: pass name, rateLimit or burstLimit');
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, organizationId)))
      .for('update');
    if (!current) throw new ApiKeyNotFoundError(id);
    await tx.update(apiKeys).set(changes).where(eq(apiKeys.id, id));
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.updated',
      targetType: 'api_key',
      targetId: id,
      metadata: { prefix: current.keyPrefix, ...changes },
    });
    return { key: { ...current, ...changes }, audit: [audit] };
  });
}

/** Revokes a key at once. Revoking a revoked key is a no-op that returns it. */
export async function revokeApiKey(
  db: Db,
  actor: Actor,
  organizationId: number,
  id: number,
): Promise<{ key: ApiKeyRow; audit: AuditEventRow[] }> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, organizationId)))
      .for('update');
    if (!current) throw new ApiKeyNotFoundError(id);
    if (!current.isActive) return { key: current, audit: [] };
    const revokedAt = new Date();
    await tx.update(apiKeys).set({ isActive: false, revokedAt }).where(eq(apiKeys.id, id));
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.revoked',
      targetType: 'api_key',
      targetId: id,
      metadata: { prefix: current.keyPrefix },
    });
    await emitEvent(tx, apiKeyRevoked, { apiKey: keySummary(current) }, { organizationId });
    return { key: { ...current, isActive: false, revokedAt }, audit: [audit] };
  });
}

/**
 * Issues a replacement with the same name, scopes, environment and limit. The old key keeps
 * working for `overlapSeconds` (0: revoked at once), so a deployment can roll over without
 * downtime.
 */
export async function regenerateApiKey(
  db: Db,
  actor: Actor,
  organizationId: number,
  id: number,
  overlapSeconds: number,
): Promise<KeyWithSecret & { previous: ApiKeyRow }> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
    throw new BadInputError(`overlapSeconds must be from 0 to ${MAX_OVERLAP_SECONDS}`, { field: 'overlapSeconds' });
  }
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, organizationId)))
      .for('update');
    if (!current) throw new ApiKeyNotFoundError(id);
    const state = keyState(current);
    if (state !== 'active') throw new ApiKeyNotActiveError(id, state);

    const { key, plaintext } = await insertKey(
      tx,
      actor,
      {
        organizationId,
        name: current.name,
        scopes: current.scopes,
        environment: current.environment,
        rateLimit: current.rateLimit,
        burstLimit: current.burstLimit,
        expiresAt: current.expiresAt,
      },
      current.rateLimit,
    );
    const now = new Date();
    const overlapEnd = new Date(now.getTime() + overlapSeconds * 1000);
    const previousUpdate =
      overlapSeconds === 0
        ? { isActive: false, revokedAt: now, replacedById: key.id }
        : {
            replacedById: key.id,
            expiresAt: current.expiresAt && current.expiresAt < overlapEnd ? current.expiresAt : overlapEnd,
          };
    await tx.update(apiKeys).set(previousUpdate).where(eq(apiKeys.id, id));
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'api_key.regenerated',
      targetType: 'api_key',
      targetId: id,
      metadata: { replacedById: key.id, prefix: key.keyPrefix, overlapSeconds },
    });
    await emitEvent(tx, apiKeyCreated, { apiKey: keySummary(key) }, { organizationId });
    if (overlapSeconds === 0) await emitEvent(tx, apiKeyRevoked, { apiKey: keySummary(current) }, { organizationId });
    return { key, plaintext, previous: { ...current, ...previousUpdate }, audit: [audit] };
  });
}
