import { crc32 } from 'node:zlib';
import { randomBase62, toBase62 } from '../../platform/crypto/tokens.js';
import type { KeyEnvironment } from './keys.table.js';

/**
 * Key format, documented so secret scanners can recognise a Trestle key offline:
 *
 *   trk_<env>_<32 random base62 characters><6 base62 characters of CRC32>
 *
 * e.g. `trk_live_8f3kQ…Zz0aB3xY`. <env> is `live` or `test`. The random part carries about
 * 190 bits. The checksum is CRC32 of everything before it, in base62, so a typo or a truncated
 * copy is refused without a database lookup. Only SHA-256(key) is stored.
 */
export const KEY_PATTERN = /^trk_(live|test)_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/;
const RANDOM_LENGTH = 32;
/** Characters kept for display: `trk_live_` plus the first 6 random characters. */
const DISPLAY_PREFIX_LENGTH = 15;

function checksum(body: string): string {
  return toBase62(crc32(body), 6);
}

export interface GeneratedKey {
  plaintext: string;
  prefix: string;
}

export function generateKey(environment: KeyEnvironment): GeneratedKey {
  const body = `trk_${environment}_${randomBase62(RANDOM_LENGTH)}`;
  const plaintext = body + checksum(body);
  return { plaintext, prefix: plaintext.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** True when the string has the key shape and its checksum matches. */
export function isWellFormedKey(candidate: string): boolean {
  const match = KEY_PATTERN.exec(candidate);
  if (!match) return false;
  const body = candidate.slice(0, -6);
  return checksum(body) === match[3];
}
