import path from 'node:path';
import type { Readable } from 'node:stream';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../platform/db/mysql.js';
import { BadInputError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { sendJob } from '../../platform/queue/jobs.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { recordAudit, type Actor } from '../audit/index.js';
import { getProject } from '../organizations/index.js';
import { entityDef, isEntityType, type EntityType } from '../records/index.js';
import { importJobs, type ImportJobRow, type ImportMode, type ImportOptions } from './import-jobs.table.js';
import { importMappings } from './import-mappings.table.js';
import { ImportJobNotFoundError, ImportStateError } from './imports.errors.js';
import { runImportJob } from './imports.jobs.js';
import { adaptSavedMapping, headerSignature, validateMapping, type HeaderMapping } from './mapping/mapping.apply.js';
import { suggestMapping, type MappingSuggestion } from './mapping/mapping.match.js';
import { openParsedFile, ParseError, type FileFormat } from './parsers/index.js';

export interface ImportDeps {
  db: Db;
  store: FileStore;
  boss: PgBoss;
  maxUploadBytes: number;
}

export interface NewImport {
  organizationId: number;
  importType: string;
  projectId: number | null;
  fileName: string;
  format?: FileFormat | undefined;
  options: ImportOptions;
}

export interface CreatedImport {
  job: ImportJobRow;
  suggestion: MappingSuggestion | null;
  /** True when the mapping came from one saved for files with the same headers. */
  mappingFromSaved: boolean;
}

function checkType(importType: string): EntityType {
  if (!isEntityType(importType)) throw new BadInputError(`Unknown import type ${importType}`, { field: 'type' });
  return importType;
}

async function checkProject(db: Db, organizationId: number, type: EntityType, projectId: number | null): Promise<number | null> {
  if (!entityDef(type).projectScoped) {
    if (projectId !== null) throw new BadInputError(`${type} belong to the organization, not to a project`, { field: 'projectId' });
    return null;
  }
  if (projectId === null) throw new BadInputError(`${type} belong to a project: pass projectId`, { field: 'projectId' });
  return (await getProject(db, organizationId, projectId)).id;
}

/**
 * Stores an uploaded file (streamed, size-limited), reads its headers, and creates the import
 * job with a suggested mapping: the one saved for the same headers, or one matched from the
 * catalog. A file that cannot be read still gets a job, failed, naming why.
 */
export async function createImport(
  deps: Omit<ImportDeps, 'boss'>,
  actor: Actor,
  input: NewImport,
  content: Readable,
): Promise<CreatedImport> {
  const type = checkType(input.importType);
  const projectId = await checkProject(deps.db, input.organizationId, type, input.projectId);
  const fileName = path.basename(input.fileName || 'upload').slice(0, 255);
  const key = deps.store.newKey(input.organizationId, 'uploads', path.extname(fileName));
  const stored = await deps.store.write(key, content, deps.maxUploadBytes);

  let headers: string[] | null = null;
  let format: string = input.format ?? path.extname(fileName).slice(1).toLowerCase() ?? 'csv';
  let failure: string | null = null;
  try {
    const parsed = await openParsedFile(deps.store.resolve(key), { declaredName: fileName, ...(input.format ? { format: input.format } : {}), ...input.options });
    headers = parsed.headers;
    format = parsed.format;
    await parsed.close();
    if (headers.length === 0) failure = 'The file has no header row';
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    failure = error.message;
  }

  let mapping: HeaderMapping | null = null;
  let suggestion: MappingSuggestion | null = null;
  let mappingFromSaved = false;
  const signature = headers ? headerSignature(headers) : null;
  if (headers && signature) {
    suggestion = suggestMapping(entityDef(type), headers);
    const [saved] = await deps.db
      .select()
      .from(importMappings)
      .where(and(eq(importMappings.organizationId, input.organizationId), eq(importMappings.importType, type), eq(importMappings.headerSignature, signature)));
    if (saved) {
      mapping = adaptSavedMapping(saved.mapping, headers);
      mappingFromSaved = true;
    } else {
      mapping = suggestion.mapping;
    }
  }

  const values = {
    organizationId: input.organizationId,
    projectId,
    importType: type,
    filePath: key,
    fileName,
    fileSize: stored.size,
    fileSha256: stored.sha256,
    format: format.slice(0, 10),
    options: input.options,
    headers,
    headerSignature: signature,
    mapping,
    status: failure ? ('failed' as const) : ('pending' as const),
    errorMessage: failure,
    completedAt: failure ? new Date() : null,
    createdBy: actor.type === 'user' && actor.id ? Number(actor.id) : null,
    createdByKeyId: actor.type === 'api_key' && actor.id ? Number(actor.id) : null,
  };
  const job = await deps.db.transaction(async (tx) => {
    const [result] = await tx.insert(importJobs).values(values);
    await recordAudit(tx, actor, {
      organizationId: input.organizationId,
      action: 'import.created',
      targetType: 'import_job',
      targetId: result.insertId,
      metadata: { type, fileName, size: stored.size, format },
    });
    const [row] = await tx.select().from(importJobs).where(eq(importJobs.id, result.insertId));
    return row!;
  });
  return { job, suggestion, mappingFromSaved };
}

export async function getImportJob(db: Db, organizationId: number, id: number): Promise<ImportJobRow> {
  const [row] = await db
    .select()
    .from(importJobs)
    .where(and(eq(importJobs.id, id), eq(importJobs.organizationId, organizationId)));
  if (!row) throw new ImportJobNotFoundError(id);
  return row;
}

export async function listImportJobs(db: Db, organizationId: number, page: Page): Promise<ImportJobRow[]> {
  return db
    .select()
    .from(importJobs)
    .where(and(eq(importJobs.organizationId, organizationId), page.beforeId === null ? undefined : lt(importJobs.id, page.beforeId)))
    .orderBy(desc(importJobs.id))
    .limit(page.limit + 1);
}

/** Checks a mapping a person chose against the file; problems that make it unusable are bad input. */
function checkMapping(job: ImportJobRow, mapping: HeaderMapping): void {
  const problems = validateMapping(entityDef(job.importType as EntityType), job.headers ?? [], mapping).filter(
    // A required field left unmapped is not fatal here: every row reports it, so the dry run shows it.
    (p) => p.severity === 'error' && p.code !== 'REQUIRED_UNMAPPED',
  );
  if (problems.length) {
    throw new BadInputError(`The mapping does not fit the file: ${problems.map((p) => p.message).join('; ')}`, {
      field: 'mapping',
      problems: problems.map((p) => ({ code: p.code, message: p.message })),
    });
  }
}

/** Queues a run: a dry run (validate) or the import itself. */
export async function startImportRun(
  deps: ImportDeps,
  actor: Actor,
  organizationId: number,
  id: number,
  options: { dryRun: boolean; mapping?: HeaderMapping | null | undefined; mode?: ImportMode | undefined },
): Promise<ImportJobRow> {
  const job = await getImportJob(deps.db, organizationId, id);
  const runnable = options.dryRun ? ['pending', 'validated', 'failed'] : ['pending', 'validated'];
  if (!runnable.includes(job.status) || (job.status === 'failed' && !job.headers)) {
    throw new ImportStateError(id, job.status, options.dryRun ? 'be validated' : 'be imported');
  }
  const mapping = options.mapping ?? job.mapping ?? {};
  checkMapping(job, mapping);
  await deps.db.transaction(async (tx) => {
    await tx
      .update(importJobs)
      .set({
        mapping,
        ...(options.mode ? { mode: options.mode } : {}),
        status: options.dryRun ? 'validating' : 'importing',
        phase: 'queued',
        errorMessage: null,
        cancelRequested: false,
        processedRows: 0,
        checkpointRow: 0,
        insertedRows: 0,
        updatedRows: 0,
        successRows: 0,
        failedRows: 0,
        warningCount: 0,
        completedAt: null,
      })
      .where(eq(importJobs.id, id));
    if (job.headerSignature) {
      await tx
        .insert(importMappings)
        .values({ organizationId, importType: job.importType, headerSignature: job.headerSignature, mapping })
        .onDuplicateKeyUpdate({ set: { mapping, updatedAt: sql`CURRENT_TIMESTAMP(3)` } });
    }
    await recordAudit(tx, actor, {
      organizationId,
      action: options.dryRun ? 'import.validation_started' : 'import.started',
      targetType: 'import_job',
      targetId: id,
      metadata: { mode: options.mode ?? job.mode },
    });
  });
  // Sent after the commit, so the worker always finds the state it expects. A crash between the
  // two leaves a queued job with no run; running it again re-sends.
  await sendJob(deps.boss, runImportJob, { importJobId: id, dryRun: options.dryRun }, { retryLimit: 3, retryDelay: 5, singletonKey: `import-${id}` });
  return getImportJob(deps.db, organizationId, id);
}

/** Asks a running import to stop at the next chunk; one that is not running is cancelled at once. */
export async function cancelImport(db: Db, actor: Actor, organizationId: number, id: number): Promise<ImportJobRow> {
  const job = await getImportJob(db, organizationId, id);
  if (['completed', 'failed', 'cancelled'].includes(job.status)) throw new ImportStateError(id, job.status, 'be cancelled');
  const running = job.status === 'validating' || job.status === 'importing';
  await db.transaction(async (tx) => {
    await tx
      .update(importJobs)
      .set(running ? { cancelRequested: true } : { status: 'cancelled', completedAt: new Date(), phase: 'cancelled' })
      .where(eq(importJobs.id, id));
    await recordAudit(tx, actor, { organizationId, action: 'import.cancelled', targetType: 'import_job', targetId: id });
  });
  return getImportJob(db, organizationId, id);
}
