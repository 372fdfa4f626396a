import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ALL_SCOPES } from '../../platform/auth/scopes.js';
import type { Db } from '../../platform/db/mysql.js';
import { mySqlAdapterFactory } from './oauth.adapter.js';
import { clientSecretMatches, PROTOCOL_SCOPES } from './oauth.clients.js';
import type { PrivateJwk } from './oauth.signing-keys.js';
import { renderErrorPage } from './oauth.pages.js';
import { PAGE_CSP } from './oauth.interaction-kit.js';

/*
 * The oidc-provider configuration: authorization code with PKCE (S256) for every client,
 * rotating refresh tokens, client credentials, opaque access tokens for one resource (our
 * /graphql), introspection and revocation. Interactions are our own pages.
 */

export interface OAuthTtls {
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
}

export interface ProviderOptions {
  /** `${publicUrl}/oauth` */
  issuer: string;
  /** The one resource server: `${publicUrl}/graphql`. */
  resource: string;
  db: Db;
  keys: PrivateJwk[];
  /** Keys that sign oidc-provider's cookies (newest first). */
  cookieKeys: string[];
  secureCookies: boolean;
  ttls: OAuthTtls;
}

/** The routes below the issuer (the spec's names). */
export const OAUTH_ROUTES = {
  authorization: '/authorize',
  token: '/token',
  revocation: '/revoke',
  introspection: '/introspect',
  jwks: '/jwks',
} as const;

export function createProvider(options: ProviderOptions): Provider {
  const { resource, ttls } = options;
  const configuration: Configuration = {
    adapter: mySqlAdapterFactory(options.db),
    jwks: { keys: options.keys },
    cookies: {
      keys: options.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: options.secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: options.secureCookies },
    },
    routes: OAUTH_ROUTES,
    scopes: [...PROTOCOL_SCOPES, ...ALL_SCOPES],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the browser session: a partner app keeps working after the person signs out.
    expiresWithSession: () => false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Any authenticated client may introspect its own tokens; another client's read as inactive.
        allowedPolicy: (_ctx, client, token) => !('clientId' in token) || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        // A client revokes its own tokens only.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return { scope: ALL_SCOPES.join(' '), audience: resource, accessTokenFormat: 'opaque', accessTokenTTL: ttls.accessTokenSeconds };
        },
      },
    },
    ttl: {
      AccessToken: ttls.accessTokenSeconds,
      ClientCredentials: ttls.accessTokenSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: ttls.refreshTokenSeconds,
      Grant: ttls.refreshTokenSeconds,
      Interaction: 3600,
      Session: 8 * 3600,
    },
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // The token endpoint answers a browser app's cross-origin request only from the client's own
    // web origins. Browsers send Origin on every POST, same-origin ones too: the web console
    // (/console, a public client on this very origin) redeems its code here.
    extraClientMetadata: { properties: ['web_origins'] },
    clientBasedCORS: (_ctx, origin, client) => {
      if (origin === new URL(options.issuer).origin) return true;
      const origins = (client as unknown as { web_origins?: unknown }).web_origins;
      return Array.isArray(origins) && origins.includes(origin);
    },
    renderError: (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'html';
      ctx.set({ 'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY' });
      ctx.body = renderErrorPage(String(out['error'] ?? 'error'), String(out['error_description'] ?? 'The request could not be completed'));
    },
  };
  const provider = new Provider(options.issuer, configuration);
  // An https issuer sits behind a TLS-terminating proxy: trust its X-Forwarded-* headers, or the
  // secure cookies could not be set. A plain-http issuer trusts nothing forwarded.
  provider.proxy = options.secureCookies;
  // Secrets are stored as sha256 hashes (see oauth.clients.ts): compare the hash of what was presented.
  provider.Client.prototype.compareClientSecret = function compareHashed(this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  return provider;
}
