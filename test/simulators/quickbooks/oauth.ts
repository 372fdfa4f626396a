import { randomBytes } from 'node:crypto';
import { authenticationFailed, authorizationFailed, type QboFault } from './faults.js';

/**
 * Intuit's OAuth 2.0 authorization server (developer.intuit.com "OAuth 2.0"): the authorization
 * endpoint auto-approves and redirects with `code`, `state` and `realmId`; the bearer-token endpoint
 * takes `authorization_code` and `refresh_token` grants with HTTP Basic client authentication and
 * answers `{ token_type: "bearer", expires_in: 3600, access_token, refresh_token,
 * x_refresh_token_expires_in }`; refresh tokens rotate (the one used stops working); the revoke
 * endpoint ends the whole grant. Errors are RFC 6749 JSON: 400 invalid_grant, 401 invalid_client.
 */

export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';
const KNOWN_SCOPES = new Set([ACCOUNTING_SCOPE, 'com.intuit.quickbooks.payment', 'openid', 'profile', 'email', 'phone', 'address']);
/** Intuit's refresh tokens: 100 days rolling (its answers say 8726400 s, 101 days). */
export const REFRESH_TOKEN_TTL_SECONDS = 8_726_400;
const CODE_TTL_MS = 5 * 60 * 1000;

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Code {
  clientId: string;
  redirectUri: string;
  realmId: string;
  expiresAt: number;
  usedBy: string | null;
}

interface Grant {
  id: string;
  clientId: string;
  realmId: string;
  refreshToken: string;
  refreshExpiresAt: number;
  revoked: boolean;
}

interface AccessToken {
  grantId: string;
  realmId: string;
  expiresAt: number;
}

const token = (prefix: string, bytes: number) => `${prefix}${randomBytes(bytes).toString('base64url')}`;

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return {
    status,
    headers: { 'Content-Type': 'application/json;charset=UTF-8', 'Cache-Control': 'no-store', Pragma: 'no-cache', ...headers },
    body: JSON.stringify(body),
  };
}

const oauthError = (status: number, error: string, description?: string) =>
  json(status, description === undefined ? { error } : { error, error_description: description });

export class OAuthServer {
  private readonly clients = new Map<string, OAuthClient>();
  private readonly codes = new Map<string, Code>();
  private readonly grants = new Map<string, Grant>();
  private readonly byRefresh = new Map<string, string>();
  private readonly accessTokens = new Map<string, AccessToken>();
  /** The company the next authorization connects. */
  authorizationRealm: string;
  private denyNext = 0;

  constructor(
    private readonly clock: () => number,
    readonly accessTokenTtlSeconds: number,
    defaultRealm: string,
  ) {
    this.authorizationRealm = defaultRealm;
  }

  addClient(client: OAuthClient): void {
    this.clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] });
  }

  /** The next `count` authorizations end as if the user clicked Cancel (error=access_denied). */
  denyAuthorizations(count = 1): void {
    this.denyNext = count;
  }

  /** GET /connect/oauth2 */
  authorize(params: URLSearchParams): HttpAnswer {
    const client = this.clients.get(params.get('client_id') ?? '');
    if (!client) return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: 'invalid_client: unknown client_id' };
    const redirectUri = params.get('redirect_uri') ?? '';
    // An unregistered redirect URI is never redirected to: Intuit shows an error page instead.
    if (!client.redirectUris.includes(redirectUri)) {
      return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: 'invalid_request: redirect_uri is not registered for this app' };
    }
    const redirect = (fields: Record<string, string>): HttpAnswer => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(fields)) target.searchParams.set(k, v);
      const state = params.get('state');
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { Location: target.toString() }, body: '' };
    };
    if (params.get('response_type') !== 'code') return redirect({ error: 'unsupported_response_type' });
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes(ACCOUNTING_SCOPE) || scopes.some((s) => !KNOWN_SCOPES.has(s))) return redirect({ error: 'invalid_scope' });
    if (this.denyNext > 0) {
      this.denyNext--;
      return redirect({ error: 'access_denied' });
    }
    const code = token('AB11', 24);
    this.codes.set(code, { clientId: client.clientId, redirectUri, realmId: this.authorizationRealm, expiresAt: this.clock() + CODE_TTL_MS, usedBy: null });
    return redirect({ code, realmId: this.authorizationRealm });
  }

  private client(authorization: string | undefined): OAuthClient | null {
    const match = /^Basic\s+(.+)$/i.exec(authorization ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const client = this.clients.get(decodeURIComponent(decoded.slice(0, colon)));
    return client && client.clientSecret === decodeURIComponent(decoded.slice(colon + 1)) ? client : null;
  }

  private issue(grant: Grant): HttpAnswer {
    const now = this.clock();
    const accessToken = token('eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..', 48);
    this.accessTokens.set(accessToken, { grantId: grant.id, realmId: grant.realmId, expiresAt: now + this.accessTokenTtlSeconds * 1000 });
    return json(200, {
      token_type: 'bearer',
      expires_in: this.accessTokenTtlSeconds,
      refresh_token: grant.refreshToken,
      x_refresh_token_expires_in: Math.max(0, Math.round((grant.refreshExpiresAt - now) / 1000)),
      access_token: accessToken,
    });
  }

  private rotate(grant: Grant): void {
    this.byRefresh.delete(grant.refreshToken);
    grant.refreshToken = token('RT1-', 32);
    grant.refreshExpiresAt = this.clock() + REFRESH_TOKEN_TTL_SECONDS * 1000;
    this.byRefresh.set(grant.refreshToken, grant.id);
  }

  /** POST /oauth2/v1/tokens/bearer (application/x-www-form-urlencoded). */
  token(authorization: string | undefined, contentType: string | undefined, body: string): HttpAnswer {
    const client = this.client(authorization);
    if (!client) return oauthError(401, 'invalid_client');
    if (!(contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type');
    const now = this.clock();
    if (grantType === 'authorization_code') {
      const codeValue = form.get('code');
      if (!codeValue) return oauthError(400, 'invalid_request', 'code is required');
      const code = this.codes.get(codeValue);
      if (!code || code.clientId !== client.clientId || code.expiresAt <= now) return oauthError(400, 'invalid_grant');
      if (code.usedBy !== null) {
        // A code presented twice: the grant it made is revoked (RFC 6749 §4.1.2).
        this.revokeGrant(code.usedBy);
        return oauthError(400, 'invalid_grant');
      }
      if (form.get('redirect_uri') !== code.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
      const grant: Grant = { id: token('g', 9), clientId: client.clientId, realmId: code.realmId, refreshToken: '', refreshExpiresAt: 0, revoked: false };
      this.grants.set(grant.id, grant);
      code.usedBy = grant.id;
      this.rotate(grant);
      return this.issue(grant);
    }
    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is required');
      const grant = this.grants.get(this.byRefresh.get(refreshToken) ?? '');
      if (!grant || grant.revoked || grant.clientId !== client.clientId || grant.refreshExpiresAt <= now) {
        return oauthError(400, 'invalid_grant', 'Token invalid');
      }
      this.rotate(grant);
      return this.issue(grant);
    }
    if (grantType === null) return oauthError(400, 'invalid_request', 'grant_type is required');
    return oauthError(400, 'unsupported_grant_type');
  }

  /** POST /oauth2/v1/tokens/revoke with `{"token": "…"}` (JSON, or a form): ends the grant. */
  revoke(authorization: string | undefined, contentType: string | undefined, body: string): HttpAnswer {
    const client = this.client(authorization);
    if (!client) return oauthError(401, 'invalid_client');
    let value: string | null = null;
    if ((contentType ?? '').toLowerCase().includes('json')) {
      try {
        const parsed = JSON.parse(body) as unknown;
        if (parsed && typeof parsed === 'object' && typeof (parsed as { token?: unknown }).token === 'string') value = (parsed as { token: string }).token;
      } catch {
        return oauthError(400, 'invalid_request', 'The body is not JSON');
      }
    } else {
      value = new URLSearchParams(body).get('token');
    }
    if (!value) return oauthError(400, 'invalid_request', 'token is required');
    const grantId = this.byRefresh.get(value) ?? this.accessTokens.get(value)?.grantId;
    const grant = grantId === undefined ? undefined : this.grants.get(grantId);
    if (grant && grant.clientId === client.clientId) this.revokeGrant(grant.id);
    return { status: 200, headers: {}, body: '' };
  }

  private revokeGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    if (grant) grant.revoked = true;
  }

  /** As if the user disconnected the app (or Intuit revoked it): refresh and access tokens stop working. */
  revokeAll(realmId?: string): number {
    let count = 0;
    for (const grant of this.grants.values()) {
      if (!grant.revoked && (realmId === undefined || grant.realmId === realmId)) {
        grant.revoked = true;
        count++;
      }
    }
    return count;
  }

  /** Checks `Authorization: Bearer …` for an API call on `realmId`; a fault when it does not pass. */
  check(authorization: string | undefined, realmId: string): QboFault | null {
    const now = this.clock();
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return authenticationFailed(now, 'Authorization header missing or not a bearer token');
    const access = this.accessTokens.get(match[1]!);
    if (!access) return authenticationFailed(now, 'Token invalid');
    const grant = this.grants.get(access.grantId);
    if (!grant || grant.revoked) return authenticationFailed(now, 'Token revoked');
    if (access.expiresAt <= now) return authenticationFailed(now, 'Token expired');
    if (access.realmId !== realmId) return authorizationFailed(now, `The token is not authorized for company ${realmId}`);
    return null;
  }
}
