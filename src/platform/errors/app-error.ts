/**
 * Errors a caller can act on. Modules subclass AppError with a string-literal code; one place
 * (platform/graphql/errors.ts) maps codes to GraphQL `extensions.code` and HTTP status.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Whether the same request may succeed later unchanged. */
  readonly retryable: boolean;
  /** Safe, caller-visible details (never secrets); copied to `extensions`. */
  readonly context: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

export class BadInputError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, { context });
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, id: string | number) {
    super('NOT_FOUND', `${entity} ${id} was not found`, { context: { entity, id: String(id) } });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('FORBIDDEN', message, { context });
  }
}

/** Why a credential was refused. A key of another organization reads as UNKNOWN. */
export type AuthFailure = 'MISSING' | 'MALFORMED' | 'UNKNOWN' | 'EXPIRED' | 'REVOKED';

export class AuthenticationError extends AppError {
  constructor(
    readonly reason: AuthFailure,
    message: string,
  ) {
    super('UNAUTHENTICATED', message, { context: { reason } });
  }
}

export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    context: Record<string, unknown> = {},
  ) {
    super('RATE_LIMITED', message, { retryable: true, context: { retryAfter: retryAfterSeconds, ...context } });
  }
}

/** A dependency (MySQL, PostgreSQL) cannot be reached: the same request may succeed in `retryAfter` seconds. */
export class ServiceUnavailableError extends AppError {
  constructor(message = 'The service is temporarily unavailable: a database cannot be reached; retry shortly', retryAfterSeconds = 5) {
    super('SERVICE_UNAVAILABLE', message, { retryable: true, context: { retryAfter: retryAfterSeconds } });
  }
}
