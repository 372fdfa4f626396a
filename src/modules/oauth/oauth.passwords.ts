import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/*
 * Local-account passwords, hashed with scrypt (node:crypto). Stored format:
 *   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<64-byte key, base64url>
 * The parameters travel with the hash, so they can be raised later without invalidating old ones.
 */
const N_LOG2 = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function options(nLog2: number, r: number, p: number): ScryptOptions {
  return { N: 2 ** nLog2, r, p, maxmem: 256 * 2 ** nLog2 * r + 1024 * 1024 };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, options(N_LOG2, R, P));
  return ['scrypt', N_LOG2, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash with the same cost, compared against when the account does not exist, so both paths take as long. */
const DECOY = hashPassword(randomBytes(16).toString('hex'));

/** Whether `password` matches `stored`; a missing or malformed hash never matches (and costs the same time). */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parts = (stored ?? (await DECOY)).split('$');
  const [scheme, nLog2, r, p, salt, key] = parts;
  if (parts.length !== 6 || scheme !== 'scrypt' || !salt || !key) {
    await verifyPassword(password, await DECOY);
    return false;
  }
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), options(Number(nLog2), Number(r), Number(p)));
  return actual.length === expected.length && timingSafeEqual(actual, expected) && stored !== undefined && stored !== null;
}
