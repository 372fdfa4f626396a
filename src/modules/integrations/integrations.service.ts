import { and, desc, eq, gt, inArray, isNotNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import { BadInputError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import type { Logger } from '../../platform/logging/logger.js';
import { sendJob } from '../../platform/queue/jobs.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { getProject } from '../organizations/index.js';
import { columnOf, RECORD_TABLES, type EntityType } from '../records/index.js';
import type { ConnectorDefinition } from './integrations.contract.js';
import { integrationConflicts, type IntegrationConflictRow } from './integration-conflicts.table.js';
import { CONFLICT_POLICIES, integrationConnections, type ConflictPolicy, type IntegrationConnectionRow } from './integration-connections.table.js';
import { integrationCursors } from './integration-cursors.table.js';
import { integrationLinks } from './integration-links.table.js';
import { integrationOauthStates } from './integration-oauth-states.table.js';
import { integrationSyncLogs, type IntegrationSyncLogRow } from './integration-sync-logs.table.js';
import { contentHash } from './integrations.engine.js';
import {
  ConflictNotFoundError,
  IntegrationConfigError,
  IntegrationNotFoundError,
  IntegrationStateError,
  NotOAuthConnectorError,
  ProviderNotConfiguredError,
  UnknownIntegrationTypeError,
} from './integrations.errors.js';
import { runSyncJob, type SyncJobPayload } from './integrations.jobs.js';
import { authorizeUrl, exchangeCode, newState, pruneStates, revokeToken, sealTokens } from './integrations.oauth.js';
import type { ConnectorRegistry } from './integrations.registry.js';
import { redirectUri, type IntegrationSettings } from './integrations.settings.js';
import { mergeSyncSettings, storedSyncSettings, type EntitySettingInput } from './integrations.sync-settings.js';

export interface IntegrationDeps {
  db: Db;
  boss: PgBoss;
  secrets: SecretBox;
  registry: ConnectorRegistry;
  settings: IntegrationSettings;
  logger: Logger;
}

export interface IntegrationInput {
  name?: string | undefined;
  projectId?: number | null | undefined;
  config?: Record<string, unknown> | undefined;
  conflictPolicy?: ConflictPolicy | undefined;
  isActive?: boolean | undefined;
  /** Secrets to set (sealed); a null value removes one. */
  credentials?: Record<string, unknown> | undefined;
  /** Minutes between scheduled syncs (SYNC_INTERVAL_MINUTES range); 0 turns scheduled syncs off. */
  syncIntervalMinutes?: number | undefined;
  /** Per-entity direction and conflict policy; each replaces that entity's setting, the others stay. */
  entitySettings?: readonly EntitySettingInput[] | undefined;
}

/** Scheduled syncs run at most every five minutes and at least once a week. */
export const SYNC_INTERVAL_MINUTES = { min: 5, max: 7 * 24 * 60 } as const;

/** Credentials entries the service manages itself; a caller can never set them. */
const RESERVED_CREDENTIALS = new Set(['accessToken', 'refreshToken', 'accessTokenExpiresAt']);

function connectorOf(registry: ConnectorRegistry, type: string): ConnectorDefinition<unknown> {
  const connector = registry.get(type);
  if (!connector) throw new UnknownIntegrationTypeError(type);
  return connector;
}

/** The interval to store (null: off), and when the first scheduled sync is due. */
function checkInterval(connector: ConnectorDefinition<unknown>, minutes: number): { syncIntervalMinutes: number | null; nextSyncAt: Date | null } {
  if (minutes === 0) return { syncIntervalMinutes: null, nextSyncAt: null };
  if (!Number.isInteger(minutes) || minutes < SYNC_INTERVAL_MINUTES.min || minutes > SYNC_INTERVAL_MINUTES.max) {
    throw new BadInputError(`syncIntervalMinutes must be 0 (off) or a whole number of minutes from ${SYNC_INTERVAL_MINUTES.min} to ${SYNC_INTERVAL_MINUTES.max}`, {
      field: 'syncIntervalMinutes',
    });
  }
  if (!connector.sync) throw new BadInputError(`${connector.name} exchanges files and does not sync over an API`, { field: 'syncIntervalMinutes' });
  return { syncIntervalMinutes: minutes, nextSyncAt: new Date(Date.now() + minutes * 60_000) };
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 255) throw new BadInputError('name must be 1 to 255 characters', { field: 'name' });
  return trimmed;
}

function checkConfig(connector: ConnectorDefinition<unknown>, config: Record<string, unknown>): Record<string, unknown> {
  const parsed = connector.configSchema.safeParse(config);
  if (!parsed.success) throw new IntegrationConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return parsed.data as Record<string, unknown>;
}

function sealCredentials(secrets: SecretBox, connector: ConnectorDefinition<unknown>, current: Record<string, unknown>, input: Record<string, unknown>): Record<string, unknown> {
  const allowed = new Set(connector.credentialFields ?? []);
  const next = { ...current };
  for (const [key, value] of Object.entries(input)) {
    if (RESERVED_CREDENTIALS.has(key) || !allowed.has(key)) {
      throw new BadInputError(`credentials.${key} cannot be set; ${connector.type} takes ${[...allowed].join(', ') || 'none'}`, { field: 'credentials' });
    }
    if (value === null) delete next[key];
    else if (typeof value === 'string' && value.length > 0 && value.length <= 4096) next[key] = secrets.seal(value);
    else throw new BadInputError(`credentials.${key} must be a string of 1 to 4096 characters, or null to remove it`, { field: 'credentials' });
  }
  return next;
}

/** The names of the credentials a connection holds, never their values. */
export function credentialNames(row: IntegrationConnectionRow): string[] {
  return Object.keys(row.credentials ?? {})
    .filter((key) => key !== 'accessTokenExpiresAt')
    .sort();
}

async function owned(db: Db, organizationId: number, id: number, forUpdate = false): Promise<IntegrationConnectionRow> {
  const query = db
    .select()
    .from(integrationConnections)
    .where(and(eq(integrationConnections.id, id), eq(integrationConnections.organizationId, organizationId)));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw new IntegrationNotFoundError(id);
  return row;
}

export function getIntegration(db: Db, organizationId: number, id: number): Promise<IntegrationConnectionRow> {
  return owned(db, organizationId, id);
}

export async function listIntegrations(db: Db, organizationId: number, page: Page, filter: { projectId?: number | undefined; type?: string | undefined } = {}): Promise<IntegrationConnectionRow[]> {
  const conditions: SQL[] = [eq(integrationConnections.organizationId, organizationId)];
  if (filter.projectId !== undefined) conditions.push(eq(integrationConnections.projectId, filter.projectId));
  if (filter.type !== undefined) conditions.push(eq(integrationConnections.integrationType, filter.type));
  if (page.beforeId !== null) conditions.push(lt(integrationConnections.id, page.beforeId));
  return db
    .select()
    .from(integrationConnections)
    .where(and(...conditions))
    .orderBy(desc(integrationConnections.id))
    .limit(page.limit + 1);
}

export async function createIntegration(
  deps: IntegrationDeps,
  actor: Actor,
  organizationId: number,
  input: IntegrationInput & { type: string; name: string },
): Promise<{ connection: IntegrationConnectionRow; audit: AuditEventRow[] }> {
  const connector = connectorOf(deps.registry, input.type);
  const name = checkName(input.name);
  const config = checkConfig(connector, input.config ?? {});
  if (input.projectId != null) await getProject(deps.db, organizationId, input.projectId);
  const credentials = sealCredentials(deps.secrets, connector, {}, input.credentials ?? {});
  const schedule = checkInterval(connector, input.syncIntervalMinutes ?? 0);
  const syncSettings = input.entitySettings?.length ? mergeSyncSettings(connector, { entities: {} }, input.entitySettings) : null;
  return deps.db.transaction(async (tx) => {
    const [result] = await tx.insert(integrationConnections).values({
      organizationId,
      projectId: input.projectId ?? null,
      integrationType: connector.type,
      name,
      config,
      credentials,
      conflictPolicy: input.conflictPolicy ?? 'newest_wins',
      syncSettings,
      isActive: input.isActive ?? true,
      authStatus: connector.auth === 'oauth2' ? 'not_connected' : 'connected',
      ...schedule,
    });
    const [connection] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, result.insertId));
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'integration.created',
      targetType: 'integration_connection',
      targetId: String(result.insertId),
      metadata: { type: connector.type, name },
    });
    return { connection: connection!, audit: [audit] };
  });
}

export async function updateIntegration(
  deps: IntegrationDeps,
  actor: Actor,
  organizationId: number,
  id: number,
  input: IntegrationInput,
): Promise<{ connection: IntegrationConnectionRow; audit: AuditEventRow[] }> {
  if (input.conflictPolicy !== undefined && !CONFLICT_POLICIES.includes(input.conflictPolicy)) throw new BadInputError('unknown conflictPolicy', { field: 'conflictPolicy' });
  const existing = await owned(deps.db, organizationId, id);
  const connector = connectorOf(deps.registry, existing.integrationType);
  const changes: Partial<IntegrationConnectionRow> = {};
  if (input.name !== undefined) changes.name = checkName(input.name);
  if (input.config !== undefined) changes.config = checkConfig(connector, input.config);
  if (input.projectId !== undefined) {
    if (input.projectId !== null) await getProject(deps.db, organizationId, input.projectId);
    changes.projectId = input.projectId;
  }
  if (input.conflictPolicy !== undefined) changes.conflictPolicy = input.conflictPolicy;
  if (input.isActive !== undefined) changes.isActive = input.isActive;
  if (input.syncIntervalMinutes !== undefined) Object.assign(changes, checkInterval(connector, input.syncIntervalMinutes));
  return deps.db.transaction(async (tx) => {
    const [current] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, id)).for('update');
    if (input.credentials !== undefined) changes.credentials = sealCredentials(deps.secrets, connector, current!.credentials ?? {}, input.credentials);
    if (input.entitySettings !== undefined) changes.syncSettings = mergeSyncSettings(connector, storedSyncSettings(current!.syncSettings), input.entitySettings);
    if (input.isActive === true && !current!.isActive) changes.consecutiveFailures = 0;
    if (Object.keys(changes).length) await tx.update(integrationConnections).set(changes).where(eq(integrationConnections.id, id));
    const audit = await recordAudit(tx, actor, {
      organizationId,
      action: 'integration.updated',
      targetType: 'integration_connection',
      targetId: String(id),
      // Field names only: credentials never reach the audit trail.
      metadata: { fields: Object.keys(changes) },
    });
    const [connection] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, id));
    return { connection: connection!, audit: [audit] };
  });
}

/**
 * Deletes a connection with its links, cursors, conflicts and pending authorizations; its sync
 * logs stay as history. Its grant is then revoked at the provider (best effort).
 */
export async function deleteIntegration(deps: IntegrationDeps, actor: Actor, organizationId: number, id: number): Promise<AuditEventRow[]> {
  const { audit, row } = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(integrationConnections)
      .where(and(eq(integrationConnections.id, id), eq(integrationConnections.organizationId, organizationId)))
      .for('update');
    if (!row) throw new IntegrationNotFoundError(id);
    await tx.delete(integrationLinks).where(eq(integrationLinks.connectionId, id));
    await tx.delete(integrationCursors).where(eq(integrationCursors.connectionId, id));
    await tx.delete(integrationConflicts).where(eq(integrationConflicts.connectionId, id));
    await tx.delete(integrationOauthStates).where(eq(integrationOauthStates.connectionId, id));
    await tx.delete(integrationConnections).where(eq(integrationConnections.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'integration.deleted', targetType: 'integration_connection', targetId: String(id), metadata: { type: row.integrationType } });
    return { audit: [audit], row };
  });
  const provider = deps.registry.get(row.integrationType)?.sync?.oauth;
  const sealed = row.credentials?.['refreshToken'];
  if (provider && typeof sealed === 'string') {
    let token: string | null = null;
    try {
      token = deps.secrets.open(sealed);
    } catch {
      deps.logger.warn({ connectionId: id }, 'the refresh token of a deleted connection does not open; not revoked');
    }
    if (token) await revokeToken(provider, token, deps.logger);
  }
  return audit;
}

/**
 * Starts the provider's authorization-code flow: a random state (stored hashed, bound to the
 * connection and organization, single use, expiring) and, where the provider takes it, a PKCE
 * verifier (stored sealed). Returns the URL to send the person's browser to.
 */
export async function startConnect(deps: IntegrationDeps, actor: Actor, organizationId: number, id: number): Promise<{ authorizeUrl: string; expiresAt: Date; audit: AuditEventRow[] }> {
  const connection = await owned(deps.db, organizationId, id);
  const connector = connectorOf(deps.registry, connection.integrationType);
  const provider = connector.sync?.oauth;
  if (connector.auth !== 'oauth2' || !provider) throw new NotOAuthConnectorError(connector.type);
  if (!provider.clientId || !provider.clientSecret) throw new ProviderNotConfiguredError(connector.name, `${connector.type.toUpperCase()}_CLIENT_ID / ${connector.type.toUpperCase()}_CLIENT_SECRET`);
  await pruneStates(deps.db, id);
  const state = newState();
  const expiresAt = new Date(Date.now() + deps.settings.oauthStateTtlSeconds * 1000);
  const redirect = redirectUri(deps.settings);
  const audit = await deps.db.transaction(async (tx) => {
    await tx.insert(integrationOauthStates).values({
      organizationId,
      connectionId: id,
      stateHash: state.hash,
      codeVerifier: provider.pkce ? deps.secrets.seal(state.verifier) : null,
      redirectUri: redirect,
      expiresAt,
    });
    return recordAudit(tx, actor, { organizationId, action: 'integration.connect_started', targetType: 'integration_connection', targetId: String(id) });
  });
  return { authorizeUrl: authorizeUrl(provider, { state: state.state, challenge: state.challenge, redirectUri: redirect }), expiresAt, audit: [audit] };
}

/** A failed callback: the status and a message safe to show the person in the browser. */
export class OAuthCallbackError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'OAuthCallbackError';
  }
}

/**
 * The provider redirected back: the state is claimed (deleted, so it works once), the code is
 * exchanged at the token endpoint, and the tokens are stored sealed with the provider account.
 */
export async function completeConnect(deps: IntegrationDeps, query: Record<string, string | undefined>): Promise<IntegrationConnectionRow> {
  const state = query['state'];
  if (!state || state.length > 200) throw new OAuthCallbackError(400, 'The authorization answer has no valid state. Start again from the application.');
  const [pending] = await deps.db.select().from(integrationOauthStates).where(eq(integrationOauthStates.stateHash, sha256Hex(state)));
  // Claimed by deleting it: of two callbacks with the same state, one goes on.
  const claimed = pending ? (await deps.db.delete(integrationOauthStates).where(eq(integrationOauthStates.id, pending.id)))[0].affectedRows === 1 : false;
  if (!pending || !claimed || pending.expiresAt.getTime() < Date.now()) {
    throw new OAuthCallbackError(400, 'This authorization link has expired or was already used. Start again from the application.');
  }
  if (query['error']) {
    const reason = /^[a-z_]{1,64}$/.test(query['error']) ? query['error'] : 'error';
    throw new OAuthCallbackError(400, `The provider did not authorize the connection (${reason}).`);
  }
  const code = query['code'];
  if (!code || code.length > 2048) throw new OAuthCallbackError(400, 'The authorization answer has no code.');
  const [connection] = await deps.db
    .select()
    .from(integrationConnections)
    .where(and(eq(integrationConnections.id, pending.connectionId), eq(integrationConnections.organizationId, pending.organizationId)));
  if (!connection) throw new OAuthCallbackError(404, 'The connection no longer exists.');
  const connector = connectorOf(deps.registry, connection.integrationType);
  const provider = connector.sync?.oauth;
  if (!provider) throw new OAuthCallbackError(400, 'This connection does not use OAuth.');
  const account = provider.accountParam ? query[provider.accountParam] : undefined;
  if (provider.accountParam && (!account || !/^[A-Za-z0-9_-]{1,64}$/.test(account))) throw new OAuthCallbackError(400, `The authorization answer has no valid ${provider.accountParam}.`);
  if (account && connection.externalAccountId && connection.externalAccountId !== account) {
    throw new OAuthCallbackError(409, 'This connection is linked to another company; create a new connection for this one.');
  }
  let tokens: Awaited<ReturnType<typeof exchangeCode>>;
  try {
    tokens = await exchangeCode(provider, code, pending.redirectUri, pending.codeVerifier ? deps.secrets.open(pending.codeVerifier) : null);
  } catch (error) {
    deps.logger.warn({ err: error, connectionId: connection.id }, 'authorization code exchange failed');
    throw new OAuthCallbackError(502, `The provider did not accept the authorization (${error instanceof Error ? error.message : 'error'}). Start again from the application.`);
  }
  await deps.db.transaction(async (tx) => {
    const [current] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, connection.id)).for('update');
    await tx
      .update(integrationConnections)
      .set({
        credentials: { ...(current?.credentials ?? {}), ...sealTokens(deps.secrets, tokens) },
        authStatus: 'connected',
        consecutiveFailures: 0,
        ...(account ? { externalAccountId: account } : {}),
      })
      .where(eq(integrationConnections.id, connection.id));
    await recordAudit(
      tx,
      { type: 'system', id: 'oauth-callback' },
      { organizationId: connection.organizationId, action: 'integration.connected', targetType: 'integration_connection', targetId: String(connection.id), metadata: account ? { account } : {} },
    );
  });
  return owned(deps.db, connection.organizationId, connection.id);
}

const syncQueues = new WeakMap<PgBoss, Promise<void>>();

/** The sync queue: stately, so per connection (singleton key) one sync runs and at most one more waits. */
export function ensureSyncQueue(boss: PgBoss): Promise<void> {
  let ready = syncQueues.get(boss);
  if (!ready) {
    // Heartbeats: a sync whose worker died is given up within a minute, not after the expiry
    // (long enough for the largest first pull). Not retried: the next sync picks up where the
    // last committed page left it, and is queued by a person, a webhook or a resolution.
    ready = boss.createQueue(runSyncJob.name, { policy: 'stately', retryLimit: 0, heartbeatSeconds: 30, expireInSeconds: 6 * 3600 });
    ready.catch(() => syncQueues.delete(boss));
    syncQueues.set(boss, ready);
  }
  return ready;
}

/** Queues a sync; false when one of the connection is already waiting (it will see the same changes). */
export async function queueSync(boss: PgBoss, payload: SyncJobPayload): Promise<boolean> {
  await ensureSyncQueue(boss);
  const id = await sendJob(boss, runSyncJob, payload, { singletonKey: `connection:${payload.connectionId}` });
  return id !== null;
}

/**
 * The scheduler's tick: queues an incremental sync (pull, then push) of every active, connected
 * connection whose next scheduled sync is due, and moves its next one an interval on. The due
 * rows are claimed with SKIP LOCKED, so two workers' ticks never queue the same connection twice;
 * the queue's singleton key also keeps a connection to one waiting sync. Returns the connections
 * queued. A connection that is inactive or not connected when due keeps its time and is queued
 * at the first tick after it is usable again.
 */
export async function queueScheduledSyncs(db: Db, boss: PgBoss, logger: Logger, limit = 200): Promise<number[]> {
  const due = await db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: integrationConnections.id })
      .from(integrationConnections)
      .where(
        and(
          lte(integrationConnections.nextSyncAt, sql`CURRENT_TIMESTAMP(3)`),
          isNotNull(integrationConnections.syncIntervalMinutes),
          eq(integrationConnections.isActive, true),
          eq(integrationConnections.authStatus, 'connected'),
        ),
      )
      .orderBy(integrationConnections.nextSyncAt)
      .limit(limit)
      .for('update', { skipLocked: true });
    const ids = rows.map((row) => row.id);
    if (ids.length) {
      await tx
        .update(integrationConnections)
        .set({ nextSyncAt: sql`CURRENT_TIMESTAMP(3) + INTERVAL ${integrationConnections.syncIntervalMinutes} MINUTE` })
        .where(inArray(integrationConnections.id, ids));
    }
    return ids;
  });
  for (const connectionId of due) {
    try {
      await queueSync(boss, { connectionId, direction: 'both', mode: 'incremental', trigger: 'schedule' });
    } catch (error) {
      // The next tick after the interval tries again; the others still go.
      logger.warn({ err: error, connectionId }, 'could not queue a scheduled sync');
    }
  }
  return due;
}

export async function requestSync(
  deps: IntegrationDeps,
  organizationId: number,
  id: number,
  options: { direction: SyncJobPayload['direction']; mode: SyncJobPayload['mode'] },
): Promise<{ connection: IntegrationConnectionRow; queued: boolean }> {
  const connection = await owned(deps.db, organizationId, id);
  const connector = connectorOf(deps.registry, connection.integrationType);
  if (!connector.sync) throw new BadInputError(`${connector.name} exchanges files and does not sync over an API`, { field: 'id' });
  if (!connection.isActive) throw new IntegrationStateError('The connection is inactive; enable it with updateIntegration(isActive: true) first', { id: String(id) });
  if (connection.authStatus !== 'connected') {
    throw new IntegrationStateError(
      connection.authStatus === 'needs_reauthorization' ? 'The connection lost its authorization; connect it again (connectIntegration)' : 'The connection is not connected yet (connectIntegration)',
      { id: String(id), authStatus: connection.authStatus },
    );
  }
  const queued = await queueSync(deps.boss, { connectionId: id, direction: options.direction, mode: options.mode, trigger: 'api' });
  return { connection, queued };
}

export async function listSyncLogs(db: Db, organizationId: number, connectionId: number, page: Page): Promise<IntegrationSyncLogRow[]> {
  await owned(db, organizationId, connectionId);
  const conditions: SQL[] = [eq(integrationSyncLogs.organizationId, organizationId), eq(integrationSyncLogs.connectionId, connectionId)];
  if (page.beforeId !== null) conditions.push(lt(integrationSyncLogs.id, page.beforeId));
  return db
    .select()
    .from(integrationSyncLogs)
    .where(and(...conditions))
    .orderBy(desc(integrationSyncLogs.id))
    .limit(page.limit + 1);
}

export async function listConflicts(
  db: Db,
  organizationId: number,
  page: Page,
  filter: { connectionId?: number | undefined; status?: 'open' | 'resolved' | undefined },
): Promise<IntegrationConflictRow[]> {
  if (filter.connectionId !== undefined) await owned(db, organizationId, filter.connectionId);
  const conditions: SQL[] = [eq(integrationConflicts.organizationId, organizationId)];
  if (filter.connectionId !== undefined) conditions.push(eq(integrationConflicts.connectionId, filter.connectionId));
  if (filter.status !== undefined) conditions.push(eq(integrationConflicts.status, filter.status));
  if (page.beforeId !== null) conditions.push(lt(integrationConflicts.id, page.beforeId));
  return db
    .select()
    .from(integrationConflicts)
    .where(and(...conditions))
    .orderBy(desc(integrationConflicts.id))
    .limit(page.limit + 1);
}

/**
 * Settles a MANUAL conflict. REMOTE writes the remote version recorded with the conflict over
 * the platform record now; PLATFORM marks the remote version as seen so the next push writes
 * the platform record over it (a push is queued). Either way the link is updated so the next
 * sync does not see the same conflict again.
 */
export async function resolveConflict(
  deps: IntegrationDeps,
  actor: Actor,
  organizationId: number,
  id: number,
  keep: 'platform' | 'remote',
): Promise<{ conflict: IntegrationConflictRow; audit: AuditEventRow[] }> {
  const result = await deps.db.transaction(async (tx) => {
    const [conflict] = await tx
      .select()
      .from(integrationConflicts)
      .where(and(eq(integrationConflicts.id, id), eq(integrationConflicts.organizationId, organizationId)))
      .for('update');
    if (!conflict) throw new ConflictNotFoundError(id);
    if (conflict.status !== 'open') throw new IntegrationStateError(`Conflict ${id} was already resolved (${conflict.resolution ?? 'by a sync'})`, { id: String(id) });
    const [connection] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, conflict.connectionId));
    const entity = connection ? deps.registry.get(connection.integrationType)?.sync?.entities.find((e) => e.remote === conflict.entityType) : undefined;
    const [link] = await tx.select().from(integrationLinks).where(eq(integrationLinks.id, conflict.linkId)).for('update');
    if (!connection || !entity || !link) throw new IntegrationStateError(`Conflict ${id} can no longer be resolved: its record or connection is gone`, { id: String(id) });
    const remoteHash = contentHash(entity, conflict.remoteData);
    if (keep === 'remote') {
      const table = RECORD_TABLES[conflict.recordType as EntityType];
      await tx
        .update(table)
        .set({ ...conflict.remoteData, ...entity.filter })
        .where(and(eq(columnOf(table, 'organizationId'), organizationId), eq(columnOf(table, 'id'), conflict.localId)));
      await tx.update(integrationLinks).set({ localHash: remoteHash, remoteHash, remoteVersion: conflict.remoteVersion, lastSyncedAt: new Date() }).where(eq(integrationLinks.id, link.id));
    } else {
      // The local hash is left as it was, so the record still counts as changed and is pushed over this remote version.
      await tx.update(integrationLinks).set({ remoteHash, remoteVersion: conflict.remoteVersion }).where(eq(integrationLinks.id, link.id));
    }
    const resolvedBy = `${actor.type}:${actor.id ?? ''}`;
    await tx.update(integrationConflicts).set({ status: 'resolved', resolution: keep, resolvedBy, resolvedAt: new Date() }).where(eq(integrationConflicts.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'integration.conflict_resolved', targetType: 'integration_conflict', targetId: String(id), metadata: { keep } });
    const [updated] = await tx.select().from(integrationConflicts).where(eq(integrationConflicts.id, id));
    return { conflict: updated!, audit: [audit], connection };
  });
  if (keep === 'platform' && result.connection.authStatus === 'connected' && result.connection.isActive) {
    await queueSync(deps.boss, { connectionId: result.connection.id, direction: 'push', mode: 'full', trigger: 'conflict_resolution' }).catch((error: unknown) =>
      deps.logger.warn({ err: error, conflictId: id }, 'could not queue the push of a resolved conflict; the next sync pushes it'),
    );
  }
  return { conflict: result.conflict, audit: result.audit };
}

/** For the subscription's first event: the latest log of a connection. */
export async function latestSyncLog(db: Db, organizationId: number, connectionId: number): Promise<IntegrationSyncLogRow | null> {
  const [row] = await db
    .select()
    .from(integrationSyncLogs)
    .where(and(eq(integrationSyncLogs.organizationId, organizationId), eq(integrationSyncLogs.connectionId, connectionId), gt(integrationSyncLogs.id, 0)))
    .orderBy(desc(integrationSyncLogs.id))
    .limit(1);
  return row ?? null;
}
