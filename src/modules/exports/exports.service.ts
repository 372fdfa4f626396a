import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import { BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import { emitEvent } from '../../platform/events/outbox.js';
import type { Page } from '../../platform/graphql/pagination.js';
import type { Logger } from '../../platform/logging/logger.js';
import { sendJob } from '../../platform/queue/jobs.js';
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

export async function createExport(
  deps: { db: Db; boss: PgBoss },
  actor: Actor,
  input: { scope: RecordScope; entityType: EntityType; format: ExportFormat; filters: ExportFilters },
): Promise<ExportJobRow> {
  if ((input.filters.originIds?.length ?? 0) > 1000) throw new BadInputError('filters.originIds takes at most 1000 ids', { field: 'filters.originIds' });
  const id = await deps.db.transaction(async (tx) => {
    const [result] = await tx.insert(exportJobs).values({
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
  await sendJob(deps.boss, runExportJob, { exportJobId: id }, { retryLimit: 2, retryDelay: 5, singletonKey: `export-${id}` });
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

/**
 * Writes the export in one pass: records read from MySQL in batches (only the exported columns,
 * as arrays) go through the format's writer straight into the ZIP entry, compressed on the way
 * and hashed for the manifest; then manifest.json, and the archive is complete. Nothing is
 * written twice and memory holds two batches at most. On failure no file is left.
 */
export async function runExport(deps: { db: Db; store: FileStore; logger: Logger }, id: number, options: RunExportOptions = {}): Promise<void> {
  const [job] = await deps.db.select().from(exportJobs).where(eq(exportJobs.id, id));
  if (!job || job.status === 'completed') return;
  const type = job.entityType as EntityType;
  const entity = entityDef(type);
  const format = job.format as ExportFormat;
  const fields = exportFieldsOf(entity);
  const scope: RecordScope = { organizationId: job.organizationId, projectId: job.projectId };
  await deps.db.update(exportJobs).set({ status: 'running', startedAt: new Date() }).where(eq(exportJobs.id, id));

  const dataName = `${type}.${EXPORT_FILE_TYPES[format].extension}`;
  const zipKey = deps.store.newKey(job.organizationId, 'exports', 'zip');
  const zipPath = deps.store.resolve(zipKey);
  let zip: ZipStream | undefined;
  let writer: RecordWriter | undefined;
  try {
    await mkdir(path.dirname(zipPath), { recursive: true });
    const createdAt = job.createdAt;
    const manifestBase = { exportId: id, organizationId: job.organizationId, entityType: type, filters: { ...job.filters } as Record<string, unknown>, createdAt, schemaVersion: RECORD_SCHEMA_VERSION, fields };
    zip = ZipStream.open(zipPath);
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
    // The job's outcome and its export.completed event commit together (outbox).
    await deps.db.transaction(async (tx) => {
      await tx
        .update(exportJobs)
        .set({ status: 'completed', rowCount: written.rows, fileKey: zipKey, fileSize: zipped.bytes, fileSha256: zipped.sha256, manifest: manifest as unknown as Record<string, unknown>, completedAt: new Date() })
        .where(eq(exportJobs.id, id));
      await emitEvent(
        tx,
        exportCompleted,
        { exportJobId: String(id), entityType: type, format, rowCount: written.rows, byteSize: zipped.bytes },
        { organizationId: job.organizationId, projectId: job.projectId },
      );
    });
  } catch (error) {
    deps.logger.error({ err: error, exportId: id }, 'export failed');
    await writer?.abort().catch(() => undefined);
    await zip?.abort().catch(() => undefined);
    await deps.db.update(exportJobs).set({ status: 'failed', errorMessage: 'The export failed on an internal error; it was logged', completedAt: new Date() }).where(eq(exportJobs.id, id));
  }
}
