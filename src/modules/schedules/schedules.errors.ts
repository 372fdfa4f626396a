import { AppError } from '../../platform/errors/app-error.js';

/** Why a schedule file was refused; in `extensions.reason`. */
export type ScheduleFileProblem =
  | 'UNKNOWN_FORMAT'
  | 'ENCODING'
  | 'NOT_XER'
  | 'TRUNCATED'
  | 'BAD_ROW'
  | 'INVALID_XML'
  | 'ENTITY_EXPANSION'
  | 'NOT_MSPDI'
  | 'NOT_P6_XML'
  | 'NO_PROJECT'
  | 'MISSING_VALUE'
  | 'BAD_VALUE'
  | 'DUPLICATE_UID'
  | 'CYCLE'
  | 'TOO_LONG';

/** A schedule file that cannot be imported: BAD_USER_INPUT with the reason and where. Nothing was written. */
export class ScheduleFileError extends AppError {
  constructor(
    readonly reason: ScheduleFileProblem,
    message: string,
    context: Record<string, unknown> = {},
  ) {
    super('BAD_USER_INPUT', message, { context: { reason, ...context } });
  }
}
