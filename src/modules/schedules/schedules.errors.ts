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
  | 'PROJECT_NOT_FOUND'
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

/**
 * The project to read of a P6 file that may hold several: the one whose ID is `wanted`
 * (case-insensitive), else the first `real` one, else the first.
 * @throws ScheduleFileError PROJECT_NOT_FOUND naming the IDs the file holds.
 */
export function chooseProject<T>(file: string, projects: readonly T[], ids: readonly string[], real: (project: T) => boolean, wanted: string | undefined): T {
  if (wanted !== undefined) {
    const at = ids.findIndex((id) => id.toLowerCase() === wanted.trim().toLowerCase());
    if (at < 0) {
      throw new ScheduleFileError('PROJECT_NOT_FOUND', `The ${file} has no project ${JSON.stringify(wanted.slice(0, 100))}; it holds ${ids.map((id) => JSON.stringify(id)).join(', ')}`, {
        projects: ids,
      });
    }
    return projects[at]!;
  }
  return projects.find(real) ?? projects[0]!;
}
