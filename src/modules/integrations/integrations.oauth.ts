import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { sha256Hex } from '../../platform/crypto/tokens.js';
import { emitEvent } from '../../platform/events/outbox.js';
import type { Logger } from '../../platform/logging/logger.js';
import { raiseAlert } from '../alerts/index.js';
import { RemoteError, type OAuthProviderSettings } from './integrations.contract.js';
import { integrationConnections, type IntegrationConnectionRow } from './integration-connections.table.js';
import { integrationOauthStates } from './integration-oauth-states.table.js';
import { integrationError } from './integrations.events.js';

/**
 * The OAuth 2.0 authorization-code flow (RFC 6749 §4.1, PKCE per RFC 7636) and the refresh of
 * access tokens (§6). Tokens live sealed in integration_connections.credentials; a refresh runs
 * under a row lock so that two workers never spend the same (rotating) refresh token.
 */

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
}

interface TokenAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  x_refresh_token_expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/** Refresh this long before the access token expires, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 60_000;

export function newState(): { state: string; hash: string; verifier: string; challenge: string } {
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  return { state, hash: sha256Hex(state), verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(provider: OAuthProviderSettings, params: { state: string; challenge: string; redirectUri: string }): string {
  const url = new URL(provider.authorizeUrl);
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  if (provider.pkce) {
    url.searchParams.set('code_challenge', params.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

/** POSTs a grant to the token endpoint with HTTP Basic client authentication (RFC 6749 §2.3.1). */
async function tokenRequest(provider: OAuthProviderSettings, form: Record<string, string>): Promise<{ access: string; refresh: string; expiresIn: number }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(provider.timeoutMs),
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new RemoteError('timeout', 'the token endpoint did not answer in time');
    throw new RemoteError('network', 'the token endpoint could not be reached');
  }
  let body: TokenAnswer;
  try {
    body = JSON.parse(text) as TokenAnswer;
  } catch {
    throw new RemoteError(response.status >= 500 ? 'server' : 'malformed', `the token endpoint answered ${response.status} with a body that is not JSON`, { status: response.status });
  }
  if (body.error === 'invalid_grant') throw new RemoteError('invalid_grant', 'the provider refused the grant (invalid_grant): the authorization was revoked or has expired', { status: response.status });
  if (response.status >= 500) throw new RemoteError('server', `the token endpoint answered ${response.status}`, { status: response.status });
  if (!response.ok || typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string') {
    const code = typeof body.error === 'string' ? body.error.slice(0, 64) : `HTTP ${response.status}`;
    throw new RemoteError(response.status === 401 ? 'unauthorized' : 'validation', `the token endpoint refused the request (${code})`, { status: response.status });
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
  return { access: body.access_token, refresh: body.refresh_token, expiresIn };
}

export function exchangeCode(provider: OAuthProviderSettings, code: string, redirectUri: string, verifier: string | null) {
  return tokenRequest(provider, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    ...(provider.pkce && verifier ? { code_verifier: verifier } : {}),
  });
}

/** The credentials entries of a fresh token pair, sealed. */
export function sealTokens(secrets: SecretBox, tokens: { access: string; refresh: string; expiresIn: number }): Record<string, unknown> {
  return {
    accessToken: secrets.seal(tokens.access),
    refreshToken: secrets.seal(tokens.refresh),
    accessTokenExpiresAt: new Date(Date.now() + tokens.expiresIn * 1000).toISOString(),
  };
}

function openTokens(secrets: SecretBox, credentials: Record<string, unknown> | null): StoredTokens | null {
  const access = credentials?.['accessToken'];
  const refresh = credentials?.['refreshToken'];
  const expires = credentials?.['accessTokenExpiresAt'];
  if (typeof access !== 'string' || typeof refresh !== 'string' || typeof expires !== 'string') return null;
  return { accessToken: secrets.open(access), refreshToken: secrets.open(refresh), accessTokenExpiresAt: new Date(expires) };
}

export interface TokenDeps {
  db: Db;
  secrets: SecretBox;
  logger: Logger;
}

/**
 * A usable access token of a connection. When it is about to expire, or `rejected` (the token a
 * request was refused with) is still the stored one, it is refreshed: the connection row is
 * locked (SELECT … FOR UPDATE) and read again under the lock, so a second worker waiting on the
 * lock finds the first one's new token instead of spending the rotated refresh token again.
 * invalid_grant marks the connection as needing re-authorization, alerts its admins at once and
 * emits integration.error, in the same transaction.
 */
export async function accessTokenOf(deps: TokenDeps, provider: OAuthProviderSettings, connectionId: number, rejected?: string): Promise<string> {
  const usable = (tokens: StoredTokens | null): boolean =>
    tokens !== null && tokens.accessToken !== rejected && tokens.accessTokenExpiresAt.getTime() - EXPIRY_MARGIN_MS > Date.now();
  const [row] = await deps.db.select({ credentials: integrationConnections.credentials }).from(integrationConnections).where(eq(integrationConnections.id, connectionId));
  const current = openTokens(deps.secrets, row?.credentials ?? null);
  if (current && usable(current)) return current.accessToken;
  const outcome: { revoked: RemoteError | null } = { revoked: null };
  const token = await deps.db.transaction(async (tx) => {
    const [locked] = await tx.select().from(integrationConnections).where(eq(integrationConnections.id, connectionId)).for('update');
    if (!locked) throw new RemoteError('unauthorized', 'the connection no longer exists');
    if (locked.authStatus !== 'connected') throw new RemoteError('invalid_grant', 'the connection needs to be authorized again (connectIntegration)');
    const tokens = openTokens(deps.secrets, locked.credentials);
    if (!tokens) throw new RemoteError('invalid_grant', 'the connection has no tokens; authorize it (connectIntegration)');
    if (usable(tokens)) return tokens.accessToken;
    try {
      const fresh = await tokenRequest(provider, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
      await tx
        .update(integrationConnections)
        .set({ credentials: { ...locked.credentials, ...sealTokens(deps.secrets, fresh) } })
        .where(eq(integrationConnections.id, connectionId));
      deps.logger.info({ connectionId }, 'access token refreshed');
      return fresh.access;
    } catch (error) {
      if (!(error instanceof RemoteError) || error.kind !== 'invalid_grant') throw error;
      await markNeedsReauthorization(tx, locked, error.message);
      outcome.revoked = error;
      return null;
    }
  });
  if (outcome.revoked) throw outcome.revoked;
  return token!;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function markNeedsReauthorization(tx: Tx, connection: IntegrationConnectionRow, reason: string): Promise<void> {
  await tx.update(integrationConnections).set({ authStatus: 'needs_reauthorization' }).where(eq(integrationConnections.id, connection.id));
  await raiseAlert(tx, {
    organizationId: connection.organizationId,
    kind: integrationError.name,
    severity: 'critical',
    title: `Integration "${connection.name}" must be connected again`,
    message: `${connection.name} (${connection.integrationType}) lost its authorization: ${reason}. Syncs stop until someone connects it again (connectIntegration).`,
    subjectType: 'integration_connection',
    subjectId: connection.id,
  });
  await emitEvent(
    tx,
    integrationError,
    { connectionId: String(connection.id), integrationType: connection.integrationType, error: reason, consecutiveFailures: connection.consecutiveFailures },
    { organizationId: connection.organizationId, projectId: connection.projectId },
  );
}

/**
 * Revokes a token at the provider (Intuit: POST { token } with the client's Basic authentication,
 * which ends the whole grant). Best effort: a failure is logged, never thrown.
 */
export async function revokeToken(provider: OAuthProviderSettings, token: string, logger: Logger): Promise<boolean> {
  if (!provider.revokeUrl || !provider.clientId) return false;
  try {
    const response = await fetch(provider.revokeUrl, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`,
      },
      body: JSON.stringify({ token }),
      signal: AbortSignal.timeout(provider.timeoutMs),
      redirect: 'manual',
    });
    await response.body?.cancel();
    if (!response.ok) logger.warn({ status: response.status }, 'the provider did not revoke the token');
    return response.ok;
  } catch (error) {
    logger.warn({ err: error }, 'could not reach the revocation endpoint');
    return false;
  }
}

/** Removes expired authorization states of a connection (they are also refused when presented). */
export async function pruneStates(db: Db, connectionId: number): Promise<void> {
  await db.delete(integrationOauthStates).where(and(eq(integrationOauthStates.connectionId, connectionId), lt(integrationOauthStates.expiresAt, new Date())));
}
