import { z } from 'zod';
import { defineJob } from '../../platform/queue/jobs.js';

/** Runs one sync of one connection. The queue is `stately` with the connection as singleton key: at most one sync of a connection runs, and at most one more waits. */
export const runSyncJob = defineJob({
  name: 'integrations.sync',
  schema: z.object({
    connectionId: z.number().int().positive(),
    direction: z.enum(['pull', 'push', 'both']),
    mode: z.enum(['full', 'incremental']),
    trigger: z.enum(['api', 'webhook', 'conflict_resolution', 'schedule']),
  }),
});

export type SyncJobPayload = z.infer<typeof runSyncJob.schema>;

/** The scheduler's tick: queues the scheduled syncs that are due (queueScheduledSyncs). */
export const scheduleSyncsJob = defineJob({ name: 'integrations.schedule', schema: z.object({}) });

/** Every minute: an interval is kept to within a minute. */
export const SCHEDULE_SYNCS_CRON = '* * * * *';

/** Topic of syncProgress; the dynamic id is the connection. */
export const SYNC_PROGRESS_TOPIC = 'INTEGRATION_SYNC_PROGRESS';

/** What a sync run counts, kept in its log and streamed with its progress. */
export interface SyncCounters {
  processed: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  conflicts: number;
}

/** What syncProgress streams: small, so it fits a NOTIFY payload. */
export interface SyncProgress extends SyncCounters {
  connectionId: string;
  syncLogId: string | null;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'idle';
  /** pull or push, while running. */
  phase: string | null;
  /** The remote entity being synced, while running. */
  entity: string | null;
  error: string | null;
}
