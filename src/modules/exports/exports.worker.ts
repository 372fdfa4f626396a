import type { PgBoss } from 'pg-boss';
import { registerWorker } from '../../platform/queue/jobs.js';
import { runExportJob, SWEEP_EXPORTS_CRON, sweepExportsJob } from './exports.jobs.js';
import { runExport, sweepExports, type ExportRetry, type ExportRunDeps } from './exports.service.js';

/**
 * The export side of a worker process: runs queued exports under their pg-boss job id (retried
 * with a doubling pause; a lost database connection is waited out) and, every minute, sweeps the
 * exports whose run was lost.
 */
export async function startExportWorker(deps: ExportRunDeps & { boss: PgBoss; retry: ExportRetry; maxResumes: number }): Promise<void> {
  await registerWorker(deps.boss, deps.logger, {
    job: runExportJob,
    concurrency: 2,
    heartbeatSeconds: Math.max(10, deps.heartbeatSeconds ?? 30),
    expireInSeconds: 24 * 3600,
    handler: async ({ exportJobId }, meta) => runExport(deps, exportJobId, {}, meta.id),
  });
  await registerWorker(deps.boss, deps.logger, {
    job: sweepExportsJob,
    handler: async () => {
      const swept = await sweepExports(deps);
      if (swept.requeued.length || swept.failed.length) deps.logger.warn(swept, 'exports whose run was lost');
    },
  });
  await deps.boss.schedule(sweepExportsJob.name, SWEEP_EXPORTS_CRON, {});
}
