import { AppError, BadInputError, NotFoundError } from '../../platform/errors/app-error.js';

export class SsoConnectionNotFoundError extends NotFoundError {
  constructor(id: string | number) {
    super('SSO connection', id);
  }
}

export class SsoInputError extends BadInputError {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`, { field });
  }
}

export class SsoDomainTakenError extends AppError {
  constructor(domain: string) {
    super('CONFLICT', `The e-mail domain ${domain} already belongs to an SSO connection`, { context: { field: 'domains', domain } });
  }
}

/**
 * Why a sign-in was refused. The browser sees `status` and `message` (never a stack or a
 * library's wording); `detail` goes to the log only.
 */
export type SsoLoginFailure =
  | 'BAD_REQUEST'
  | 'UNKNOWN_CONNECTION'
  | 'CONNECTION_DISABLED'
  | 'INVALID_RESPONSE'
  | 'REPLAYED'
  | 'DOMAIN_NOT_ALLOWED'
  | 'NO_EMAIL'
  | 'USER_INACTIVE'
  | 'ACCOUNT_CONFLICT'
  | 'IDP_UNAVAILABLE';

const STATUS: Record<SsoLoginFailure, number> = {
  BAD_REQUEST: 400,
  UNKNOWN_CONNECTION: 404,
  CONNECTION_DISABLED: 403,
  INVALID_RESPONSE: 401,
  REPLAYED: 401,
  DOMAIN_NOT_ALLOWED: 403,
  NO_EMAIL: 403,
  USER_INACTIVE: 403,
  ACCOUNT_CONFLICT: 409,
  IDP_UNAVAILABLE: 502,
};

export class SsoLoginError extends Error {
  readonly status: number;

  constructor(
    readonly reason: SsoLoginFailure,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'SsoLoginError';
    this.status = STATUS[reason];
  }
}
