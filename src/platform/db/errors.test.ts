import { describe, expect, test } from 'vitest';
import { isDuplicateKey, isLockConflict, mysqlErrorCode } from './errors.js';

const mysqlError = (code: string) => Object.assign(new Error(code), { code, errno: 1 });

describe('MySQL error codes', () => {
  test('are found on the error or along its cause chain (drizzle wraps query errors)', () => {
    expect(mysqlErrorCode(mysqlError('ER_DUP_ENTRY'))).toBe('ER_DUP_ENTRY');
    const wrapped = new Error('Failed query', { cause: new Error('again', { cause: mysqlError('ER_LOCK_DEADLOCK') }) });
    expect(mysqlErrorCode(wrapped)).toBe('ER_LOCK_DEADLOCK');
    expect(isLockConflict(wrapped)).toBe(true);
    expect(isDuplicateKey(wrapped)).toBe(false);
  });

  test('other errors have none: network codes, plain errors, non-errors', () => {
    expect(mysqlErrorCode(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(mysqlErrorCode(new Error('plain'))).toBeUndefined();
    expect(mysqlErrorCode(null)).toBeUndefined();
    expect(isLockConflict(mysqlError('ER_LOCK_WAIT_TIMEOUT'))).toBe(true);
    expect(isDuplicateKey(mysqlError('ER_DUP_ENTRY'))).toBe(true);
  });
});
