import { and, eq, inArray } from 'drizzle-orm';
import { isScope } from '../../platform/auth/scopes.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Db } from '../../platform/db/mysql.js';
import { AuthenticationError } from '../../platform/errors/app-error.js';
import { oauthArtifacts } from './oauth-artifacts.table.js';
import { oauthClients } from './oauth-clients.table.js';
import { activeMembership, parseAccountId, scopesForRole } from './oauth.accounts.js';

/** oidc-provider's opaque token values: 43 base64url characters (256 bits). */
const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Whether a presented credential has the shape of one of our OAuth access tokens. */
export function looksLikeAccessToken(presented: string): boolean {
  return OPAQUE_TOKEN.test(presented);
}

/**
 * Turns an OAuth access token presented to /graphql into a principal. Nothing is cached: the
 * token row is read on every request, so a revocation (or a grant revoked after refresh-token
 * reuse, or a deleted client) takes effect at once. User tokens also need the user to still be
 * an active member, and carry no more than the member's role allows today.
 */
export async function verifyAccessToken(db: Db, presented: string, defaultRateLimit: number, now = new Date()): Promise<Principal> {
  const refused = new AuthenticationError('UNKNOWN', 'The access token is not valid (revoked, expired or unknown)');
  const [row] = await db
    .select({ model: oauthArtifacts.model, payload: oauthArtifacts.payload, expiresAt: oauthArtifacts.expiresAt, consumedAt: oauthArtifacts.consumedAt })
    .from(oauthArtifacts)
    .where(and(inArray(oauthArtifacts.model, ['AccessToken', 'ClientCredentials']), eq(oauthArtifacts.id, presented)));
  if (!row || row.consumedAt) throw refused;
  if (!row.expiresAt || row.expiresAt <= now) throw new AuthenticationError('EXPIRED', 'The access token has expired');
  const payload = row.payload as { clientId?: string; accountId?: string; grantId?: string; scope?: string };
  if (!payload.clientId) throw refused;
  const [client] = await db
    .select({ id: oauthClients.id, organizationId: oauthClients.organizationId, clientId: oauthClients.clientId, scopes: oauthClients.scopes, rateLimit: oauthClients.rateLimit })
    .from(oauthClients)
    .where(eq(oauthClients.clientId, payload.clientId));
  if (client?.clientId !== payload.clientId) throw refused;
  // Never more than the client holds today (its scopes may have been narrowed since).
  const clientScopes = new Set(client.scopes);
  let scopes = (payload.scope ?? '').split(' ').filter((s) => isScope(s) && clientScopes.has(s));

  const rateLimitPerHour = client.rateLimit ?? defaultRateLimit;
  if (row.model === 'ClientCredentials') {
    return { kind: 'oauth_token', organizationId: client.organizationId, id: `client:${client.id}`, label: client.clientId, scopes, rateLimitPerHour };
  }
  const account = parseAccountId(payload.accountId);
  const membership = account ? await activeMembership(db, account) : null;
  if (!account || !membership) throw refused;
  const allowed = new Set<string>(scopesForRole(membership.role));
  scopes = scopes.filter((s) => allowed.has(s));
  return {
    kind: 'oauth_token',
    organizationId: account.organizationId,
    id: `grant:${payload.grantId ?? 'none'}`,
    label: `${client.clientId} for user ${account.userId}`,
    scopes,
    rateLimitPerHour,
  };
}
