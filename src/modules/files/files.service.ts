import { and, eq, gt, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { randomBase62, sha256Hex } from '../../platform/crypto/tokens.js';
import { downloadLinks } from './download-links.table.js';

export const DOWNLOAD_PATH = '/api/v1/files';

export interface DownloadLink {
  /** Path of the link, relative to the server's origin. */
  url: string;
  expiresAt: Date;
}

/** A link to one stored file of the organization, valid for `ttlSeconds`. */
export async function createDownloadLink(
  db: Db,
  input: { organizationId: number; fileKey: string; fileName: string; contentType: string; ttlSeconds: number },
): Promise<DownloadLink> {
  const token = randomBase62(40);
  const expiresAt = new Date(Date.now() + input.ttlSeconds * 1000);
  await db.insert(downloadLinks).values({
    organizationId: input.organizationId,
    tokenHash: sha256Hex(token),
    fileKey: input.fileKey,
    fileName: input.fileName,
    contentType: input.contentType,
    expiresAt,
  });
  return { url: `${DOWNLOAD_PATH}/${token}`, expiresAt };
}

/** The file behind a token, or null when unknown or expired. */
export async function resolveDownloadLink(db: Db, token: string) {
  if (!/^[0-9A-Za-z]{40}$/.test(token)) return null;
  const [row] = await db
    .select()
    .from(downloadLinks)
    .where(and(eq(downloadLinks.tokenHash, sha256Hex(token)), gt(downloadLinks.expiresAt, new Date())));
  return row ?? null;
}

export async function pruneDownloadLinks(db: Db): Promise<void> {
  await db.delete(downloadLinks).where(lt(downloadLinks.expiresAt, new Date()));
}
