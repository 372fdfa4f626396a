import { constantTimeEqual, randomBase62, sha256Hex } from '../../platform/crypto/tokens.js';
import type { oauthClients } from './oauth-clients.table.js';

/*
 * Client identifiers and secrets. A client id is `tco_` + 24 base62 characters (public, shown in
 * lists); a secret is `tcs_` + 43 base62 characters (about 256 bits), shown once and stored as
 * `sha256:<hex>`. A plain SHA-256 suffices for a random secret of this length: there is nothing
 * to guess by brute force, so a slow hash would only cost time on every token request.
 */

export type OAuthClientRow = typeof oauthClients.$inferSelect;

export function generateClientId(): string {
  return `tco_${randomBase62(24)}`;
}

export function generateClientSecret(): { plaintext: string; stored: string } {
  const plaintext = `tcs_${randomBase62(43)}`;
  return { plaintext, stored: hashClientSecret(plaintext) };
}

export function hashClientSecret(plaintext: string): string {
  return `sha256:${sha256Hex(plaintext)}`;
}

/** Whether a presented secret matches a stored hash (constant time on the hashes). */
export function clientSecretMatches(stored: string | undefined, presented: string): boolean {
  if (!stored?.startsWith('sha256:')) return false;
  return constantTimeEqual(stored, hashClientSecret(presented));
}

/** OIDC scopes every client may ask for beside its granted API scopes. */
export const PROTOCOL_SCOPES = ['openid', 'offline_access'] as const;

/**
 * A row as oidc-provider client metadata. Confidential clients authenticate with their secret
 * (basic or post) and may use client_credentials; public ones use PKCE alone. A client without
 * redirect URIs is a server-to-server client (client_credentials only).
 */
export function clientMetadata(row: OAuthClientRow): Record<string, unknown> {
  const interactive = row.redirectUris.length > 0;
  const grantTypes = [...(interactive ? ['authorization_code', 'refresh_token'] : []), ...(row.isConfidential ? ['client_credentials'] : [])];
  return {
    client_id: row.clientId,
    client_name: row.name,
    application_type: 'web',
    redirect_uris: row.redirectUris,
    web_origins: row.webOrigins,
    response_types: interactive ? ['code'] : [],
    grant_types: grantTypes,
    scope: [...PROTOCOL_SCOPES, ...row.scopes].join(' '),
    ...(row.isConfidential
      ? { token_endpoint_auth_method: 'client_secret_basic', client_secret: row.clientSecret }
      : { token_endpoint_auth_method: 'none' }),
  };
}
