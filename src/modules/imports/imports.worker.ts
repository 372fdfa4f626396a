import { randomUUID } from 'node:crypto';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { isConnectionError } from '../../platform/db/errors.js';
import { isJobLive, registerWorker } from '../../platform/queue/jobs.js';
import type { PgPubSub } from '../../platform/queue/pubsub.js';
import { importJobs } from './import-jobs.table.js';
import { runImportJob, SWEEP_IMPORTS_CRON, sweepImportsJob } from './imports.jobs.js';
import { failImportRun, runImport, STALE_HEARTBEATS, type RunnerDeps } from './imports.runner.js';
import { queueImportRun, type RunRetry } from './imports.service.js';
import { fromStates } from './imports.states.js';

export interface ImportWorkerDeps extends RunnerDeps {
  boss: PgBoss;
  pubsub: PgPubSub;
  retry: RunRetry;
  /** Times the sweep resumes a job whose runner is gone before it fails it (JOB_MAX_RESUMES). */
  maxResumes: number;
}

/**
 * The import side of a worker process: runs queued runs (each under the claim of its pg-boss job
 * id; a lost database connection is waited out, other failures are retried by pg-boss with a
 * doubling pause) and sweeps, every minute, the jobs whose runner is gone.
 */
export async function startImportWorker(deps: ImportWorkerDeps): Promise<void> {
  const { boss, logger } = deps;
  await registerWorker(boss, logger, {
    job: runImportJob,
    // pg-boss's own heartbeat: a worker that dies is noticed by the queue too, and the run retried.
    ...(deps.heartbeatSeconds ? { heartbeatSeconds: deps.heartbeatSeconds } : {}),
    // A run may wait out a database outage and then import millions of rows: pg-boss's own
    // heartbeat finds dead workers, so its 15-minute expiry would only cut live runs short.
    expireInSeconds: 24 * 3600,
    concurrency: 2,
    handler: async ({ importJobId, dryRun }, meta) => {
      try {
        await runImport(deps, importJobId, dryRun, meta.id);
      } catch (error) {
        logger.error({ err: error, importJobId, attempt: meta.retryCount }, 'import run failed');
        if (meta.retryCount >= deps.retry.limit) {
          const unreachable = isConnectionError(error);
          // With the database still down this cannot be written: the sweep fails or resumes the job later.
          await failImportRun(
            deps.db,
            importJobId,
            unreachable
              ? 'The database could not be reached for too long; resume the import to carry on after its last committed row'
              : 'The import failed on an internal error; it was logged. Resume it to carry on after its last committed row',
            { pubsub: deps.pubsub, logger, runnerId: meta.id, code: unreachable ? 'DATABASE_UNAVAILABLE' : 'INTERNAL' },
          ).catch((failure: unknown) => logger.error({ err: failure, importJobId }, 'could not record the import’s failure'));
        }
        throw error;
      }
    },
  });
  await registerWorker(boss, logger, {
    job: sweepImportsJob,
    handler: async () => {
      const swept = await sweepImports(deps);
      if (swept.resumed.length || swept.failed.length) logger.warn(swept, 'import jobs whose runner was gone');
    },
  });
  await boss.schedule(sweepImportsJob.name, SWEEP_IMPORTS_CRON, {});
}

/**
 * Validating and importing jobs whose heartbeat is older than STALE_HEARTBEATS heartbeats, and
 * whose pg-boss job is no longer waiting or running (its retries were spent while the database
 * was down and the failure could not be written, or the queue job was lost), have no runner:
 * each is handed to a new run, which resumes from the job's ledger, up to `maxResumes` times;
 * after that it fails, saying so. A runner that is alive but cannot reach MySQL keeps its
 * pg-boss job active and is left to come back; a worker that died is noticed by pg-boss's own
 * heartbeat and its run retried under the same id. Safe on any number of workers at once.
 */
export async function sweepImports(
  deps: Pick<ImportWorkerDeps, 'db' | 'boss' | 'pubsub' | 'logger' | 'retry' | 'maxResumes' | 'heartbeatSeconds'>,
): Promise<{ resumed: number[]; failed: number[] }> {
  const staleSeconds = (deps.heartbeatSeconds ?? 30) * STALE_HEARTBEATS;
  const stale = and(
    inArray(importJobs.status, fromStates('runnerFail')),
    lt(sql`COALESCE(${importJobs.heartbeatAt}, ${importJobs.updatedAt})`, sql`CURRENT_TIMESTAMP(3) - INTERVAL ${staleSeconds} SECOND`),
  );
  const candidates = await deps.db.select({ id: importJobs.id, runnerId: importJobs.runnerId }).from(importJobs).where(stale).orderBy(importJobs.id).limit(100);
  const resumed: number[] = [];
  const failed: number[] = [];
  for (const candidate of candidates) {
    if (await isJobLive(deps.boss, runImportJob, candidate.runnerId)) continue;
    const runnerId = randomUUID();
    const outcome = await deps.db.transaction(async (tx) => {
      // Locked and checked again: another worker's sweep, or the runner itself, may have been first.
      const [job] = await tx
        .select()
        .from(importJobs)
        .where(and(eq(importJobs.id, candidate.id), stale))
        .for('update', { skipLocked: true });
      if (!job || job.runnerId !== candidate.runnerId) return null;
      if (job.resumeCount >= deps.maxResumes) return { job, resume: false };
      await tx.update(importJobs).set({ runnerId, resumeCount: job.resumeCount + 1, heartbeatAt: sql`CURRENT_TIMESTAMP(3)`, phase: 'queued' }).where(eq(importJobs.id, job.id));
      return { job, resume: true };
    });
    if (!outcome) continue;
    const { job } = outcome;
    if (outcome.resume) {
      await queueImportRun(deps.boss, job.id, job.status === 'validating', runnerId, deps.retry);
      resumed.push(job.id);
    } else {
      const done = job.status === 'importing' && job.checkpointRow > 0 ? ` Every row up to row ${job.checkpointRow} of the file is in.` : '';
      const message = `The import stopped making progress: its run was lost ${job.resumeCount + 1} times.${done} Resume it to carry on.`;
      if (await failImportRun(deps.db, job.id, message, { pubsub: deps.pubsub, logger: deps.logger, code: 'STALLED' })) failed.push(job.id);
    }
  }
  return { resumed, failed };
}
