import { AppError, NotFoundError } from '../../platform/errors/app-error.js';

export class ImportJobNotFoundError extends NotFoundError {
  constructor(id: number | string) {
    super('Import job', id);
  }
}

export class ImportStateError extends AppError {
  constructor(id: number, status: string, action: string) {
    super('CONFLICT', `Import job ${id} is ${status}: it cannot ${action}`, { context: { id: String(id), status: status.toUpperCase() } });
  }
}
