import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { BadInputError } from '../../platform/errors/app-error.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { sendJob } from '../../platform/queue/jobs.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { recordAudit, type Actor } from '../audit/index.js';
import { getProject } from '../organizations/index.js';
import { entityDef, isEntityType, type EntityType } from '../records/index.js';
import { importJobs, type ImportJobRow, type ImportMode, type ImportOptions, type ImportStatus } from './import-jobs.table.js';
import { nextState, OPERATION_PHRASES, type ImportOperation, type ImportRun } from './imports.states.js';
import { importMappings } from './import-mappings.table.js';
import { ImportJobNotFoundError, ImportStateError } from './imports.errors.js';
import { runImportJob } from './imports.jobs.js';
import { adaptSavedMapping, headerSignature, validateMapping, type HeaderMapping } from './mapping/mapping.apply.js';
import { headerFieldScore, suggestMapping, type MappingSuggestion } from './mapping/mapping.match.js';
import { openParsedFile, ParseError, type FileFormat, type SheetSummary } from './parsers/index.js';

export interface ImportDeps {
  db: Db;
  store: FileStore;
  boss: PgBoss;
  maxUploadBytes: number;
  /** pg-boss retries of a run (default DEFAULT_RUN_RETRY). */
  retry?: RunRetry | undefined;
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
  /** XLSX: the workbook's sheets, so a person can choose another (createImport again with `sheet`). */
  sheets: SheetSummary[];
  /** 1-based row the headers were read from (0: the format has no header row, or none was found). */
  headerRow: number;
  /** How the file was read, where a person may want to choose otherwise. */
  warnings: string[];
  suggestion: MappingSuggestion | null;
  /** True when the mapping came from one saved for files with the same headers. */
  mappingFromSaved: boolean;
}

/** A header row a person chose: 1-based, among the rows headers are looked for in and shortly after. */
export function checkHeaderRow(row: number): number {
  if (!Number.isInteger(row) || row < 1 || row > 40) throw new BadInputError('headerRow is a row number from 1 to 40', { field: 'headerRow' });
  return row;
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
  let failure: { message: string; code: string } | null = null;
  let sheets: SheetSummary[] = [];
  let headerRow = 0;
  let warnings: string[] = [];
  const options: ImportOptions = { ...input.options };
  // The readers need a file on disk (XLSX and ZIP seek): the file itself, or a copy of the object.
  const local = await deps.store.localFile(key);
  try {
    const parsed = await openParsedFile(local.path, {
      declaredName: fileName,
      ...(input.format ? { format: input.format } : {}),
      ...input.options,
      // The header is the row that best names this type's fields (title rows above it lose).
      headerScore: (cells) => headerFieldScore(entityDef(type), cells),
    });
    headers = parsed.headers;
    format = parsed.format;
    sheets = parsed.sheets ?? [];
    headerRow = parsed.headerRowNumber;
    warnings = parsed.warnings ?? [];
    // What was chosen is kept, so every run reads the file as it was shown.
    if (parsed.info['sheet'] !== undefined) options.sheet = String(parsed.info['sheet']);
    if (headerRow > 0) options.headerRow = headerRow;
    if (parsed.info['encoding'] !== undefined && options.encoding === undefined) options.encoding = String(parsed.info['encoding']);
    await parsed.close();
    if (headers.length === 0) failure = { message: 'The file has no header row', code: 'NO_HEADER' };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    failure = { message: error.message, code: error.reason };
  } finally {
    await local.release();
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
    options,
    headers,
    headerSignature: signature,
    mapping,
    status: failure ? ('failed' as const) : ('pending' as const),
    errorMessage: failure?.message ?? null,
    errorCode: failure?.code ?? null,
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
  return { job, suggestion, mappingFromSaved, sheets, headerRow, warnings };
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

/** How a run is queued on pg-boss: retries with a growing pause, so a database restart is ridden out. */
export interface RunRetry {
  /** Retries after the first attempt (JOB_RETRY_LIMIT). */
  limit: number;
  /** Seconds before the first retry, doubling after each (JOB_RETRY_DELAY_S). */
  delaySeconds: number;
}

export const DEFAULT_RUN_RETRY: RunRetry = { limit: 5, delaySeconds: 30 };

/**
 * Sends the pg-boss job of a run under `runnerId`, the id the job row was given as its runner in
 * the same transaction that queued it: only that pg-boss job (and its retries, which keep the id)
 * may run the job, and the sweep can ask pg-boss whether it is still waiting or running.
 */
export async function queueImportRun(boss: PgBoss, id: number, dryRun: boolean, runnerId: string, retry: RunRetry = DEFAULT_RUN_RETRY): Promise<void> {
  await sendJob(boss, runImportJob, { importJobId: id, dryRun }, { id: runnerId, retryLimit: retry.limit, retryDelay: retry.delaySeconds, retryBackoff: true });
}

/**
 * Moves a job from the state it was read in along `operation` (imports.states.ts), as a
 * compare-and-set on its status: refused with CONFLICT, naming the state, when the table does
 * not allow it or when the job changed in between.
 */
export async function transitionImport(
  db: DbOrTx,
  job: Pick<ImportJobRow, 'id' | 'status' | 'run'>,
  operation: ImportOperation,
  fields: Partial<typeof importJobs.$inferInsert> = {},
  run: ImportRun | null = job.run,
): Promise<ImportStatus> {
  const next = run === null && operation === 'resume' ? undefined : nextState(operation, job.status, run ?? 'import');
  if (!next) throw new ImportStateError(job.id, job.status, OPERATION_PHRASES[operation]);
  const [result] = await db
    .update(importJobs)
    .set({ ...fields, status: next })
    .where(and(eq(importJobs.id, job.id), eq(importJobs.status, job.status)));
  if (result.affectedRows === 0) {
    const [now] = await db.select({ status: importJobs.status }).from(importJobs).where(eq(importJobs.id, job.id));
    throw new ImportStateError(job.id, now?.status ?? job.status, OPERATION_PHRASES[operation]);
  }
  return next;
}

/** Counters and outcome of a run that starts from the beginning. */
const FRESH_RUN = {
  processedRows: 0,
  checkpointRow: 0,
  committedRanges: null,
  insertedRows: 0,
  updatedRows: 0,
  successRows: 0,
  failedRows: 0,
  warningCount: 0,
  totalRows: null,
  errors: null,
  reportKey: null,
};

/**
 * What a job's row says when a run is queued for it: no error, `runnerId` (the pg-boss job sent
 * right after the commit) as its runner, and a heartbeat the sweep counts from, so a run whose
 * queue job is lost is queued again.
 */
function queuedRun(runnerId: string) {
  return { phase: 'queued', errorMessage: null, errorCode: null, runnerId, heartbeatAt: new Date(), resumeCount: 0, completedAt: null };
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
  const operation = options.dryRun ? 'validate' : 'execute';
  // Checked first, so a refused state is reported as such rather than as a mapping problem.
  if (!nextState(operation, job.status, options.dryRun ? 'validate' : 'import')) throw new ImportStateError(id, job.status, OPERATION_PHRASES[operation]);
  const mapping = options.mapping ?? job.mapping ?? {};
  checkMapping(job, mapping);
  const runnerId = randomUUID();
  await deps.db.transaction(async (tx) => {
    await transitionImport(
      tx,
      job,
      operation,
      {
        ...FRESH_RUN,
        mapping,
        ...(options.mode ? { mode: options.mode } : {}),
        run: options.dryRun ? 'validate' : 'import',
        ...queuedRun(runnerId),
      },
      options.dryRun ? 'validate' : 'import',
    );
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
  // two leaves a queued job with no run: the stale-heartbeat sweep queues it again.
  await queueImportRun(deps.boss, id, options.dryRun, runnerId, deps.retry);
  return getImportJob(deps.db, organizationId, id);
}

/**
 * Carries on the run a failed or cancelled job was in: an import from its checkpoint (rows
 * already committed are not written again; the counts go on from where they were), a dry run
 * from the start. The mapping and mode stay those of the run.
 */
export async function resumeImport(deps: ImportDeps, actor: Actor, organizationId: number, id: number): Promise<ImportJobRow> {
  const job = await getImportJob(deps.db, organizationId, id);
  if (!job.headers) throw new ImportStateError(id, job.status, 'be resumed: its file could not be read; upload it again');
  const run = job.run;
  const runnerId = randomUUID();
  await deps.db.transaction(async (tx) => {
    await transitionImport(tx, job, 'resume', {
      // A dry run, or an all-or-nothing import, commits nothing before its end: it starts over.
      ...(run === 'validate' || job.mode === 'all_or_nothing' ? FRESH_RUN : {}),
      ...queuedRun(runnerId),
    });
    await recordAudit(tx, actor, { organizationId, action: 'import.resumed', targetType: 'import_job', targetId: id, metadata: { run, checkpointRow: job.checkpointRow } });
  });
  await queueImportRun(deps.boss, id, run === 'validate', runnerId, deps.retry);
  return getImportJob(deps.db, organizationId, id);
}

/**
 * Cancels a job that has not ended, at once: it is CANCELLED whether or not a runner is alive
 * (one that is notices at its next chunk, rolls that chunk back and stops). Rows an import
 * committed before stay (skip-invalid mode); resumeImport carries on from there.
 */
export async function cancelImport(db: Db, actor: Actor, organizationId: number, id: number): Promise<ImportJobRow> {
  const job = await getImportJob(db, organizationId, id);
  await db.transaction(async (tx) => {
    await transitionImport(tx, job, 'cancel', { phase: 'cancelled', runnerId: null, completedAt: new Date() });
    await recordAudit(tx, actor, { organizationId, action: 'import.cancelled', targetType: 'import_job', targetId: id });
  });
  return getImportJob(db, organizationId, id);
}
