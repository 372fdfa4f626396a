import { ALL_SCOPES } from '../../platform/auth/scopes.js';
import type { Db } from '../../platform/db/mysql.js';
import type { Actor } from '../audit/index.js';
import { createOAuthClient } from '../oauth/index.js';
import { CONSOLE_CALLBACK_PATH } from './console.router.js';

/**
 * Registers the console as a public OAuth client (PKCE, no secret) through the usual client
 * service, owned by `organizationId` (the operator's). Its scopes are every scope but `*`: a
 * person's token never carries more than their role allows (see the OAuth verifier), so the
 * console can do for each person exactly what their role permits. Set CONSOLE_CLIENT_ID to the
 * returned client id.
 */
export async function registerConsoleClient(db: Db, actor: Actor, organizationId: number, publicUrl: string): Promise<{ clientId: string; redirectUri: string }> {
  const redirectUri = `${new URL(publicUrl).origin}${CONSOLE_CALLBACK_PATH}`;
  const created = await createOAuthClient(db, actor, null, organizationId, {
    name: 'Trestle console',
    redirectUris: [redirectUri],
    scopes: ALL_SCOPES.filter((s) => s !== '*'),
    isConfidential: false,
  });
  return { clientId: created.client.clientId, redirectUri };
}
