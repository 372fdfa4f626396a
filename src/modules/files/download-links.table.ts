import { char, index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, time } from '../../platform/db/columns.js';

/**
 * Expiring download links: the link's token is the credential (so a browser can follow it),
 * stored only as SHA-256, valid until `expires_at`.
 */
export const downloadLinks = mysqlTable(
  'download_links',
  {
    id: id(),
    organizationId: organizationId(),
    tokenHash: char('token_hash', { length: 64 }).notNull(),
    fileKey: varchar('file_key', { length: 500 }).notNull(),
    fileName: varchar('file_name', { length: 255 }).notNull(),
    contentType: varchar('content_type', { length: 100 }).notNull(),
    expiresAt: time('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uq_download_links_token').on(t.tokenHash), index('idx_download_links_expires').on(t.expiresAt)],
);
