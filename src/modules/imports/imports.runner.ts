import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { isConnectionError, isLockConflict } from '../../platform/db/errors.js';
import { waitForDatabase } from '../../platform/db/wait.js';
import { SqlValues } from '../../platform/db/sql-values.js';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { PgPubSub } from '../../platform/queue/pubsub.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { AppError } from '../../platform/errors/app-error.js';
import { emitEvent } from '../../platform/events/outbox.js';
import { entityDef, recordEventName, recordEventsOfWrite, RecordOwnershipConflict, RecordUpsert, type EntityType, type RecordScope } from '../records/index.js';
import { createWriter, type RecordWriter } from '../exports/index.js';
import { importJobs, type ImportJobRow, type ImportStatus } from './import-jobs.table.js';
import { fromStates } from './imports.states.js';
import { importCompleted, importFailed } from './imports.events.js';
import { IMPORT_PROGRESS_TOPIC } from './imports.jobs.js';
import { isCommitted, recordCommit, type CommitLedger } from './imports.checkpoint.js';
import { PreloadedValues, recordLookup } from './imports.lookup.js';
import { openParsedFile, type CellValue, type ParsedRow } from './parsers/index.js';
import { DEFAULT_CHUNK_ROWS, isFailed, RowValidator, type CheckedRow, type RowIssue } from './validation/validation.engine.js';
import { ValidationSummary } from './validation/validation.summary.js';

/** Valid rows written per statement and transaction when skipping invalid rows (IMPORT_WRITE_ROWS). */
const DEFAULT_WRITE_ROWS = 5000;
/** Spans written at once when skipping invalid rows (IMPORT_WRITE_CONCURRENCY). */
const DEFAULT_WRITE_CONCURRENCY = 2;
/** A span that InnoDB rolled back for a deadlock or lock timeout is written again, up to this many times in all. */
const LOCK_CONFLICT_ATTEMPTS = 4;
/** Runs of a job that met records written by others after their lookup, before the job fails saying so. */
const OWNERSHIP_CONFLICT_ATTEMPTS = 3;
/** At most this many existing values of a unique field are preloaded (IMPORT_PRELOAD_MAX_VALUES). */
const DEFAULT_PRELOAD_MAX_VALUES = 100_000;

export interface RunnerDeps {
  db: Db;
  store: FileStore;
  pubsub: PgPubSub;
  logger: Logger;
  /** Rows validated per chunk. */
  chunkRows?: number;
  /**
   * When skipping invalid rows: valid rows gathered from consecutive chunks into one statement and
   * one transaction with their checkpoint (default: five chunks). Fewer, larger commits cost
   * less than many small ones; the validation chunk, which holds the parsed rows, stays small.
   * bench:import: 1,000 rows per write gave 25.1 s for a million CSV rows, 5,000 gave 18.5 s.
   */
  writeRows?: number;
  /**
   * When skipping invalid rows: how many of those writes run at once, each in a transaction and
   * on a connection of its own (default 2). One INSERT runs on one MariaDB thread; two keep both
   * cores of a small server busy. bench:import, same machine and day: 1 gave 45–50 s a million
   * rows (2.7–3.5 × LOAD DATA), 2 gave 25–37 s (1.9–2.3 ×).
   */
  writeConcurrency?: number;
  /**
   * Unique fields (a vendor's code) whose scope holds at most this many values, and no more than
   * one per 16 bytes of the file, are read once at the start: chunks then ask the database only
   * about values some record may hold (default 100,000; 12–34 bytes a value while the job runs).
   */
  preloadMaxValues?: number;
  /**
   * Which of these event names some active webhook of the organization subscribes to; record
   * events (vendor.created, …) are written only for those. Without it, none are.
   */
  subscribedEvents?: (organizationId: number, eventNames: string[]) => Promise<string[]>;
  /**
   * Seconds between the runner's heartbeats on the job row (IMPORT_HEARTBEAT_S, default 30). A
   * job whose heartbeat is older than STALE_HEARTBEATS of them has no live runner: another runner
   * may claim it, and the sweep resumes it.
   */
  heartbeatSeconds?: number;
  /**
   * When the database connection is lost, how long the runner waits for MySQL to answer again
   * before it gives the run up to pg-boss's retries (JOB_DB_WAIT_S, default 600 s); then it
   * resumes from the job's ledger. 0 does not wait.
   */
  dbWaitSeconds?: number;
}

/** Heartbeats a runner may miss before its job counts as abandoned. */
export const STALE_HEARTBEATS = 4;
const DEFAULT_HEARTBEAT_S = 30;
const DEFAULT_DB_WAIT_S = 600;
/** Lost connections a runner waits out within one run, before it leaves the job to the retries. */
const MAX_CONNECTION_RESUMES = 20;

/** What importProgress streams: small, so it fits a NOTIFY. */
export interface ImportProgress {
  jobId: string;
  status: ImportJobRow['status'];
  phase: string | null;
  processedRows: number;
  totalRows: number | null;
  insertedRows: number;
  updatedRows: number;
  failedRows: number;
  warningCount: number;
  errorMessage: string | null;
}

/** The job left the runner's hands (cancelled, failed or resumed by the sweep elsewhere): stop, write nothing more. */
class Released extends Error {}

/**
 * Valid rows of consecutive chunks, on their way to one write: encoded as SQL values
 * (RecordUpsert), so the row objects die young, plus the records themselves only when record
 * events need them.
 */
interface Span {
  values: SqlValues;
  records: Record<string, unknown>[] | null;
}

const PROGRESS_INTERVAL_MS = 250;
const CANCEL_CHECK_INTERVAL_MS = 500;
/** Checked chunks whose lookups may run while the next rows are read (see pass()). */
const LOOKAHEAD_CHUNKS = 2;

/** The error report: every failed row with its original cells, then where and why it failed. */
async function openReport(deps: RunnerDeps, job: ImportJobRow): Promise<{ key: string; writer: RecordWriter }> {
  const key = deps.store.newKey(job.organizationId, 'reports', 'csv');
  const headers = job.headers ?? [];
  const fields = [
    ...headers.map((label, i) => ({ key: `c${i}`, label, type: 'string' as const })),
    { key: 'row', label: 'Row', type: 'integer' as const },
    { key: 'errors', label: 'Errors', type: 'string' as const },
    { key: 'warnings', label: 'Warnings', type: 'string' as const },
  ];
  return { key, writer: await createWriter('csv', fields, deps.store.createWriteStream(key)) };
}

function cellText(value: CellValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function describeIssues(issues: readonly RowIssue[], severity: 'error' | 'warning'): string {
  return issues
    .filter((i) => i.severity === severity)
    .map((i) => (i.column ? `${i.column}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * Runs one import job: a dry run (validate everything, write nothing) or the import. Imports
 * either skip invalid rows, committing each chunk with its checkpoint so a resumed job carries
 * on after the last committed row, or are all-or-nothing: a validation pass, then every row in
 * one transaction. Re-running never duplicates a record: rows upsert by origin id, and rows
 * without one get `import:<job>:<row>`.
 */
export async function runImport(deps: RunnerDeps, jobId: number, dryRun: boolean, runnerId = `direct-${jobId}`): Promise<void> {
  let preload = true;
  for (let attempt = 1, ownership = 1, reconnects = 0; ; attempt++) {
    try {
      // The first attempt answers most uniqueness questions from preloaded values; after a
      // conflict the database answers every one (see runAttempt).
      await runAttempt(deps, jobId, dryRun, preload, runnerId);
      return;
    } catch (error) {
      if (error instanceof RecordOwnershipConflict) {
        preload = false;
        if (++ownership > OWNERSHIP_CONFLICT_ATTEMPTS) {
          // Records kept changing under the import: say so on the job rather than retry blindly.
          await failImportRun(deps.db, jobId, 'Records of this organization changed while the import ran (a code or number it writes was taken); run the import again', {
            pubsub: deps.pubsub,
            logger: deps.logger,
            runnerId,
            code: 'RECORDS_CHANGED',
          });
          return;
        }
        deps.logger.warn({ jobId, attempt }, 'an import row met a record written after its lookup; resuming with every value checked against the database');
        continue;
      }
      const waitSeconds = deps.dbWaitSeconds ?? DEFAULT_DB_WAIT_S;
      if (isConnectionError(error) && waitSeconds > 0 && reconnects < MAX_CONNECTION_RESUMES) {
        // The database went away (a restart, a network cut): wait for it rather than spend the
        // run's retries, then carry on from the ledger. The job row still names this runner.
        reconnects += 1;
        deps.logger.warn({ jobId, attempt, err: error }, 'import lost its database connection; waiting for the database');
        if (await waitForDatabase(() => deps.db.execute(sql`SELECT 1`), waitSeconds * 1000)) continue;
      }
      // Handed to pg-boss, whose retry keeps the runner id (and so the claim).
      throw error;
    }
  }
}

/**
 * One run of the job. A resumed run (after a crash, or after a RecordOwnershipConflict) carries
 * on from the job's ledger. With `preload`, the scope's existing unique values are read first
 * (PreloadedValues) and a chunk asks the database only about values some record may hold;
 * anything written by others after that read is caught by the upsert's guard, which throws
 * RecordOwnershipConflict with the span rolled back, and runImport runs the job again without.
 */
async function runAttempt(deps: RunnerDeps, jobId: number, dryRun: boolean, preload: boolean, runnerId: string): Promise<void> {
  const expected: ImportStatus = dryRun ? 'validating' : 'importing';
  const heartbeatSeconds = deps.heartbeatSeconds ?? DEFAULT_HEARTBEAT_S;
  // The claim (runner start): the job is waiting for this run, and it names this runner (the
  // pg-boss job it was queued with, whose retries keep the id) or none (a job set running by hand).
  const held = and(eq(importJobs.id, jobId), eq(importJobs.status, expected), eq(importJobs.runnerId, runnerId));
  const [claim] = await deps.db
    .update(importJobs)
    .set({ runnerId, heartbeatAt: sql`CURRENT_TIMESTAMP(3)`, phase: dryRun ? 'validating' : 'importing' })
    .where(
      and(
        eq(importJobs.id, jobId),
        eq(importJobs.status, expected),
        or(isNull(importJobs.runnerId), eq(importJobs.runnerId, runnerId)),
      ),
    );
  if (claim.affectedRows === 0) {
    deps.logger.warn({ jobId, expected }, 'import run skipped: the job is not waiting for it, or another runner holds it');
    return;
  }
  const [found] = await deps.db.select().from(importJobs).where(eq(importJobs.id, jobId));
  if (!found) return;
  const job: ImportJobRow = found;
  const type = job.importType as EntityType;
  const entity = entityDef(type);
  const scope: RecordScope = { organizationId: job.organizationId, projectId: job.projectId };
  const mappedFields = new Set(Object.values(job.mapping ?? {}));
  const uniqueFields = entity.fields.filter((f) => f.unique && f.key !== 'originId' && mappedFields.has(f.key)).map((f) => f.key);
  // Reading N values costs about what looking up a few times fewer does: read them when the file may hold that many rows.
  const preloadLimit = Math.min(deps.preloadMaxValues ?? DEFAULT_PRELOAD_MAX_VALUES, Math.max(1000, Math.floor(job.fileSize / 16)));
  const preloaded = preload && uniqueFields.length > 0 && preloadLimit > 0 ? { type, values: await PreloadedValues.load(deps.db, type, scope, uniqueFields, preloadLimit) } : undefined;
  let lastPublish = 0;
  const progress: ImportProgress = { ...progressOfJob(job), phase: 'reading', processedRows: 0, failedRows: 0, warningCount: 0, errorMessage: null };
  const publish = async (force = false) => {
    const now = Date.now();
    if (!force && now - lastPublish < PROGRESS_INTERVAL_MS) return;
    lastPublish = now;
    await deps.pubsub.publishAsync(IMPORT_PROGRESS_TOPIC, job.id, progress).catch((error: unknown) => {
      deps.logger.warn({ err: error, jobId }, 'could not publish import progress');
    });
  };
  /** Writes to the job row while this runner holds it; Released when it no longer does. */
  const save = async (fields: Partial<typeof importJobs.$inferInsert>, db: DbOrTx = deps.db) => {
    const [result] = await db.update(importJobs).set(fields).where(held);
    if (result.affectedRows === 0) throw new Released();
  };
  /** Whether this runner still holds the job, read under the job row's lock inside `tx`. */
  const stillHeld = async (tx: DbOrTx) => {
    const [row] = await tx.select({ status: importJobs.status, runnerId: importJobs.runnerId }).from(importJobs).where(eq(importJobs.id, job.id)).for('update');
    if (row?.status !== expected || row.runnerId !== runnerId) throw new Released();
  };
  // Asked at most every CANCEL_CHECK_INTERVAL_MS, not per chunk: a cancel takes effect within
  // that time (plus the chunk being written), and a big import saves a query per chunk.
  let lastCancelCheck = 0;
  let released = false;
  const checkCancelled = async () => {
    if (released) throw new Released();
    const now = Date.now();
    if (now - lastCancelCheck < CANCEL_CHECK_INTERVAL_MS) return;
    lastCancelCheck = now;
    const [row] = await deps.db.select({ status: importJobs.status, runnerId: importJobs.runnerId }).from(importJobs).where(eq(importJobs.id, job.id));
    if (row?.status !== expected || row.runnerId !== runnerId) throw new Released();
  };
  // The heartbeat: the job row says this runner is alive. One that finds the job gone from it
  // (cancelled, or resumed elsewhere after a long silence) makes the run stop at its next chunk.
  const beat = setInterval(() => {
    deps.db
      .update(importJobs)
      .set({ heartbeatAt: sql`CURRENT_TIMESTAMP(3)` })
      .where(held)
      .then(([result]) => {
        if (result.affectedRows === 0) released = true;
      })
      .catch((error: unknown) => deps.logger.debug({ err: error, jobId }, 'import heartbeat not written'));
  }, heartbeatSeconds * 1000);
  beat.unref();
  try {
    await runClaimed();
  } finally {
    clearInterval(beat);
  }

  async function runClaimed(): Promise<void> {
  await save({ startedAt: job.startedAt ?? new Date() });
  const report = await openReport(deps, job);
  const summary = new ValidationSummary();
  // Rows a crashed run of this job committed; all-or-nothing runs commit all rows or none.
  const resumeFrom: CommitLedger = dryRun ? { checkpoint: 0, ranges: [] } : { checkpoint: job.checkpointRow, ranges: job.committedRanges ?? [] };

  // Rows without an origin id get `import:<job>:<row>`, given to the validator as a column of
  // its own: then re-validating a row a crashed run already wrote reads as an update of that
  // record, not as a duplicate of it.
  const mapping = { ...(job.mapping ?? {}) };
  const syntheticOrigin = !Object.values(mapping).includes('originId');
  const ORIGIN_COLUMN = '\u0000origin';
  if (syntheticOrigin) mapping[ORIGIN_COLUMN] = 'originId';

  const chunkRows = deps.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const writeRows = Math.max(deps.writeRows ?? DEFAULT_WRITE_ROWS, chunkRows);
  const writeConcurrency = Math.max(1, deps.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  /**
   * One pass over the file. Reading and checking rows is the one Node thread's work; the
   * chunk's database lookups (checkBatch) and the caller's write are MySQL's. So that neither
   * waits for the other, a chunk's lookups start as soon as its rows are checked, and reading
   * goes on while they run: up to LOOKAHEAD_CHUNKS chunks are between checked and handed to
   * onChunk, which still sees the chunks one at a time, in file order. That bounds the memory
   * to a few chunks. No generator of our own sits between the parser and checkRow: at a million
   * rows each async layer costs a promise and a turn of the microtask queue per row.
   */
  const pass = async (onChunk: (chunk: CheckedRow[], raw: CellValue[][]) => Promise<void>) => {
    // On disk for the readers (the file itself, or a copy of the object released after the pass).
    const local = await deps.store.localFile(job.filePath);
    const file = await openParsedFile(local.path, { format: job.format as never, ...(job.options ?? {}) }).catch(async (error: unknown) => {
      await local.release();
      throw error;
    });
    const width = file.headers.length;
    const headers = syntheticOrigin ? [...file.headers, ORIGIN_COLUMN] : file.headers;
    const validator = new RowValidator(entity, headers, mapping, {
      lookup: recordLookup(deps.db, scope, preloaded),
      // `import:<job>:<row>` differs on every row: nothing to remember about it.
      ...(syntheticOrigin ? { uniqueByConstruction: ['originId'] } : {}),
    });
    // The chunk being filled: checked rows and their raw cells (same index), for the error report.
    let chunk: CheckedRow[] = [];
    let raw: CellValue[][] = [];
    const pending: Array<{ chunk: CheckedRow[]; raw: CellValue[][]; looked: Promise<void> }> = [];
    const handOldest = async () => {
      const oldest = pending[0]!;
      await oldest.looked;
      pending.shift();
      await onChunk(oldest.chunk, oldest.raw);
    };
    const queue = async () => {
      const looked = validator.checkBatch(chunk);
      // Observed at once (a rejection is rethrown when the chunk's turn comes): a rejection
      // nobody listens to yet would end the process.
      looked.catch(() => undefined);
      pending.push({ chunk, raw, looked });
      chunk = [];
      raw = [];
      if (pending.length > LOOKAHEAD_CHUNKS) await handOldest();
    };
    /** Checks a row into the chunk; true when the chunk is full. */
    const take = (row: ParsedRow): boolean => {
      raw.push(row.values);
      if (syntheticOrigin) {
        const values = row.values.slice(0, width);
        while (values.length < width) values.push(null);
        values.push(`import:${job.id}:${row.rowNumber}`);
        chunk.push(validator.checkRow({ rowNumber: row.rowNumber, values }));
      } else chunk.push(validator.checkRow(row));
      return chunk.length >= chunkRows;
    };
    try {
      // Rows in arrays where the reader has them so: one await per array instead of per row.
      if (file.batches) {
        for await (const batch of file.batches) for (const row of batch) if (take(row)) await queue();
      } else {
        for await (const row of file.rows) if (take(row)) await queue();
      }
      if (chunk.length > 0) await queue();
      while (pending.length > 0) await handOldest();
    } finally {
      // Whatever stopped the pass, no lookup is left running against a job that moves on.
      await Promise.allSettled(pending.map((p) => p.looked));
      try {
        await file.close();
      } finally {
        await local.release();
      }
    }
  };

  const writeReportRows = async (chunk: CheckedRow[], raw: CellValue[][]) => {
    for (let at = 0; at < chunk.length; at++) {
      const row = chunk[at]!;
      if (!isFailed(row.issues)) continue;
      const cells = raw[at] ?? [];
      const record: Record<string, unknown> = { row: row.rowNumber, errors: describeIssues(row.issues, 'error'), warnings: describeIssues(row.issues, 'warning') };
      (job.headers ?? []).forEach((_h, i) => (record[`c${i}`] = cellText(cells[i])));
      await report.writer.write(record);
    }
  };

  const toRecords = (chunk: CheckedRow[]) => {
    const records: Record<string, unknown>[] = [];
    for (const row of chunk) {
      if (isFailed(row.issues) || isCommitted(resumeFrom, row.rowNumber)) continue;
      // A mapped origin-id column may still be empty on some rows. The record is the chunk's own.
      if (!row.record['originId']) row.record['originId'] = `import:${job.id}:${row.rowNumber}`;
      records.push(row.record);
    }
    return records;
  };

  const account = (chunk: CheckedRow[]) => {
    for (const row of chunk) summary.addRow(row.issues);
    const r = summary.report();
    progress.processedRows = r.rows;
    progress.failedRows = r.failedRows;
    progress.warningCount = r.warnings;
  };

  try {
    if (dryRun || job.mode === 'all_or_nothing') {
      progress.phase = 'validating';
      await pass(async (chunk, raw) => {
        account(chunk);
        await writeReportRows(chunk, raw);
        await save({ processedRows: progress.processedRows, failedRows: progress.failedRows, warningCount: progress.warningCount });
        await publish();
        await checkCancelled();
      });
    }
    const validation = summary.report();
    if (dryRun || validation.failedRows > 0) {
      const done = await report.writer.close();
      const failedAll = !dryRun;
      progress.status = failedAll ? 'failed' : 'validated';
      progress.phase = failedAll ? 'failed' : 'validated';
      progress.totalRows = validation.rows;
      progress.errorMessage = failedAll ? `${validation.failedRows} rows have errors; nothing was written (all-or-nothing)` : null;
      await save({
        status: progress.status,
        phase: progress.phase,
        runnerId: null,
        ...(failedAll ? { errorCode: 'INVALID_ROWS' } : {}),
        totalRows: validation.rows,
        successRows: validation.validRows,
        errors: validation.issues,
        errorMessage: progress.errorMessage,
        reportKey: done.rows > 0 ? report.key : null,
        completedAt: failedAll ? new Date() : null,
      });
      if (done.rows === 0) await deps.store.remove(report.key);
      await publish(true);
      return;
    }

    progress.phase = 'importing';
    const wanted = new Set(
      (await deps.subscribedEvents?.(job.organizationId, [recordEventName(type, 'created'), recordEventName(type, 'updated')])) ?? [],
    );
    // Every record of the job carries the same fields (the validator's mapped ones and the
    // origin id), so one statement shape serves every write; it is made from the first records.
    let upsert: RecordUpsert | undefined;
    const newSpan = (): Span => ({ values: new SqlValues(), records: wanted.size ? [] : null });
    /** Encodes a chunk's records into the span they will be written with. */
    const addToSpan = (span: Span, records: Record<string, unknown>[]) => {
      if (records.length === 0) return;
      upsert ??= new RecordUpsert(type, scope, Object.keys(records[0]!));
      upsert.encode(records, span.values);
      span.records?.push(...records);
    };
    /** Upserts a span, with its record events when someone subscribes to them. */
    const write = async (tx: DbOrTx, span: Span) => {
      if (span.values.rows === 0) return { inserted: 0, updated: 0 };
      const events = span.records ? recordEventsOfWrite(tx, type, scope, span.records, wanted) : null;
      await events?.before();
      const result = await upsert!.run(tx, span.values);
      await events?.after();
      return result;
    };
    let final = validation;
    let inserted = job.mode === 'all_or_nothing' ? 0 : job.insertedRows;
    let updated = job.mode === 'all_or_nothing' ? 0 : job.updatedRows;
    if (job.mode === 'all_or_nothing') {
      // Validated clean: now every row, in one transaction, or none of them.
      progress.processedRows = 0;
      await deps.db.transaction(async (tx) => {
        let processed = 0;
        await pass(async (chunk) => {
          const span = newSpan();
          addToSpan(span, toRecords(chunk));
          const result = await write(tx, span);
          inserted += result.inserted;
          updated += result.updated;
          processed += chunk.length;
          Object.assign(progress, { processedRows: processed, insertedRows: inserted, updatedRows: updated });
          await publish();
          await checkCancelled();
        });
        await stillHeld(tx);
        await save({ checkpointRow: processed }, tx);
      });
    } else {
      const fresh = new ValidationSummary();
      // Up to writeConcurrency spans are written at once, each in its own transaction, while the
      // next rows are read and checked: MariaDB inserts on both cores. Spans may commit out of
      // order; each records itself in the job's ledger (checkpoint and ranges) in its own
      // transaction, so a resumed job skips exactly the rows that committed.
      const inFlight = new Set<Promise<void>>();
      let writeFailure: Error | undefined;
      const writeSpan = async (span: Span, first: number, last: number, r: ReturnType<ValidationSummary['report']>) => {
        for (let attempt = 1; ; attempt++) {
          try {
            const written = await deps.db.transaction(async (tx) => {
              const result = await write(tx, span);
              // The job row is locked last, briefly: spans insert side by side and queue only here.
              const [current] = await tx
                .select({ checkpoint: importJobs.checkpointRow, ranges: importJobs.committedRanges, status: importJobs.status, runnerId: importJobs.runnerId })
                .from(importJobs)
                .where(eq(importJobs.id, job.id))
                .for('update');
              // Cancelled or taken over meanwhile: the span rolls back, and the run stops.
              if (current?.status !== 'importing' || current.runnerId !== runnerId) throw new Released();
              const ledger = recordCommit({ checkpoint: current?.checkpoint ?? 0, ranges: current?.ranges ?? [] }, first, last);
              await tx
                .update(importJobs)
                .set({
                  checkpointRow: ledger.checkpoint,
                  committedRanges: ledger.ranges.length ? (ledger.ranges as Array<[number, number]>) : null,
                  insertedRows: sql`${importJobs.insertedRows} + ${result.inserted}`,
                  updatedRows: sql`${importJobs.updatedRows} + ${result.updated}`,
                  successRows: sql`${importJobs.successRows} + ${result.inserted + result.updated}`,
                  // Counts of the rows checked up to this span: a span committing after a later
                  // one must not lower them.
                  processedRows: sql`GREATEST(${importJobs.processedRows}, ${r.rows})`,
                  failedRows: sql`GREATEST(${importJobs.failedRows}, ${r.failedRows})`,
                  warningCount: sql`GREATEST(${importJobs.warningCount}, ${r.warnings})`,
                })
                .where(eq(importJobs.id, job.id));
              return result;
            });
            inserted += written.inserted;
            updated += written.updated;
            break;
          } catch (error) {
            // Rolled back whole (rows and ledger): running it again is safe.
            if (attempt >= LOCK_CONFLICT_ATTEMPTS || !isLockConflict(error)) throw error;
            deps.logger.warn({ jobId, first, last, attempt }, 'import span hit a lock conflict; writing it again');
          }
        }
        Object.assign(progress, {
          processedRows: Math.max(progress.processedRows, r.rows),
          insertedRows: inserted,
          updatedRows: updated,
          failedRows: Math.max(progress.failedRows, r.failedRows),
          warningCount: Math.max(progress.warningCount, r.warnings),
        });
        await publish();
      };
      const settleOne = async () => {
        if (inFlight.size > 0) await Promise.race(inFlight);
        if (writeFailure) throw writeFailure;
      };
      // Valid rows of consecutive chunks wait here until there are writeRows of them; a span is
      // every file row after the previous span up to the last row of its chunks.
      let pending = newSpan();
      let chunksPending = 0;
      let spanStart = 1;
      const flush = async (last: number, r: ReturnType<ValidationSummary['report']>) => {
        const span = pending;
        const first = spanStart;
        pending = newSpan();
        chunksPending = 0;
        spanStart = last + 1;
        while (inFlight.size >= writeConcurrency || writeFailure) await settleOne();
        // Caught at once and rethrown by settleOne(): a rejection left unobserved would end the process.
        const running: Promise<void> = writeSpan(span, first, last, r)
          .catch((error: unknown) => {
            writeFailure ??= error instanceof Error ? error : new Error('writing rows failed', { cause: error });
          })
          .finally(() => inFlight.delete(running));
        inFlight.add(running);
      };
      let lastRow = 0;
      try {
        await pass(async (chunk, raw) => {
          for (const row of chunk) fresh.addRow(row.issues);
          await writeReportRows(chunk, raw);
          addToSpan(pending, toRecords(chunk));
          chunksPending += 1;
          lastRow = chunk.at(-1)!.rowNumber;
          await checkCancelled();
          if (pending.values.rows >= writeRows) await flush(lastRow, fresh.report());
        });
        if (chunksPending > 0) await flush(lastRow, fresh.report());
      } finally {
        // Whatever stopped the pass, the writes settle before the job's outcome is recorded.
        await Promise.allSettled([...inFlight]);
      }
      if (writeFailure) throw writeFailure;
      final = fresh.report();
    }
    const done = await report.writer.close();
    if (done.rows === 0) await deps.store.remove(report.key);
    Object.assign(progress, { status: 'completed', phase: 'completed', totalRows: final.rows, processedRows: final.rows });
    const completed = {
      status: 'completed' as const,
      runnerId: null,
      phase: 'completed',
      totalRows: final.rows,
      processedRows: final.rows,
      insertedRows: inserted,
      updatedRows: updated,
      successRows: inserted + updated,
      failedRows: final.failedRows,
      warningCount: final.warnings,
      errors: final.issues,
      reportKey: done.rows > 0 ? report.key : null,
      completedAt: new Date(),
    };
    // The job's outcome and its import.completed event commit together (outbox).
    await deps.db.transaction(async (tx) => {
      await save(completed, tx);
      await emitEvent(tx, importCompleted, eventSummary(job, { totalRows: final.rows, insertedRows: inserted, updatedRows: updated, failedRows: final.failedRows }), {
        organizationId: job.organizationId,
        projectId: job.projectId,
      });
    });
    await publish(true);
  } catch (error) {
    await report.writer.abort().catch(() => undefined);
    await deps.store.remove(report.key).catch(() => undefined);
    if (error instanceof Released) {
      // Cancelled, failed or resumed elsewhere: whoever did it has recorded the job's state.
      deps.logger.info({ jobId }, 'import run stopped: the job is no longer this runner’s');
      return;
    }
    if (error instanceof AppError) {
      // The file or mapping cannot be processed: the caller's problem, recorded on the job.
      Object.assign(progress, { status: 'failed', phase: 'failed', errorMessage: error.message });
      const message = error.message;
      const reason = error.context['reason'];
      await deps.db.transaction(async (tx) => {
        await save({ status: 'failed', phase: 'failed', errorMessage: message, errorCode: typeof reason === 'string' ? reason : error.code, runnerId: null, completedAt: new Date() }, tx);
        await emitEvent(tx, importFailed, { ...eventSummary(job, progress), error: message }, { organizationId: job.organizationId, projectId: job.projectId });
      });
      await publish(true);
      return;
    }
    throw error;
  }
  }
}

/** What import.completed / import.failed say about a job. */
function eventSummary(
  job: Pick<ImportJobRow, 'id' | 'importType' | 'fileName' | 'projectId'>,
  counts: { totalRows?: number | null; insertedRows?: number | null; updatedRows?: number | null; failedRows?: number | null },
) {
  const inserted = counts.insertedRows ?? 0;
  const updated = counts.updatedRows ?? 0;
  const failed = counts.failedRows ?? 0;
  const total = counts.totalRows ?? 0;
  return {
    importJobId: String(job.id),
    importType: job.importType,
    fileName: job.fileName ?? null,
    projectId: job.projectId === null ? null : String(job.projectId),
    totalRows: total,
    insertedRows: inserted,
    updatedRows: updated,
    skippedRows: Math.max(0, total - inserted - updated - failed),
    failedRows: failed,
  };
}

/** What importProgress streams about a job, from its row. */
export function progressOfJob(row: ImportJobRow): ImportProgress {
  return {
    jobId: String(row.id),
    status: row.status,
    phase: row.phase,
    processedRows: row.processedRows,
    totalRows: row.totalRows,
    insertedRows: row.insertedRows,
    updatedRows: row.updatedRows,
    failedRows: row.failedRows,
    warningCount: row.warningCount,
    errorMessage: row.errorMessage,
  };
}

/**
 * Fails a job whose run cannot go on (its retries are spent, records kept changing, the sweep
 * gave up on it), so it does not stay validating or importing forever; with `pubsub`, its
 * subscribers see the failure too. `runnerId`: only while that runner holds the job (or none
 * does). A job that has moved on (cancelled, completed, resumed by another runner) is left as it is.
 */
export async function failImportRun(
  db: Db,
  jobId: number,
  message: string,
  options: { pubsub?: PgPubSub | undefined; logger?: Logger | undefined; runnerId?: string | undefined; code?: string } = {},
): Promise<boolean> {
  const failed = await db.transaction(async (tx) => {
    const [job] = await tx.select().from(importJobs).where(eq(importJobs.id, jobId)).for('update');
    if (!job || !fromStates('runnerFail').includes(job.status)) return false;
    if (options.runnerId !== undefined && job.runnerId !== null && job.runnerId !== options.runnerId) return false;
    await tx
      .update(importJobs)
      .set({ status: 'failed', phase: 'failed', errorMessage: message, errorCode: options.code ?? 'INTERNAL', runnerId: null, completedAt: sql`CURRENT_TIMESTAMP(3)` })
      .where(and(eq(importJobs.id, jobId), inArray(importJobs.status, fromStates('runnerFail'))));
    await emitEvent(tx, importFailed, { ...eventSummary(job, job), error: message }, { organizationId: job.organizationId, projectId: job.projectId });
    return true;
  });
  if (!failed || !options.pubsub) return failed;
  const [job] = await db.select().from(importJobs).where(eq(importJobs.id, jobId));
  if (job) {
    await options.pubsub.publishAsync(IMPORT_PROGRESS_TOPIC, job.id, progressOfJob(job)).catch((error: unknown) => {
      options.logger?.warn({ err: error, jobId }, 'could not publish import progress');
    });
  }
  return failed;
}
