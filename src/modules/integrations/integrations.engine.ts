import { createHash } from 'node:crypto';
import { escape } from 'mysql2';
import { and, asc, eq, gt, gte, inArray, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { emitEvent } from '../../platform/events/outbox.js';
import type { Logger } from '../../platform/logging/logger.js';
import { raiseAlert } from '../alerts/index.js';
import { columnOf, entityDef, RECORD_TABLES, recordIdsByOrigin, upsertRecords, type RecordScope } from '../records/index.js';
import { RemoteError, type RemoteApi, type RemoteObject, type RemotePage, type SyncConnector, type SyncEntity, type SyncReferences } from './integrations.contract.js';
import { integrationConflicts } from './integration-conflicts.table.js';
import { integrationConnections, type IntegrationConnectionRow } from './integration-connections.table.js';
import { integrationCursors } from './integration-cursors.table.js';
import { integrationLinks, type IntegrationLinkRow } from './integration-links.table.js';
import { integrationSyncLogs, type SyncLogError } from './integration-sync-logs.table.js';
import { integrationError, syncCompleted, syncFailed } from './integrations.events.js';
import type { SyncCounters, SyncJobPayload, SyncProgress } from './integrations.jobs.js';
import { accessTokenOf } from './integrations.oauth.js';
import type { ConnectorRegistry } from './integrations.registry.js';
import type { IntegrationSettings } from './integrations.settings.js';
import { SyncPlan } from './integrations.sync-settings.js';
import { isDuplicateKey } from '../../platform/db/errors.js';

/**
 * The sync engine: pairs platform records with remote objects through integration_links and
 * moves changes both ways.
 *
 * - A side changed when the hash of its shared fields differs from the hash the link recorded
 *   for it at the last sync; both changed is a conflict, settled by the connection's policy
 *   (MANUAL records it for a person and leaves both sides alone).
 * - Pulls write a page at a time in one transaction (records and links together), so a crash
 *   leaves whole pages; a re-run finds the links (or the records by origin id) and never
 *   duplicates. Cursors move only when a run succeeds.
 * - Pushes create with an idempotency key and update with the remote version the link holds (opaque: a SyncToken, an ETag); a
 *   stale version re-reads the remote object and applies the policy.
 * - Errors of one object (a record the provider refuses) are counted and logged; errors of the
 *   exchange (401 after refresh, 403, 429 / 5xx / timeouts after their retries, malformed
 *   answers, a revoked grant) fail the run.
 */

type Raw = Record<string, unknown>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface EngineDeps {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
  registry: ConnectorRegistry;
  settings: IntegrationSettings;
  /** Publishes progress to syncProgress subscribers; failures to publish never fail a sync. */
  publish?: (connectionId: number, progress: SyncProgress) => Promise<void>;
  /** Called after an alert was raised (to e-mail it soon). */
  onAlert?: () => void;
}

/**
 * Overlap of incremental windows, on the provider's clock: changes at the boundary (committed as
 * the answer was made, or stamped in whole seconds) are seen twice rather than missed; hashes
 * make the second look a no-op.
 */
const CURSOR_OVERLAP_MS = 5_000;
const MAX_LOG_ENTRIES = 200;
const PUSH_BATCH = 500;
/** Re-tries of one update whose remote version went stale meanwhile. */
const MAX_STALE_RETRIES = 3;
const DELETED = 'deleted';

function normalized(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
}

/** Hash of the fields both sides share, in the entity's order. */
export function contentHash(entity: Pick<SyncEntity, 'fields'>, fields: Raw): string {
  return createHash('sha256')
    .update(JSON.stringify(entity.fields.map((f) => normalized(fields[f]))))
    .digest('hex');
}

function pick(entity: SyncEntity, row: Raw): Raw {
  const out: Raw = {};
  for (const f of entity.fields) out[f] = row[f] ?? null;
  return out;
}

class FatalSyncError extends Error {}

const LINK_COLUMNS = [
  'organization_id',
  'connection_id',
  'entity_type',
  'record_type',
  'local_id',
  'remote_id',
  'remote_version',
  'local_hash',
  'remote_hash',
  'remote_updated_at',
  'last_synced_at',
] as const;

/**
 * Links of a page in one multi-row statement, written by hand for the reason upsertRecords is:
 * drizzle's builder spent more on a thousand rows than the database did. A link that exists
 * (a re-run after a crash) is brought up to date.
 */
/** DATETIME(3) text in UTC (the pool's time zone), whatever the process's own zone. */
const utc = (d: Date) => d.toISOString().slice(0, 23).replace('T', ' ');

async function insertLinks(tx: DbOrTx, links: ReadonlyArray<typeof integrationLinks.$inferInsert>): Promise<void> {
  if (links.length === 0) return;
  let tuples = '';
  for (const l of links) {
    const values = [l.organizationId, l.connectionId, l.entityType, l.recordType, l.localId, l.remoteId, l.remoteVersion ?? null, l.localHash, l.remoteHash, l.remoteUpdatedAt ?? null, l.lastSyncedAt];
    tuples += `${tuples ? ',' : ''}(${values.map((v) => escape(v instanceof Date ? utc(v) : v)).join(',')})`;
  }
  const updates = LINK_COLUMNS.filter((c) => !['organization_id', 'connection_id', 'entity_type', 'remote_id', 'record_type'].includes(c)).map((c) => `\`${c}\` = VALUES(\`${c}\`)`);
  await tx.execute(sql.raw(`INSERT INTO \`integration_links\` (${LINK_COLUMNS.map((c) => `\`${c}\``).join(',')}) VALUES ${tuples} ON DUPLICATE KEY UPDATE ${updates.join(', ')}`));
}

/** Starts reading `pages` now, buffering them until they are consumed. */
function prefetch(pages: AsyncIterable<RemotePage>): AsyncIterable<RemotePage> {
  const buffer: RemotePage[] = [];
  let done = false;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const page of pages) {
        buffer.push(page);
        wake?.();
      }
    } catch (error) {
      failure = { error };
    }
    done = true;
    wake?.();
  })();
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const page = buffer.shift();
        if (page) {
          yield page;
          continue;
        }
        if (failure) throw (failure).error;
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

/** Links of a connection's entities, read once per run: remote id ↔ local natural key. */
class RefIndex implements SyncReferences {
  private readonly keys = new Map<string, Map<string, string>>();
  private readonly ids = new Map<string, Map<string, string>>();

  localKey(remoteEntity: string, remoteId: string): string | null {
    return this.keys.get(remoteEntity)?.get(remoteId) ?? null;
  }

  remoteId(remoteEntity: string, localKey: string): string | null {
    return this.ids.get(remoteEntity)?.get(localKey) ?? null;
  }

  set(remoteEntity: string, remoteId: string, localKey: unknown): void {
    if (typeof localKey !== 'string' || !localKey) return;
    if (!this.keys.has(remoteEntity)) this.keys.set(remoteEntity, new Map());
    if (!this.ids.has(remoteEntity)) this.ids.set(remoteEntity, new Map());
    this.keys.get(remoteEntity)!.set(remoteId, localKey);
    this.ids.get(remoteEntity)!.set(localKey, remoteId);
  }

  async load(db: Db, connectionId: number, entities: readonly SyncEntity[]): Promise<void> {
    for (const entity of entities) {
      if (!entity.naturalKey) continue;
      const table = RECORD_TABLES[entity.recordType];
      const key = columnOf(table, entity.naturalKey);
      const rows = await db
        .select({ remoteId: integrationLinks.remoteId, key })
        .from(integrationLinks)
        .innerJoin(table, eq(columnOf(table, 'id'), integrationLinks.localId))
        .where(and(eq(integrationLinks.connectionId, connectionId), eq(integrationLinks.entityType, entity.remote)));
      for (const row of rows as Array<{ remoteId: string; key: unknown }>) this.set(entity.remote, row.remoteId, row.key);
    }
  }
}


/** One sync run of one connection. */
class SyncRun {
  readonly counters: SyncCounters = { processed: 0, created: 0, updated: 0, deleted: 0, failed: 0, conflicts: 0 };
  readonly entries: SyncLogError[] = [];
  private readonly refs = new RefIndex();
  private phase: string | null = null;
  private entityName: string | null = null;
  private lastPublish = 0;

  constructor(
    private readonly deps: EngineDeps,
    private readonly connection: IntegrationConnectionRow,
    private readonly connector: SyncConnector<unknown>,
    private readonly api: RemoteApi,
    private readonly logId: number,
    private readonly request: SyncJobPayload,
  ) {
    this.plan = new SyncPlan(connection.syncSettings, connection.conflictPolicy);
  }

  private get db(): Db {
    return this.deps.db;
  }

  private readonly plan: SyncPlan;

  private scopeOf(entity: SyncEntity): RecordScope | null {
    if (entityDef(entity.recordType).projectScoped && this.connection.projectId === null) return null;
    return { organizationId: this.connection.organizationId, projectId: this.connection.projectId };
  }

  note(entry: SyncLogError & { level?: 'error' | 'info' }): void {
    if (this.entries.length < MAX_LOG_ENTRIES) this.entries.push(entry);
  }

  fail(entity: SyncEntity, error: unknown, ids: { remoteId?: string; localId?: number }): void {
    this.counters.failed += 1;
    const message = error instanceof RemoteError || error instanceof Error ? error.message : String(error);
    const code = error instanceof RemoteError ? error.kind : 'error';
    this.note({ level: 'error', entity: entity.remote, ...ids, code, message: message.slice(0, 500) });
  }

  async progress(force = false): Promise<void> {
    if (!this.deps.publish) return;
    const now = Date.now();
    if (!force && now - this.lastPublish < 250) return;
    this.lastPublish = now;
    await this.deps
      .publish(this.connection.id, {
        connectionId: String(this.connection.id),
        syncLogId: String(this.logId),
        status: 'running',
        phase: this.phase,
        entity: this.entityName,
        ...this.counters,
        error: null,
      })
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not publish sync progress'));
  }

  private originId(entity: SyncEntity, remoteId: string): string {
    return `${this.connection.integrationType}:${this.connection.externalAccountId ?? this.connection.id}:${entity.remote}:${remoteId}`.slice(0, 100);
  }

  async run(): Promise<void> {
    const entities = this.connector.entities;
    await this.refs.load(this.db, this.connection.id, entities);
    if (this.request.direction !== 'push') await this.pull(entities);
    if (this.request.direction !== 'pull') await this.push(entities);
  }

  // ── pull ──────────────────────────────────────────────────────────────────────────────────

  private async pull(entities: readonly SyncEntity[]): Promise<void> {
    this.phase = 'pull';
    const active = entities.filter((e) => {
      if (!this.plan.pulls(e)) return false;
      if (this.scopeOf(e)) return true;
      this.note({ level: 'info', entity: e.remote, code: 'no_project', message: `${e.remote} objects need a project; the connection has none, so they are not synced` });
      return false;
    });
    const cursors = await this.db.select().from(integrationCursors).where(eq(integrationCursors.connectionId, this.connection.id));
    const cursorOf = new Map(cursors.map((c) => [c.entityType, c]));
    // Our clock before the first request: the cursor of an answer that does not tell the provider's time.
    const before = new Date();
    let full = active;
    let changes: { changes: Map<string, Raw[]>; until: Date } | null = null;
    if (this.request.mode === 'incremental') {
      const withCursor = active.filter((e) => cursorOf.get(e.remote)?.pulledUntil);
      if (withCursor.length) {
        const since = new Date(Math.min(...withCursor.map((e) => cursorOf.get(e.remote)!.pulledUntil!.getTime())) - CURSOR_OVERLAP_MS);
        const answer = await this.api.changesSince(
          withCursor.map((e) => e.remote),
          since,
        );
        if (answer === 'too_old') {
          this.note({ level: 'info', code: 'full_pull', message: 'the provider could not list every change since the last sync (beyond its window, or more than one answer holds): pulled everything instead' });
        } else {
          changes = { changes: answer.changes, until: answer.asOf ?? before };
          full = active.filter((e) => !withCursor.includes(e));
        }
      }
    }
    // Each entity's next cursor is the provider's clock when it answered: for changes, the time of
    // that answer; for a listing, the earliest page's (a change after it is the next run's).
    const until = new Map<string, Date>();
    // The next entity's pages are fetched while this one's are written (one entity ahead, so
    // memory stays bounded); mapping waits for its turn, when what it refers to is linked.
    const listed = full.filter((e) => active.includes(e));
    const sources = new Map<SyncEntity, AsyncIterable<RemotePage>>();
    const fetchAhead = (index: number) => {
      const entity = listed[index];
      if (entity && !sources.has(entity)) sources.set(entity, prefetch(this.api.listAll(entity.remote)));
    };
    fetchAhead(0);
    for (const entity of active) {
      this.entityName = entity.remote;
      const source = sources.get(entity);
      if (!source) {
        const raws = changes?.changes.get(entity.remote) ?? [];
        for (let i = 0; i < raws.length; i += 1000) await this.applyPulled(entity, raws.slice(i, i + 1000));
        until.set(entity.remote, changes?.until ?? before);
      } else {
        fetchAhead(listed.indexOf(entity) + 1);
        let earliest: Date | null = null;
        for await (const page of source) {
          if (page.asOf && (!earliest || page.asOf < earliest)) earliest = page.asOf;
          await this.applyPulled(entity, page.objects);
        }
        until.set(entity.remote, earliest ?? before);
      }
      await this.progress();
    }
    for (const entity of active) await this.saveCursor(entity.remote, { pulledUntil: until.get(entity.remote) ?? before });
  }

  private async saveCursor(entityType: string, values: { pulledUntil?: Date; pushedUntil?: Date }): Promise<void> {
    await this.db
      .insert(integrationCursors)
      .values({ organizationId: this.connection.organizationId, connectionId: this.connection.id, entityType, ...values })
      .onDuplicateKeyUpdate({ set: values });
  }

  private async readLocal(db: DbOrTx, entity: SyncEntity, ids: number[]): Promise<Map<number, Raw>> {
    if (ids.length === 0) return new Map();
    const table = RECORD_TABLES[entity.recordType];
    const rows = (await db
      .select()
      .from(table)
      .where(and(eq(columnOf(table, 'organizationId'), this.connection.organizationId), inArray(columnOf(table, 'id'), ids)))) as Raw[];
    return new Map(rows.map((r) => [Number(r['id']), r]));
  }

  private async linksByRemote(db: DbOrTx, entity: SyncEntity, remoteIds: string[]): Promise<Map<string, IntegrationLinkRow>> {
    if (remoteIds.length === 0) return new Map();
    const rows = await db
      .select()
      .from(integrationLinks)
      .where(and(eq(integrationLinks.connectionId, this.connection.id), eq(integrationLinks.entityType, entity.remote), inArray(integrationLinks.remoteId, remoteIds)));
    return new Map(rows.map((r) => [r.remoteId, r]));
  }

  private async openConflicts(db: DbOrTx, linkIds: number[]): Promise<Map<number, number>> {
    if (linkIds.length === 0) return new Map();
    const rows = await db
      .select({ id: integrationConflicts.id, linkId: integrationConflicts.linkId })
      .from(integrationConflicts)
      .where(and(eq(integrationConflicts.connectionId, this.connection.id), eq(integrationConflicts.status, 'open'), inArray(integrationConflicts.linkId, linkIds)));
    return new Map(rows.map((r) => [r.linkId, r.id]));
  }

  /** Which side wins when both changed, or manual. */
  private decide(entity: SyncEntity, localUpdatedAt: unknown, remoteUpdatedAt: Date | null): 'platform' | 'remote' | 'manual' {
    const policy = this.plan.policy(entity);
    switch (policy) {
      case 'platform_wins':
        return 'platform';
      case 'remote_wins':
        return 'remote';
      case 'newest_wins': {
        const local = localUpdatedAt instanceof Date ? localUpdatedAt : new Date(String(localUpdatedAt));
        return remoteUpdatedAt && remoteUpdatedAt.getTime() > local.getTime() ? 'remote' : 'platform';
      }
      case 'manual':
        return 'manual';
      default: {
        const unknown: never = policy;
        throw new Error(`unknown conflict policy ${String(unknown)}`);
      }
    }
  }

  /** Writes remote fields over a local record; false when a unique key (code, number) is taken by another record. */
  private async writeLocal(tx: Tx, entity: SyncEntity, localId: number, fields: Raw): Promise<boolean> {
    const table = RECORD_TABLES[entity.recordType];
    const values: Raw = { ...fields, ...entity.filter };
    try {
      await tx.transaction(async (savepoint) => {
        await savepoint
          .update(table)
          .set(values)
          .where(and(eq(columnOf(table, 'organizationId'), this.connection.organizationId), eq(columnOf(table, 'id'), localId)));
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  private async recordConflict(tx: Tx, entity: SyncEntity, link: IntegrationLinkRow, local: Raw, remote: RemoteObject, existing: number | undefined): Promise<void> {
    this.counters.conflicts += 1;
    const values = {
      localData: pick(entity, local),
      remoteData: remote.fields ?? {},
      remoteVersion: remote.version,
    };
    if (existing) await tx.update(integrationConflicts).set(values).where(eq(integrationConflicts.id, existing));
    else
      await tx.insert(integrationConflicts).values({
        organizationId: this.connection.organizationId,
        connectionId: this.connection.id,
        linkId: link.id,
        entityType: entity.remote,
        recordType: entity.recordType,
        localId: link.localId,
        remoteId: link.remoteId,
        ...values,
      });
    this.note({ level: 'info', entity: entity.remote, remoteId: link.remoteId, localId: link.localId, code: 'conflict_recorded', message: 'changed on both sides: recorded for a person to resolve (MANUAL policy)' });
  }

  private conflictNote(entity: SyncEntity, link: IntegrationLinkRow, winner: 'platform' | 'remote'): void {
    this.counters.conflicts += 1;
    this.note({
      level: 'info',
      entity: entity.remote,
      remoteId: link.remoteId,
      localId: link.localId,
      code: 'conflict_resolved',
      message: `changed on both sides: ${this.plan.policy(entity).toUpperCase()} kept the ${winner === 'platform' ? 'platform' : 'remote'} version`,
    });
  }

  /** One page of pulled objects, in one transaction. */
  private async applyPulled(entity: SyncEntity, raws: Raw[]): Promise<void> {
    const scope = this.scopeOf(entity)!;
    const objects = new Map<string, RemoteObject>();
    for (const raw of raws) {
      this.counters.processed += 1;
      try {
        const object = entity.toRemoteObject(raw, this.refs);
        objects.set(object.remoteId, object);
      } catch (error) {
        this.fail(entity, error, { remoteId: this.connector.idOf(raw) ?? '' });
      }
    }
    if (objects.size === 0) return;
    const newKeys: Array<[string, unknown]> = [];
    await this.db.transaction(async (tx) => {
      const links = await this.linksByRemote(tx, entity, [...objects.keys()]);
      const locals = await this.readLocal(
        tx,
        entity,
        [...links.values()].map((l) => l.localId),
      );
      const conflicts = await this.openConflicts(
        tx,
        [...links.values()].map((l) => l.id),
      );
      const creates: RemoteObject[] = [];
      const now = new Date();
      for (const object of objects.values()) {
        const link = links.get(object.remoteId);
        if (!link) {
          if (!object.deleted) creates.push(object);
          continue;
        }
        const local = locals.get(link.localId);
        if (object.deleted) {
          if (link.remoteHash === DELETED) continue;
          if (local) {
            if (entity.deletedFields) await this.writeLocal(tx, entity, link.localId, { ...entity.deletedFields });
            else await tx.delete(RECORD_TABLES[entity.recordType]).where(and(eq(columnOf(RECORD_TABLES[entity.recordType], 'organizationId'), this.connection.organizationId), eq(columnOf(RECORD_TABLES[entity.recordType], 'id'), link.localId)));
            this.counters.deleted += 1;
          }
          if (entity.deletedFields && local) await tx.update(integrationLinks).set({ remoteHash: DELETED, remoteVersion: object.version, lastSyncedAt: now }).where(eq(integrationLinks.id, link.id));
          else await tx.delete(integrationLinks).where(eq(integrationLinks.id, link.id));
          continue;
        }
        const remoteHash = contentHash(entity, object.fields!);
        if (!local) {
          // The platform record was deleted: the remote object is taken again as new.
          await tx.delete(integrationLinks).where(eq(integrationLinks.id, link.id));
          creates.push(object);
          continue;
        }
        const localHash = contentHash(entity, local);
        const remoteChanged = remoteHash !== link.remoteHash;
        const localChanged = localHash !== link.localHash;
        const linkState = { remoteVersion: object.version, remoteUpdatedAt: object.updatedAt, lastSyncedAt: now };
        if (!remoteChanged || localHash === remoteHash) {
          await tx.update(integrationLinks).set({ ...linkState, remoteHash, ...(localHash === remoteHash ? { localHash } : {}) }).where(eq(integrationLinks.id, link.id));
          // Both sides now agree: an open conflict of the record has settled itself.
          if (localHash === remoteHash && conflicts.has(link.id)) {
            await tx.update(integrationConflicts).set({ status: 'resolved', resolution: 'remote', resolvedBy: 'sync:sides_agree', resolvedAt: now }).where(eq(integrationConflicts.id, conflicts.get(link.id)!));
          }
          continue;
        }
        let winner: 'platform' | 'remote' | 'manual' = 'remote';
        if (localChanged) {
          winner = this.decide(entity, local['updatedAt'], object.updatedAt);
          if (winner === 'manual') {
            await this.recordConflict(tx, entity, link, local, object, conflicts.get(link.id));
            continue;
          }
          this.conflictNote(entity, link, winner);
        }
        if (winner === 'platform') {
          // The platform keeps its version; the push phase (now or next run) writes it over this remote version.
          await tx.update(integrationLinks).set({ ...linkState, remoteHash }).where(eq(integrationLinks.id, link.id));
          continue;
        }
        if (!(await this.writeLocal(tx, entity, link.localId, object.fields!))) {
          this.fail(entity, new RemoteError('validation', `its ${entity.naturalKey ?? 'key'} is already used by another platform record`), { remoteId: object.remoteId, localId: link.localId });
          continue;
        }
        this.counters.updated += 1;
        await tx.update(integrationLinks).set({ ...linkState, remoteHash, localHash: remoteHash }).where(eq(integrationLinks.id, link.id));
        if (conflicts.has(link.id)) await tx.update(integrationConflicts).set({ status: 'resolved', resolution: 'remote', resolvedBy: `sync:${this.plan.policy(entity)}`, resolvedAt: now }).where(eq(integrationConflicts.id, conflicts.get(link.id)!));
        if (entity.naturalKey) newKeys.push([object.remoteId, object.fields![entity.naturalKey]]);
      }
      await this.createLocal(tx, entity, scope, creates, newKeys, now);
    });
    for (const [remoteId, key] of newKeys) this.refs.set(entity.remote, remoteId, key);
    await this.progress();
  }

  /**
   * New remote objects become records (upserted by origin id, so a re-run never duplicates) and
   * links. An unlinked record already holding the object's natural key is adopted instead; one
   * linked to something else is a collision, counted as failed.
   */
  private async createLocal(tx: Tx, entity: SyncEntity, scope: RecordScope, creates: RemoteObject[], newKeys: Array<[string, unknown]>, now: Date): Promise<void> {
    if (creates.length === 0) return;
    const table = RECORD_TABLES[entity.recordType];
    const adopt = new Map<string, Raw>();
    let fresh = creates;
    if (entity.naturalKey) {
      const keyName = entity.naturalKey;
      const keys = creates.map((o) => String(o.fields![keyName]));
      const conditions: SQL[] = [eq(columnOf(table, 'organizationId'), scope.organizationId), inArray(columnOf(table, keyName), keys)];
      if (entityDef(entity.recordType).projectScoped) conditions.push(eq(columnOf(table, 'projectId'), scope.projectId!));
      const owners = (await tx.select().from(table).where(and(...conditions))) as Raw[];
      const byKey = new Map(owners.map((o) => [String(o[keyName]), o]));
      const linked = owners.length
        ? new Set(
            (
              await tx
                .select({ localId: integrationLinks.localId })
                .from(integrationLinks)
                .where(
                  and(
                    eq(integrationLinks.connectionId, this.connection.id),
                    eq(integrationLinks.recordType, entity.recordType),
                    inArray(
                      integrationLinks.localId,
                      owners.map((o) => Number(o['id'])),
                    ),
                  ),
                )
            ).map((l) => l.localId),
          )
        : new Set<number>();
      const seen = new Set<string>();
      fresh = [];
      for (const object of creates) {
        const key = String(object.fields![keyName]);
        const owner = byKey.get(key);
        const ownOrigin = owner && owner['originId'] === this.originId(entity, object.remoteId);
        const filterMismatch = owner && Object.entries(entity.filter ?? {}).some(([k, v]) => owner[k] !== v);
        if (seen.has(key) || (owner && !ownOrigin && (linked.has(Number(owner['id'])) || filterMismatch))) {
          this.fail(entity, new RemoteError('validation', `${keyName} ${key} is already used by another platform record`), { remoteId: object.remoteId });
          continue;
        }
        seen.add(key);
        if (owner && !ownOrigin) adopt.set(object.remoteId, owner);
        else fresh.push(object);
      }
    }
    const links: Array<typeof integrationLinks.$inferInsert> = [];
    // Adopted records: linked with their current state as the platform side, so the remote
    // version is applied now unless the policy says otherwise on a later change.
    for (const [remoteId, owner] of adopt) {
      const object = creates.find((o) => o.remoteId === remoteId)!;
      const remoteHash = contentHash(entity, object.fields!);
      if (!(await this.writeLocal(tx, entity, Number(owner['id']), object.fields!))) {
        this.fail(entity, new RemoteError('validation', 'a unique field is already used by another platform record'), { remoteId });
        continue;
      }
      this.counters.updated += 1;
      links.push(this.linkValues(entity, Number(owner['id']), object, remoteHash, remoteHash, now));
      if (entity.naturalKey) newKeys.push([remoteId, object.fields![entity.naturalKey]]);
    }
    if (fresh.length) {
      const records = fresh.map((o) => ({ ...o.fields, ...entity.filter, originId: this.originId(entity, o.remoteId) }));
      await upsertRecords(tx, entity.recordType, scope, records);
      const ids = await recordIdsByOrigin(
        tx,
        entity.recordType,
        scope,
        records.map((r) => r.originId),
      );
      for (const object of fresh) {
        const localId = ids.get(this.originId(entity, object.remoteId));
        if (!localId) continue;
        const hash = contentHash(entity, object.fields!);
        links.push(this.linkValues(entity, localId, object, hash, hash, now));
        if (entity.naturalKey) newKeys.push([object.remoteId, object.fields![entity.naturalKey]]);
      }
      this.counters.created += fresh.length;
    }
    await insertLinks(tx, links);
  }

  private linkValues(entity: SyncEntity, localId: number, object: RemoteObject, localHash: string, remoteHash: string, now: Date): typeof integrationLinks.$inferInsert {
    return {
      organizationId: this.connection.organizationId,
      connectionId: this.connection.id,
      entityType: entity.remote,
      recordType: entity.recordType,
      localId,
      remoteId: object.remoteId,
      remoteVersion: object.version,
      localHash,
      remoteHash,
      remoteUpdatedAt: object.updatedAt,
      lastSyncedAt: now,
    };
  }

  // ── push ──────────────────────────────────────────────────────────────────────────────────

  private async push(entities: readonly SyncEntity[]): Promise<void> {
    this.phase = 'push';
    const startedAt = new Date(Date.now() - CURSOR_OVERLAP_MS);
    const cursors = await this.db.select().from(integrationCursors).where(eq(integrationCursors.connectionId, this.connection.id));
    const cursorOf = new Map(cursors.map((c) => [c.entityType, c]));
    for (const entity of entities) {
      const scope = this.scopeOf(entity);
      if (!this.plan.pushes(entity) || !scope) continue;
      this.entityName = entity.remote;
      const since = this.request.mode === 'incremental' ? (cursorOf.get(entity.remote)?.pushedUntil ?? null) : null;
      await this.pushEntity(entity, scope, since);
      await this.saveCursor(entity.remote, { pushedUntil: startedAt });
      await this.progress();
    }
  }

  private async pushEntity(entity: SyncEntity, scope: RecordScope, since: Date | null): Promise<void> {
    const table = RECORD_TABLES[entity.recordType];
    const idColumn = columnOf(table, 'id');
    const conditions: Array<SQL | undefined> = [eq(columnOf(table, 'organizationId'), scope.organizationId)];
    if (entityDef(entity.recordType).projectScoped) conditions.push(eq(columnOf(table, 'projectId'), scope.projectId!));
    for (const [key, value] of Object.entries(entity.filter ?? {})) conditions.push(eq(columnOf(table, key), value));
    if (since) {
      const unlinked = notExists(
        this.db
          .select({ one: sql`1` })
          .from(integrationLinks)
          .where(and(eq(integrationLinks.connectionId, this.connection.id), eq(integrationLinks.recordType, entity.recordType), sql`${integrationLinks.localId} = ${idColumn}`)),
      );
      conditions.push(or(gte(columnOf(table, 'updatedAt'), since), unlinked));
    }
    let afterId = 0;
    for (;;) {
      const rows = (await this.db
        .select()
        .from(table)
        .where(and(...conditions, gt(idColumn, afterId)))
        .orderBy(asc(idColumn))
        .limit(PUSH_BATCH)) as Raw[];
      if (rows.length === 0) return;
      afterId = Number(rows.at(-1)!['id']);
      const ids = rows.map((r) => Number(r['id']));
      const links = await this.db
        .select()
        .from(integrationLinks)
        .where(and(eq(integrationLinks.connectionId, this.connection.id), eq(integrationLinks.recordType, entity.recordType), inArray(integrationLinks.localId, ids)));
      const byLocal = new Map<number, IntegrationLinkRow[]>();
      for (const link of links) byLocal.set(link.localId, [...(byLocal.get(link.localId) ?? []), link]);
      const conflicts = await this.openConflicts(
        this.db,
        links.map((l) => l.id),
      );
      for (const row of rows) {
        const localId = Number(row['id']);
        const linked = byLocal.get(localId) ?? [];
        const link = linked.find((l) => l.entityType === entity.remote);
        // A record linked to another entity of this connection (a bill's payment, say) is not ours.
        if (!link && linked.length) continue;
        if (!link && entity.owns && !entity.owns(row, this.refs)) continue;
        if (link && (link.remoteHash === DELETED || conflicts.has(link.id))) continue;
        const localHash = contentHash(entity, row);
        if (link && localHash === link.localHash) continue;
        this.counters.processed += 1;
        try {
          if (link) await this.pushUpdate(entity, row, link, localHash);
          else await this.pushCreate(entity, row, localHash);
        } catch (error) {
          if (error instanceof RemoteError && (error.kind === 'validation' || error.kind === 'not_found' || error.kind === 'stale')) this.fail(entity, error, { localId });
          else throw error;
        }
        await this.progress();
      }
    }
  }

  private async pushCreate(entity: SyncEntity, row: Raw, localHash: string): Promise<void> {
    const body = entity.toRemote(pick(entity, row), this.refs, this.connection.config ?? {});
    const raw = await this.api.create(entity.remote, body, `${String(row['id'])}:${localHash}`);
    const object = entity.toRemoteObject(raw, this.refs);
    const remoteHash = object.fields ? contentHash(entity, object.fields) : localHash;
    await this.db
      .insert(integrationLinks)
      .values(this.linkValues(entity, Number(row['id']), object, localHash, remoteHash, new Date()))
      .onDuplicateKeyUpdate({ set: { remoteId: object.remoteId, remoteVersion: object.version, localHash, remoteHash, lastSyncedAt: new Date() } });
    if (entity.naturalKey) this.refs.set(entity.remote, object.remoteId, row[entity.naturalKey]);
    this.counters.created += 1;
  }

  private async pushUpdate(entity: SyncEntity, row: Raw, link: IntegrationLinkRow, localHash: string): Promise<void> {
    let version = link.remoteVersion;
    for (let attempt = 0; ; attempt++) {
      const changes = entity.toRemote(pick(entity, row), this.refs, this.connection.config ?? {});
      try {
        const raw = await this.api.update(entity.remote, { remoteId: link.remoteId, version }, changes);
        const object = entity.toRemoteObject(raw, this.refs);
        const remoteHash = object.fields ? contentHash(entity, object.fields) : localHash;
        await this.db
          .update(integrationLinks)
          .set({ localHash, remoteHash, remoteVersion: object.version, remoteUpdatedAt: object.updatedAt, lastSyncedAt: new Date() })
          .where(eq(integrationLinks.id, link.id));
        if (entity.naturalKey) this.refs.set(entity.remote, link.remoteId, row[entity.naturalKey]);
        this.counters.updated += 1;
        return;
      } catch (error) {
        if (!(error instanceof RemoteError) || error.kind !== 'stale' || attempt >= MAX_STALE_RETRIES) throw error;
      }
      // A stale version: the object changed remotely since we last saw it.
      const raw = await this.api.read(entity.remote, link.remoteId);
      if (!raw) throw new RemoteError('not_found', `${entity.remote} ${link.remoteId} no longer exists remotely`);
      const current = entity.toRemoteObject(raw, this.refs);
      if (current.deleted || !current.fields) throw new RemoteError('not_found', `${entity.remote} ${link.remoteId} was deleted remotely`);
      const remoteHash = contentHash(entity, current.fields);
      version = current.version;
      if (remoteHash === link.remoteHash) continue; // only the version moved: write over it
      const winner = this.decide(entity, row['updatedAt'], current.updatedAt);
      if (winner === 'platform') {
        this.conflictNote(entity, link, 'platform');
        link = { ...link, remoteHash };
        continue;
      }
      await this.db.transaction(async (tx) => {
        if (winner === 'manual') {
          const open = await this.openConflicts(tx, [link.id]);
          await this.recordConflict(tx, entity, link, row, current, open.get(link.id));
          return;
        }
        this.conflictNote(entity, link, 'remote');
        if (!(await this.writeLocal(tx, entity, link.localId, current.fields!))) throw new RemoteError('validation', `the remote version's ${entity.naturalKey ?? 'key'} is already used by another platform record`);
        await tx
          .update(integrationLinks)
          .set({ localHash: remoteHash, remoteHash, remoteVersion: current.version, remoteUpdatedAt: current.updatedAt, lastSyncedAt: new Date() })
          .where(eq(integrationLinks.id, link.id));
        this.counters.updated += 1;
      });
      return;
    }
  }
}

/** The session a connector's API uses: the connection's identity and its (refreshed) access token. */
function sessionOf(deps: EngineDeps, connection: IntegrationConnectionRow, connector: SyncConnector<unknown>) {
  let last: string | undefined;
  return {
    connectionId: connection.id,
    organizationId: connection.organizationId,
    account: connection.externalAccountId ?? '',
    config: connection.config ?? {},
    logger: deps.logger.child({ connectionId: connection.id }),
    accessToken: async (force = false) => {
      last = await accessTokenOf(deps, connector.oauth, connection.id, force ? last : undefined);
      return last;
    },
  };
}

/**
 * Runs one sync: a log row (running → completed / failed), the pull and / or push, the
 * connection's state, the events and, after the configured number of failures in a row, the
 * integration.error event and an alert for the organization's admins.
 */
export async function runSync(deps: EngineDeps, request: SyncJobPayload): Promise<{ logId: number | null; status: 'completed' | 'failed' | 'skipped' }> {
  const [connection] = await deps.db.select().from(integrationConnections).where(eq(integrationConnections.id, request.connectionId));
  if (!connection) return { logId: null, status: 'skipped' };
  const connector = deps.registry.get(connection.integrationType)?.sync;
  // One sync of a connection runs at a time (the queue's singleton key): a log still running is
  // of a run whose worker died. Its committed pages stay; its cursors never moved.
  await deps.db
    .update(integrationSyncLogs)
    .set({ status: 'failed', completedAt: new Date(), errorLog: [{ level: 'error', code: 'interrupted', message: 'the worker running this sync stopped; the next sync took over' }] })
    .where(and(eq(integrationSyncLogs.connectionId, connection.id), eq(integrationSyncLogs.status, 'running')));
  const [inserted] = await deps.db.insert(integrationSyncLogs).values({
    organizationId: connection.organizationId,
    connectionId: connection.id,
    syncType: request.mode,
    direction: request.direction,
    trigger: request.trigger,
    startedAt: new Date(),
  });
  const logId = inserted.insertId;
  let api: RemoteApi | null = null;
  let run: SyncRun | null = null;
  let fatal: string | null = null;
  try {
    if (!connector) throw new FatalSyncError(`integration type ${connection.integrationType} does not sync over an API`);
    if (!connection.isActive) throw new FatalSyncError('the connection is inactive');
    if (connection.authStatus !== 'connected' || !connection.externalAccountId) {
      throw new FatalSyncError(connection.authStatus === 'needs_reauthorization' ? 'the connection needs to be authorized again (connectIntegration)' : 'the connection is not connected yet (connectIntegration)');
    }
    api = connector.open(sessionOf(deps, connection, connector));
    run = new SyncRun(deps, connection, connector, api, logId, request);
    await run.progress(true);
    await run.run();
  } catch (error) {
    if (error instanceof RemoteError || error instanceof FatalSyncError) fatal = error.message;
    else {
      deps.logger.error({ err: error, connectionId: connection.id, logId }, 'sync failed on an internal error');
      fatal = 'internal error; it was logged';
    }
    run?.note({ level: 'error', code: error instanceof RemoteError ? error.kind : 'failed', message: fatal });
  }
  return finish(deps, connection, request, logId, run, api, fatal);
}

async function finish(
  deps: EngineDeps,
  connection: IntegrationConnectionRow,
  request: SyncJobPayload,
  logId: number,
  run: SyncRun | null,
  api: RemoteApi | null,
  fatal: string | null,
): Promise<{ logId: number; status: 'completed' | 'failed' }> {
  const counters = run?.counters ?? { processed: 0, created: 0, updated: 0, deleted: 0, failed: 0, conflicts: 0 };
  const entries = run?.entries ?? (fatal ? [{ level: 'error', code: 'failed', message: fatal }] : []);
  const status = fatal ? 'failed' : 'completed';
  let alerted = false;
  await deps.db.transaction(async (tx) => {
    await tx
      .update(integrationSyncLogs)
      .set({
        status,
        completedAt: new Date(),
        recordsProcessed: counters.processed,
        recordsCreated: counters.created,
        recordsUpdated: counters.updated,
        recordsDeleted: counters.deleted,
        recordsFailed: counters.failed,
        conflicts: counters.conflicts,
        requestCount: api?.requestCount() ?? 0,
        errorLog: entries,
      })
      .where(eq(integrationSyncLogs.id, logId));
    const [current] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, connection.id)).for('update');
    if (!current) return;
    const failures = fatal ? current.consecutiveFailures + 1 : 0;
    await tx
      .update(integrationConnections)
      .set({ lastSyncAt: new Date(), lastSyncStatus: fatal ? 'failed' : counters.failed ? 'partial' : 'success', consecutiveFailures: failures })
      .where(eq(integrationConnections.id, connection.id));
    const summary = {
      connectionId: String(connection.id),
      integrationType: connection.integrationType,
      syncLogId: String(logId),
      direction: request.direction,
      recordsCreated: counters.created,
      recordsUpdated: counters.updated,
      recordsFailed: counters.failed,
    };
    const scope = { organizationId: connection.organizationId, projectId: connection.projectId };
    if (!fatal) {
      await emitEvent(tx, syncCompleted, summary, scope);
      return;
    }
    await emitEvent(tx, syncFailed, { ...summary, error: fatal }, scope);
    // Once per run of failures: when the count reaches the threshold, not on every failure after it.
    if (failures === deps.settings.failureAlertThreshold) {
      await emitEvent(tx, integrationError, { connectionId: String(connection.id), integrationType: connection.integrationType, error: fatal, consecutiveFailures: failures }, scope);
      await raiseAlert(tx, {
        organizationId: connection.organizationId,
        kind: integrationError.name,
        severity: 'critical',
        title: `Integration "${connection.name}" failed ${failures} syncs in a row`,
        message: `The last ${failures} syncs of ${connection.name} (${connection.integrationType}) failed. The latest error: ${fatal}`,
        subjectType: 'integration_connection',
        subjectId: connection.id,
      });
      alerted = true;
    }
  });
  if (alerted) deps.onAlert?.();
  if (deps.publish) {
    await deps
      .publish(connection.id, {
        connectionId: String(connection.id),
        syncLogId: String(logId),
        status,
        phase: null,
        entity: null,
        ...counters,
        error: fatal,
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not publish sync progress'));
  }
  deps.logger.info({ connectionId: connection.id, logId, status, ...counters, requests: api?.requestCount() ?? 0 }, 'sync finished');
  return { logId, status };
}
