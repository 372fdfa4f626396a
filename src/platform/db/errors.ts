import { ServiceUnavailableError } from '../errors/app-error.js';

/**
 * MySQL/MariaDB error codes as mysql2 reports them (`code`, e.g. 'ER_DUP_ENTRY'), found on the
 * error itself or anywhere along its `cause` chain: drizzle wraps a failed query's error in its
 * own, and callers wrap again.
 */
export function mysqlErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ER_')) return code;
  }
  return undefined;
}

/** A unique index refused the row. */
export function isDuplicateKey(error: unknown): boolean {
  return mysqlErrorCode(error) === 'ER_DUP_ENTRY';
}

/** InnoDB chose this transaction as a deadlock victim, or it waited too long for a lock: it rolled back and may be run again. */
export function isLockConflict(error: unknown): boolean {
  const code = mysqlErrorCode(error);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** Error codes of a connection that failed or was lost (mysql2 and Node's sockets). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_GONE_ERROR',
  'ER_SERVER_LOST',
]);

/**
 * The database could not be reached, or the connection was lost mid-statement (a restart, a
 * network cut): nothing is wrong with the work, it may be done again once the server is back.
 * mysql2 marks such errors `fatal`; drizzle and callers may wrap them (`cause`).
 */
export function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, fatal } = e as { code?: unknown; fatal?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (fatal === true) return true;
    if (e instanceof AggregateError && e.errors.some(isConnectionError)) return true;
  }
  return false;
}

/**
 * The error a caller sees for a lost database: SERVICE_UNAVAILABLE (HTTP 503 with Retry-After)
 * when `error` is a connection failure (isConnectionError), else null. Answering 500 would say the
 * request itself is at fault; 503 says to come back, as /readyz does.
 */
export function unavailableFrom(error: unknown): ServiceUnavailableError | null {
  return isConnectionError(error) ? new ServiceUnavailableError() : null;
}
