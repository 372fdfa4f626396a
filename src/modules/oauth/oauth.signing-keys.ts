import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { and, desc, gt, isNull, or } from 'drizzle-orm';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/mysql.js';
import { oauthSigningKeys } from './oauth-signing-keys.table.js';

/*
 * ID-token signing keys, kept in MySQL so every process signs with the same key and publishes
 * the same JWKS. oidc-provider signs with the first key of an algorithm, so keys are listed
 * newest first; a rotated-out key stays published until its retire_at.
 */

export type PrivateJwk = Record<string, unknown> & { kid: string; kty: string };

/** Default time an older key stays in the JWKS after a rotation: longer than any ID token lives. */
export const DEFAULT_RETIRE_AFTER_S = 24 * 3600;

function newKey(secrets: SecretBox, kid = randomBytes(12).toString('base64url')): { kid: string; alg: string; sealedJwk: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, alg: 'RS256', sealedJwk: secrets.seal(JSON.stringify(jwk)) };
}

/** The keys to publish, newest (signing) first; creates the first key when there is none. */
export async function loadSigningKeys(db: Db, secrets: SecretBox, now = new Date()): Promise<PrivateJwk[]> {
  // Every key ever made (a handful): one read tells both whether a first key is needed and
  // which kid it gets.
  const everyKey = () => db.select().from(oauthSigningKeys).orderBy(desc(oauthSigningKeys.id));
  const live = (rows: Array<typeof oauthSigningKeys.$inferSelect>) => rows.filter((row) => row.retireAt === null || row.retireAt > now);
  let rows = await everyKey();
  if (!rows.some((row) => row.retireAt === null)) {
    // Processes starting together all land here having read the same rows, so they all try to
    // insert the same kid and the unique kid lets exactly one through. (Counting in a second
    // query let a process that counted after another's insert add a second signing key.)
    await db.insert(oauthSigningKeys).ignore().values(newKey(secrets, `k${rows.length + 1}`));
    rows = await everyKey();
  }
  return live(rows).map((row) => JSON.parse(secrets.open(row.sealedJwk)) as PrivateJwk);
}

/** The kids currently published, newest first: cheap, to notice a rotation made elsewhere. */
export async function signingKeyIds(db: Db, now = new Date()): Promise<string[]> {
  const rows = await db
    .select({ kid: oauthSigningKeys.kid })
    .from(oauthSigningKeys)
    .where(or(isNull(oauthSigningKeys.retireAt), gt(oauthSigningKeys.retireAt, now)))
    .orderBy(desc(oauthSigningKeys.id));
  return rows.map((row) => row.kid);
}

/**
 * Adds a new signing key and schedules the current ones to leave the JWKS after
 * `retireAfterSeconds`. Running servers pick the change up within a minute.
 */
export async function rotateSigningKey(db: Db, secrets: SecretBox, retireAfterSeconds = DEFAULT_RETIRE_AFTER_S): Promise<{ kid: string }> {
  const key = newKey(secrets);
  await db.transaction(async (tx) => {
    await tx
      .update(oauthSigningKeys)
      .set({ retireAt: new Date(Date.now() + retireAfterSeconds * 1000) })
      .where(and(isNull(oauthSigningKeys.retireAt)));
    await tx.insert(oauthSigningKeys).values(key);
  });
  return { kid: key.kid };
}
