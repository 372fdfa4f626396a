import { bigint, mysqlTable } from 'drizzle-orm/mysql-core';
import { ref } from '../db/columns.js';

/**
 * Browser sessions ended on the server: a person's sessions issued before `revoked_before`
 * (milliseconds since the epoch) are refused, whatever their cookie says. Written by sign-out,
 * one row per person, so a copied or replayed cookie is worthless after it.
 */
export const browserSessionRevocations = mysqlTable('browser_session_revocations', {
  userId: ref('user_id').primaryKey(),
  revokedBefore: bigint('revoked_before', { mode: 'number', unsigned: true }).notNull(),
});
