import { randomBytes } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import * as oidc from 'openid-client';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/mysql.js';
import { SsoLoginError } from './sso.errors.js';
import type { SignedInPerson } from './sso.provisioning.js';
import type { SsoConnection } from './sso.service.js';
import type { SsoUrls } from './sso.urls.js';
import { guardedFetch } from './sso.oidc-fetch.js';
import { ssoOidcStates } from './sso-oidc-states.table.js';

/*
 * OpenID Connect relying party on openid-client: authorization code with PKCE (S256), state and
 * nonce kept in a MySQL row for a few minutes and used once, the id_token validated by
 * openid-client, the e-mail taken only when the provider says it is verified.
 */

/** How long a browser may take at the provider. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;
const DISCOVERY_TTL_MS = 10 * 60_000;

export interface OidcDeps {
  db: Db;
  secrets: SecretBox;
  /** Accept http:// issuers and providers on loopback or private addresses (local development and tests only). */
  allowHttp: boolean;
}

const publicOnly = guardedFetch({ allowLoopback: false, allowPrivate: false });
const anywhere = guardedFetch({ allowLoopback: true, allowPrivate: true });

const discovered = new Map<number, { key: string; at: number; config: oidc.Configuration }>();

async function configurationOf(deps: OidcDeps, connection: SsoConnection): Promise<oidc.Configuration> {
  const key = `${connection.oidcIssuer}|${connection.oidcClientId}|${connection.updatedAt.getTime()}`;
  const cached = discovered.get(connection.id);
  if (cached && cached.key === key && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
  if (!connection.oidcIssuer || !connection.oidcClientId || !connection.oidcClientSecret) {
    throw new SsoLoginError('CONNECTION_DISABLED', 'This sign-in method is not configured');
  }
  const issuer = new URL(connection.oidcIssuer);
  const insecure = deps.allowHttp && issuer.protocol === 'http:';
  try {
    const fetcher = deps.allowHttp ? anywhere : publicOnly;
    const probe = await oidc.discovery(issuer, connection.oidcClientId, undefined, oidc.None(), {
      timeout: 10,
      [oidc.customFetch]: fetcher,
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    const server = probe.serverMetadata();
    // The client authenticates the way the provider says it can; Basic is the default of the spec.
    const methods = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    const secret = deps.secrets.open(connection.oidcClientSecret);
    const auth = methods.includes('client_secret_basic')
      ? oidc.ClientSecretBasic(secret)
      : methods.includes('client_secret_post')
        ? oidc.ClientSecretPost(secret)
        : null;
    if (!auth) throw new Error(`no supported client authentication among ${methods.join(', ')}`);
    const config = new oidc.Configuration(server, connection.oidcClientId, { client_secret: secret }, auth);
    config[oidc.customFetch] = fetcher;
    if (insecure) oidc.allowInsecureRequests(config);
    config.timeout = 10;
    discovered.set(connection.id, { key, at: Date.now(), config });
    return config;
  } catch (error) {
    throw new SsoLoginError('IDP_UNAVAILABLE', 'The identity provider could not be reached', error instanceof Error ? error.message : String(error));
  }
}

const token = () => randomBytes(32).toString('base64url');

/** Starts a login: remembers state, nonce and verifier, and returns the provider's authorization URL and the state. */
export async function startOidcLogin(deps: OidcDeps, connection: SsoConnection, urls: SsoUrls, returnTo: string): Promise<{ url: string; state: string }> {
  const config = await configurationOf(deps, connection);
  const state = token();
  const nonce = token();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const now = new Date();
  await deps.db.delete(ssoOidcStates).where(lt(ssoOidcStates.expiresAt, now)).limit(100);
  await deps.db.insert(ssoOidcStates).values({ state, connectionId: connection.id, nonce, codeVerifier, returnTo, expiresAt: new Date(now.getTime() + OIDC_STATE_TTL_MS) });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: urls.oidcCallback,
    scope: 'openid email profile',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { url: url.href, state };
}

/**
 * Finishes a login at the callback. `browserState` is the state this browser was given (its
 * cookie): a callback carrying another state, or none, is refused. The state row is used once.
 */
export async function finishOidcLogin(
  deps: OidcDeps,
  connection: SsoConnection,
  urls: SsoUrls,
  query: Record<string, unknown>,
  browserState: string | undefined,
): Promise<{ person: SignedInPerson; returnTo: string }> {
  const state = typeof query['state'] === 'string' ? query['state'] : '';
  if (typeof query['error'] === 'string') {
    throw new SsoLoginError('INVALID_RESPONSE', 'The identity provider did not sign you in', `error ${query['error'].slice(0, 100)}`);
  }
  if (!state || typeof query['code'] !== 'string') throw new SsoLoginError('BAD_REQUEST', 'The callback has no code or state');
  if (!browserState || browserState !== state) throw new SsoLoginError('INVALID_RESPONSE', 'This sign-in was not started in this browser', 'state does not match the cookie');
  const [row] = await deps.db
    .select()
    .from(ssoOidcStates)
    .where(and(eq(ssoOidcStates.state, state), eq(ssoOidcStates.connectionId, connection.id), gt(ssoOidcStates.expiresAt, new Date())));
  if (!row) throw new SsoLoginError('INVALID_RESPONSE', 'This sign-in has expired or was already used', 'unknown state');
  const [deleted] = await deps.db.delete(ssoOidcStates).where(eq(ssoOidcStates.state, state));
  if (!deleted.affectedRows) throw new SsoLoginError('REPLAYED', 'This sign-in was already used');

  const config = await configurationOf(deps, connection);
  const current = new URL(urls.oidcCallback);
  for (const [name, value] of Object.entries(query)) if (typeof value === 'string') current.searchParams.set(name, value);
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: row.codeVerifier,
      expectedState: row.state,
      expectedNonce: row.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw new SsoLoginError('INVALID_RESPONSE', 'The identity provider’s response was not accepted', error instanceof Error ? error.message : String(error));
  }
  const claims = tokens.claims();
  if (!claims) throw new SsoLoginError('INVALID_RESPONSE', 'The identity provider sent no id_token');
  let source: Record<string, unknown> = claims;
  if (typeof claims['email'] !== 'string') {
    try {
      source = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    } catch (error) {
      throw new SsoLoginError('INVALID_RESPONSE', 'The identity provider’s user info was not accepted', error instanceof Error ? error.message : String(error));
    }
  }
  const email = typeof source['email'] === 'string' && source['email_verified'] === true ? source['email'] : null;
  const name = typeof source['name'] === 'string' ? source['name'] : null;
  return { person: { subject: claims.sub, email, name }, returnTo: row.returnTo };
}
