import type { ImportStatus } from './import-jobs.table.js';

/**
 * The import job's state machine, in one table: for each operation, the states it may start
 * from and the state it leads to. Every change of `import_jobs.status` goes through it (see
 * imports.service.ts and imports.runner.ts), as a compare-and-set on the status, so two callers
 * racing (a cancel and the runner's last write, a sweep and a runner coming back) cannot both
 * win; anything else is refused with CONFLICT naming the current state.
 *
 * | from \ operation | validate   | execute   | resume            | cancel    | runner start/progress | runner complete | runner fail |
 * | ---------------- | ---------- | --------- | ----------------- | --------- | --------------------- | --------------- | ----------- |
 * | pending          | validating | importing | –                 | cancelled | –                     | –               | –           |
 * | validating       | –          | –         | –                 | cancelled | validating            | validated       | failed      |
 * | validated        | validating | importing | –                 | cancelled | –                     | –               | –           |
 * | importing        | –          | –         | –                 | cancelled | importing             | completed       | failed      |
 * | completed        | –          | –         | –                 | –         | –                     | –               | –           |
 * | failed           | –          | –         | the run it failed | –         | –                     | –               | –           |
 * | cancelled        | –          | –         | the run it left   | –         | –                     | –               | –           |
 *
 * `create` makes a pending job (failed when the file cannot be read; such a job has no headers
 * and cannot be resumed). `resume` carries on the run the job was in: an import from its
 * checkpoint (committed rows are not written again), a dry run from the start (it writes
 * nothing). The stale-heartbeat sweep resumes a validating or importing job whose runner is
 * gone, without changing its state.
 */
export type ImportOperation = 'validate' | 'execute' | 'resume' | 'cancel' | 'runnerStart' | 'runnerComplete' | 'runnerFail';

/** Which run a job is in, or last was: a dry run (validate) or the import (execute). */
export type ImportRun = 'validate' | 'import';

type Target = ImportStatus | ((run: ImportRun) => ImportStatus);

const runState = (run: ImportRun): ImportStatus => (run === 'validate' ? 'validating' : 'importing');

export const IMPORT_TRANSITIONS: Record<ImportOperation, Partial<Record<ImportStatus, Target>>> = {
  validate: { pending: 'validating', validated: 'validating' },
  execute: { pending: 'importing', validated: 'importing' },
  resume: { failed: runState, cancelled: runState },
  cancel: { pending: 'cancelled', validating: 'cancelled', validated: 'cancelled', importing: 'cancelled' },
  runnerStart: { validating: 'validating', importing: 'importing' },
  runnerComplete: { validating: 'validated', importing: 'completed' },
  runnerFail: { validating: 'failed', importing: 'failed' },
};

/** What a person is told when an operation is refused: "Import job 5 is importing: it cannot …". */
export const OPERATION_PHRASES: Record<ImportOperation, string> = {
  validate: 'be validated',
  execute: 'be imported (resume a failed or cancelled job with resumeImport)',
  resume: 'be resumed: only failed and cancelled jobs are',
  cancel: 'be cancelled: it has ended',
  runnerStart: 'be run',
  runnerComplete: 'be completed',
  runnerFail: 'be failed',
};

/** The states an operation may start from. */
export function fromStates(operation: ImportOperation): ImportStatus[] {
  return Object.keys(IMPORT_TRANSITIONS[operation]) as ImportStatus[];
}

/** The state `operation` leads to from `status`, or undefined when it is not allowed there. */
export function nextState(operation: ImportOperation, status: ImportStatus, run: ImportRun): ImportStatus | undefined {
  const target = IMPORT_TRANSITIONS[operation][status];
  return typeof target === 'function' ? target(run) : target;
}

/** States a job has ended in: nothing runs, nothing will. */
export const ENDED_STATES: readonly ImportStatus[] = ['completed', 'failed', 'cancelled'];
