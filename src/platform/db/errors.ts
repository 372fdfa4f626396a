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
