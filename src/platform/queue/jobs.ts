import type { PgBoss, SendOptions } from 'pg-boss';
import type { z } from 'zod';
import type { Logger } from '../logging/logger.js';

/**
 * A job kind: its queue name and the zod schema of its payload. The payload is validated when
 * the job is sent (so a bad caller fails at once) and again when it runs (so a job written by an
 * older release, or by hand, cannot reach a handler malformed).
 */
export interface JobDefinition<S extends z.ZodType> {
  name: string;
  schema: S;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export async function sendJob<S extends z.ZodType>(
  boss: PgBoss,
  job: JobDefinition<S>,
  payload: z.input<S>,
  options: SendOptions = {},
): Promise<string | null> {
  const data = job.schema.parse(payload) as object;
  return boss.send(job.name, data, options);
}

export interface WorkerSpec<S extends z.ZodType> {
  job: JobDefinition<S>;
  handler: (payload: z.output<S>, meta: { id: string; retryCount: number }) => Promise<void>;
  /** Jobs this process runs at once. */
  concurrency?: number;
  /**
   * Seconds between the worker's heartbeats for long jobs: a worker that dies stops beating,
   * and the job is retried by another after this long instead of after its expiry.
   */
  heartbeatSeconds?: number;
  /** Longest a job may stay active before pg-boss retries it (pg-boss default 900 s); long jobs that beat their heartbeat raise it. */
  expireInSeconds?: number;
}

/** Creates the queue if missing and runs its handler on this process. */
export async function registerWorker<S extends z.ZodType>(
  boss: PgBoss,
  logger: Logger,
  spec: WorkerSpec<S>,
): Promise<void> {
  await boss.createQueue(spec.job.name, {
    ...(spec.heartbeatSeconds ? { heartbeatSeconds: spec.heartbeatSeconds } : {}),
    ...(spec.expireInSeconds ? { expireInSeconds: spec.expireInSeconds } : {}),
  });
  await boss.work(spec.job.name, { localConcurrency: spec.concurrency ?? 1 }, async (jobs) => {
    for (const job of jobs) {
      const parsed = spec.job.schema.safeParse(job.data);
      if (!parsed.success) {
        // A malformed payload never becomes valid by retrying: fail it with the reason.
        logger.error({ job: spec.job.name, jobId: job.id, issues: parsed.error.issues }, 'job payload invalid');
        throw new Error(`invalid payload for ${spec.job.name}`);
      }
      await spec.handler(parsed.data, { id: job.id, retryCount: (job as { retryCount?: number }).retryCount ?? 0 });
    }
  });
}

/** pg-boss states of a job that waits to run or runs: its work is not lost. */
const LIVE_STATES = new Set(['created', 'retry', 'active']);

/**
 * Whether pg-boss still has the job `id` of `job`'s queue waiting, retrying or running. A sweep
 * asks before it hands a stalled row to a new run: a live one is a runner that will come back (it
 * waits for a database, or pg-boss will retry it when its heartbeats stop).
 */
export async function isJobLive<S extends z.ZodType>(boss: PgBoss, job: JobDefinition<S>, id: string | null): Promise<boolean> {
  if (id === null) return false;
  const found = await boss.getJobById(job.name, id);
  return found !== null && LIVE_STATES.has(found.state);
}
