import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { isConnectionError } from '../../platform/db/errors.js';
import type { Db } from '../../platform/db/mysql.js';
import { waitForDatabase } from '../../platform/db/wait.js';
import { BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import { emitEvent } from '../../platform/events/outbox.js';
import type { Page } from '../../platform/graphql/pagination.js';
import type { Logger } from '../../platform/logging/logger.js';
import { isJobLive, sendJob } from '../../platform/queue/jobs.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { recordAudit, type Actor } from '../audit/index.js';
import { entityDef, type EntityType, type RecordScope } from '../records/index.js';
import { exportJobs, type ExportFilters, type ExportJobRow } from './export-jobs.table.js';
import { exportCompleted } from './exports.events.js';
import { runExportJob } from './exports.jobs.js';
import { readRecordBatches } from './exports.reader.js';
import { buildManifest, manifestJson, MANIFEST_FILE_NAME } from './writers/export.manifest.js';
import { createWriter, EXPORT_FILE_TYPES, type RecordWriter } from './writers/export.writer.js';
import { EXPORT_DEFLATE_LEVEL, ZipStream } from './writers/zip.stream.js';
import { exportFieldsOf, type ExportFormat } from './writers/writer.types.js';

/** Version of the record shapes in exports; raised when a field changes meaning or type. */
export const RECORD_SCHEMA_VERSION = 1;

/** pg-boss retries of an export run: a doubling pause, so a database restart is ridden out. */
export interface ExportRetry {
  limit: number;
  delaySeconds: number;
}

const DEFAULT_EXPORT_RETRY: ExportRetry = { limit: 5, delaySeconds: 30 };

/** Sends an export's run under `runnerId`, the id its row names as its runner (see runExport). */
export async function queueExportRun(boss: PgBoss, id: number, runnerId: string, retry: ExportRetry = DEFAULT_EXPORT_RETRY): Promise<void> {
  await sendJob(boss, runExportJob, { exportJobId: id }, { id: runnerId, retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true });
}

export async function createExport(
  deps: { db: Db; boss: PgBoss; retry?: ExportRetry | undefined },
  actor: Actor,
  input: { scope: RecordScope; entityType: EntityType; format: ExportFormat; filters: ExportFilters },
): Promise<ExportJobRow> {
  if ((input.filters.originIds?.length ?? 0) > 1000) throw new BadInputError('filters.originIds takes at most 1000 ids', { field: 'filters.originIds' });
  const runnerId = randomUUID();
  const id = await deps.db.transaction(async (tx) => {
    const [result] = await tx.insert(exportJobs).values({
      runnerId,
      heartbeatAt: new Date(),
      organizationId: input.scope.organizationId,
      projectId: input.scope.projectId,
      entityType: input.entityType,
      format: input.format,
      filters: input.filters,
      createdByKeyId: actor.type === 'api_key' && actor.id ? Number(actor.id) : null,
    });
    await recordAudit(tx, actor, {
      organizationId: input.scope.organizationId,
      action: 'export.created',
      targetType: 'export_job',
      targetId: result.insertId,
      metadata: { entityType: input.entityType, format: input.format },
    });
    return result.insertId;
  });
  // After the commit; a crash between the two leaves a pending export the sweep queues again.
  await queueExportRun(deps.boss, id, runnerId, deps.retry);
  return getExportJob(deps.db, input.scope.organizationId, id);
}

export async function getExportJob(db: Db, organizationId: number, id: number): Promise<ExportJobRow> {
  const [row] = await db
    .select()
    .from(exportJobs)
    .where(and(eq(exportJobs.id, id), eq(exportJobs.organizationId, organizationId)));
  if (!row) throw new NotFoundError('Export', id);
  return row;
}

export async function listExportJobs(db: Db, organizationId: number, page: Page): Promise<ExportJobRow[]> {
  return db
    .select()
    .from(exportJobs)
    .where(and(eq(exportJobs.organizationId, organizationId), page.beforeId === null ? undefined : lt(exportJobs.id, page.beforeId)))
    .orderBy(desc(exportJobs.id))
    .limit(page.limit + 1);
}

export interface RunExportOptions {
  /** Deflate level of the data file in the ZIP (0 stores it); XLSX, compressed already, is always stored. */
  compressionLevel?: number;
}

export interface ExportRunDeps {
  db: Db;
  store: FileStore;
  logger: Logger;
  /** Seconds between heartbeats on the export's row (default 30). */
  heartbeatSeconds?: number;
  /** How long a run that lost its database connection waits for it before giving the attempt up (default 600 s). */
  dbWaitSeconds?: number;
}

/** Heartbeats a running export may miss before the sweep looks at it. */
export const EXPORT_STALE_HEARTBEATS = 4;
/** Lost connections one run waits out before leaving the export to pg-boss's retries. */
const MAX_CONNECTION_RESTARTS = 20;

/**
 * Runs an export under `runnerId` (the pg-boss job it was queued with; a direct call runs as
 * `direct-<id>`): the row must name that runner or none. A lost database connection is waited
 * out (JOB_DB_WAIT_S) and the export written again from the start (one consistent read, nothing
 * partial is kept); other failures mark it failed. When even that cannot be written, the error
 * goes to pg-boss, which retries; the sweep looks after an export whose retries are spent.
 */
export async function runExport(deps: ExportRunDeps, id: number, options: RunExportOptions = {}, runnerId = `direct-${id}`): Promise<void> {
  for (let restarts = 0; ; restarts++) {
    try {
      await runExportOnce(deps, id, options, runnerId);
      return;
    } catch (error) {
      if (!isConnectionError(error) || restarts >= MAX_CONNECTION_RESTARTS) throw error;
      deps.logger.warn({ err: error, exportId: id }, 'export lost its database connection; waiting for the database');
      if (!(await waitForDatabase(() => deps.db.execute(sql`SELECT 1`), (deps.dbWaitSeconds ?? 600) * 1000))) throw error;
    }
  }
}

/**
 * Writes the export in one pass: records read from MySQL in batches (only the exported columns,
 * as arrays) go through the format's writer straight into the ZIP entry, compressed on the way
 * and hashed for the manifest; then manifest.json, and the archive is complete. Nothing is
 * written twice and memory holds two batches at most. On failure no file is left.
 */
async function runExportOnce(deps: ExportRunDeps, id: number, options: RunExportOptions, runnerId: string): Promise<void> {
  const held = and(eq(exportJobs.id, id), eq(exportJobs.status, 'running'), eq(exportJobs.runnerId, runnerId));
  const [claim] = await deps.db
    .update(exportJobs)
    .set({ status: 'running', runnerId, heartbeatAt: sql`CURRENT_TIMESTAMP(3)`, startedAt: new Date() })
    .where(and(eq(exportJobs.id, id), inArray(exportJobs.status, ['pending', 'running']), or(isNull(exportJobs.runnerId), eq(exportJobs.runnerId, runnerId))));
  if (claim.affectedRows === 0) return;
  const [job] = await deps.db.select().from(exportJobs).where(eq(exportJobs.id, id));
  if (!job) return;
  const type = job.entityType as EntityType;
  const entity = entityDef(type);
  const format = job.format as ExportFormat;
  const fields = exportFieldsOf(entity);
  const scope: RecordScope = { organizationId: job.organizationId, projectId: job.projectId };
  const beat = setInterval(() => {
    deps.db
      .update(exportJobs)
      .set({ heartbeatAt: sql`CURRENT_TIMESTAMP(3)` })
      .where(held)
      .catch((error: unknown) => deps.logger.debug({ err: error, exportId: id }, 'export heartbeat not written'));
  }, (deps.heartbeatSeconds ?? 30) * 1000);
  beat.unref();

  const dataName = `${type}.${EXPORT_FILE_TYPES[format].extension}`;
  const zipKey = deps.store.newKey(job.organizationId, 'exports', 'zip');
  let zip: ZipStream | undefined;
  let writer: RecordWriter | undefined;
  try {
    const createdAt = job.createdAt;
    const manifestBase = { exportId: id, organizationId: job.organizationId, entityType: type, filters: { ...job.filters } as Record<string, unknown>, createdAt, schemaVersion: RECORD_SCHEMA_VERSION, fields };
    zip = ZipStream.over(deps.store.createWriteStream(zipKey));
    const level = format === 'xlsx' ? 0 : (options.compressionLevel ?? EXPORT_DEFLATE_LEVEL);
    writer = await createWriter(format, fields, zip.entry(dataName, level), {
      entityLabel: entity.label,
      manifestSheet: { exportId: String(id), organizationId: String(job.organizationId), entityType: type, schemaVersion: RECORD_SCHEMA_VERSION, createdAt: createdAt.toISOString(), filters: JSON.stringify(job.filters) },
    });
    const filter = { search: job.filters.search, originIds: job.filters.originIds, updatedSince: job.filters.updatedSince ? new Date(job.filters.updatedSince) : null };
    for await (const batch of readRecordBatches(deps.db, type, scope, filter, fields)) await writer.writeRows(batch);
    const written = await writer.close();
    const manifest = buildManifest({ ...manifestBase, files: [{ name: dataName, ...written }] });
    zip.addText(MANIFEST_FILE_NAME, manifestJson(manifest));
    const zipped = await zip.close();
    // The job's outcome and its export.completed event commit together (outbox), while this run holds it.
    const completed = await deps.db.transaction(async (tx) => {
      const [result] = await tx
        .update(exportJobs)
        .set({ status: 'completed', runnerId: null, rowCount: written.rows, fileKey: zipKey, fileSize: zipped.bytes, fileSha256: zipped.sha256, manifest: manifest as unknown as Record<string, unknown>, completedAt: new Date() })
        .where(held);
      if (result.affectedRows === 0) return false;
      await emitEvent(
        tx,
        exportCompleted,
        { exportJobId: String(id), entityType: type, format, rowCount: written.rows, byteSize: zipped.bytes },
        { organizationId: job.organizationId, projectId: job.projectId },
      );
      return true;
    });
    if (!completed) await deps.store.remove(zipKey).catch(() => undefined);
  } catch (error) {
    await writer?.abort().catch(() => undefined);
    await zip?.abort().catch(() => undefined);
    // A lost connection is waited out and the export written again (runExport).
    if (isConnectionError(error)) throw error;
    deps.logger.error({ err: error, exportId: id }, 'export failed');
    await deps.db.update(exportJobs).set({ status: 'failed', runnerId: null, errorMessage: 'The export failed on an internal error; it was logged', completedAt: new Date() }).where(held);
  } finally {
    clearInterval(beat);
  }
}

/**
 * Pending and running exports whose heartbeat (or, never started, their creation) is older than
 * EXPORT_STALE_HEARTBEATS heartbeats and whose pg-boss job is neither waiting nor running have
 * lost their run: each is queued again under a new runner id (an export is written from the
 * start; nothing partial was kept), up to `maxResumes` times; then it fails, saying so.
 */
export async function sweepExports(deps: { db: Db; boss: PgBoss; logger: Logger; heartbeatSeconds?: number; maxResumes: number; retry?: ExportRetry }): Promise<{ requeued: number[]; failed: number[] }> {
  const staleSeconds = (deps.heartbeatSeconds ?? 30) * EXPORT_STALE_HEARTBEATS;
  const stale = and(
    inArray(exportJobs.status, ['pending', 'running']),
    lt(sql`COALESCE(${exportJobs.heartbeatAt}, ${exportJobs.createdAt})`, sql`CURRENT_TIMESTAMP(3) - INTERVAL ${staleSeconds} SECOND`),
  );
  const candidates = await deps.db.select({ id: exportJobs.id, runnerId: exportJobs.runnerId }).from(exportJobs).where(stale).orderBy(exportJobs.id).limit(100);
  const requeued: number[] = [];
  const failed: number[] = [];
  for (const candidate of candidates) {
    if (await isJobLive(deps.boss, runExportJob, candidate.runnerId)) continue;
    const runnerId = randomUUID();
    const outcome = await deps.db.transaction(async (tx) => {
      const [job] = await tx.select().from(exportJobs).where(and(eq(exportJobs.id, candidate.id), stale)).for('update', { skipLocked: true });
      if (!job || job.runnerId !== candidate.runnerId) return null;
      if (job.resumeCount >= deps.maxResumes) {
        await tx
          .update(exportJobs)
          .set({ status: 'failed', runnerId: null, errorMessage: `The export stopped making progress: its run was lost ${job.resumeCount + 1} times; create it again`, completedAt: new Date() })
          .where(eq(exportJobs.id, job.id));
        return 'failed' as const;
      }
      await tx.update(exportJobs).set({ status: 'pending', runnerId, resumeCount: job.resumeCount + 1, heartbeatAt: sql`CURRENT_TIMESTAMP(3)` }).where(eq(exportJobs.id, job.id));
      return 'requeued' as const;
    });
    if (outcome === 'failed') failed.push(candidate.id);
    if (outcome === 'requeued') {
      await queueExportRun(deps.boss, candidate.id, runnerId, deps.retry);
      requeued.push(candidate.id);
    }
  }
  return { requeued, failed };
}
