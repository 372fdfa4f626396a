import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import { BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import type { Logger } from '../../platform/logging/logger.js';
import { sendJob } from '../../platform/queue/jobs.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { recordAudit, type Actor } from '../audit/index.js';
import { entityDef, listRecords, type EntityType, type RecordScope } from '../records/index.js';
import { exportJobs, type ExportFilters, type ExportJobRow } from './export-jobs.table.js';
import { runExportJob } from './exports.jobs.js';
import { buildManifest, manifestJson, MANIFEST_FILE_NAME, writeZip } from './writers/export.manifest.js';
import { createWriter, EXPORT_FILE_TYPES } from './writers/export.writer.js';
import { exportFieldsOf, type ExportFormat } from './writers/writer.types.js';

/** Version of the record shapes in exports; raised when a field changes meaning or type. */
export const RECORD_SCHEMA_VERSION = 1;
/** Rows read from MySQL per query while exporting. */
const READ_BATCH = 5000;

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

/**
 * Writes the export: records streamed from MySQL in batches into the format's writer (bounded
 * memory), then a manifest naming every file with its SHA-256, both zipped together.
 */
export async function runExport(deps: { db: Db; store: FileStore; logger: Logger }, id: number): Promise<void> {
  const [job] = await deps.db.select().from(exportJobs).where(eq(exportJobs.id, id));
  if (!job || job.status === 'completed') return;
  const type = job.entityType as EntityType;
  const entity = entityDef(type);
  const format = job.format as ExportFormat;
  const fields = exportFieldsOf(entity);
  const scope: RecordScope = { organizationId: job.organizationId, projectId: job.projectId };
  await deps.db.update(exportJobs).set({ status: 'running', startedAt: new Date() }).where(eq(exportJobs.id, id));

  const workDir = deps.store.resolve(path.posix.join(`org-${job.organizationId}`, 'exports', `tmp-${id}`));
  await mkdir(workDir, { recursive: true });
  const dataName = `${type}.${EXPORT_FILE_TYPES[format].extension}`;
  const dataPath = path.join(workDir, dataName);
  try {
    const createdAt = job.createdAt;
    const manifestBase = { exportId: id, organizationId: job.organizationId, entityType: type, filters: { ...job.filters } as Record<string, unknown>, createdAt, schemaVersion: RECORD_SCHEMA_VERSION, fields };
    const writer = await createWriter(format, fields, dataPath, {
      entityLabel: entity.label,
      manifestSheet: { exportId: String(id), organizationId: String(job.organizationId), entityType: type, schemaVersion: RECORD_SCHEMA_VERSION, createdAt: createdAt.toISOString(), filters: JSON.stringify(job.filters) },
    });
    // Newest first, in pages by id: the same order as the record queries.
    let beforeId: number | null = null;
    const filter = { search: job.filters.search, originIds: job.filters.originIds, updatedSince: job.filters.updatedSince ? new Date(job.filters.updatedSince) : null };
    for (;;) {
      const rows = await listRecords(deps.db, type, scope, { limit: READ_BATCH, beforeId }, filter);
      const page = rows.slice(0, READ_BATCH);
      for (const row of page) await writer.write(row);
      if (rows.length <= READ_BATCH) break;
      beforeId = page.at(-1)!.id;
    }
    const written = await writer.close();
    const manifest = buildManifest({ ...manifestBase, files: [{ name: dataName, ...written }] });
    const zipKey = deps.store.newKey(job.organizationId, 'exports', 'zip');
    const zipPath = deps.store.resolve(zipKey);
    const zipped = await writeZip(zipPath, [
      { name: dataName, path: dataPath },
      { name: MANIFEST_FILE_NAME, content: manifestJson(manifest) },
    ]);
    await deps.db
      .update(exportJobs)
      .set({ status: 'completed', rowCount: written.rows, fileKey: zipKey, fileSize: zipped.bytes, fileSha256: zipped.sha256, manifest: manifest as unknown as Record<string, unknown>, completedAt: new Date() })
      .where(eq(exportJobs.id, id));
  } catch (error) {
    deps.logger.error({ err: error, exportId: id }, 'export failed');
    await deps.db.update(exportJobs).set({ status: 'failed', errorMessage: 'The export failed on an internal error; it was logged', completedAt: new Date() }).where(eq(exportJobs.id, id));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
