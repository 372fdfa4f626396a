import type { Pool } from 'mysql2/promise';

/**
 * Marks a connection's claimed domains verified, as verifySsoDomain does once DNS shows its TXT
 * record. For the sign-in flow tests, which are not about DNS; sso.resolver.test.ts verifies
 * domains the real way, against a DNS server of its own.
 */
export async function markDomainsVerified(pool: Pool, connectionId: string | number): Promise<void> {
  await pool.query('UPDATE sso_domains SET verified_at = CURRENT_TIMESTAMP(3), verified_domain = domain WHERE connection_id = ?', [Number(connectionId)]);
}
