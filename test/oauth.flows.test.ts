import * as client from 'openid-client';
import { eq } from 'drizzle-orm';
import { describe, expect, test } from './support/fixtures.js';
import { authorizeInBrowser, authorizeWithPkce, baseUrl, createUser, discover, graphql, REDIRECT_URI, registerClient } from './support/oauth-driver.js';
import { oauthArtifacts, oauthClients } from '../src/modules/oauth/index.js';
import { execute } from './support/test-app.js';
import { subscribe, wsClient } from './support/ws-client.js';
import { AuditEventAddedDocument, CreateProjectDocument } from './generated/graphql.js';

/** The OAuth error code of a refused request (in the body, or in WWW-Authenticate for basic auth). */
async function oauthError(request: Promise<unknown>): Promise<string | undefined> {
  try {
    await request;
    return undefined;
  } catch (error) {
    const e = error as { error?: string; cause?: Array<{ parameters?: { error?: string } }> };
    return e.error ?? e.cause?.[0]?.parameters?.error;
  }
}

const VIEWER = '{ viewer { organization { id } principalType scopes } }';

describe('OAuth 2.0 flows driven by openid-client', () => {
  test('discovery documents at the root and under the issuer', async ({ app }) => {
    const issuer = `${baseUrl(app)}/oauth`;
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/oauth/.well-known/openid-configuration']) {
      const response = await fetch(`${baseUrl(app)}${path}`);
      expect(response.status, path).toBe(200);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata['issuer']).toBe(issuer);
      expect(metadata['token_endpoint']).toBe(`${issuer}/token`);
      expect(metadata['authorization_endpoint']).toBe(`${issuer}/authorize`);
      expect(metadata['revocation_endpoint']).toBe(`${issuer}/revoke`);
      expect(metadata['introspection_endpoint']).toBe(`${issuer}/introspect`);
      expect(metadata['jwks_uri']).toBe(`${issuer}/jwks`);
      expect(metadata['code_challenge_methods_supported']).toEqual(['S256']);
    }
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((k) => k['d'] === undefined)).toBe(true);
  });

  test('client credentials: a token that reads its own organization, introspectable, revocable', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read', 'org:read'], redirectUris: [] });
    const config = await discover(app, registered.clientId, registered.secret, 'post');
    const tokens = await client.clientCredentialsGrant(config, { scope: 'records:read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('records:read');

    const viewer = await graphql(app, tokens.access_token, VIEWER);
    expect(viewer.body.data?.['viewer']).toMatchObject({ organization: { id: String(org.id) }, principalType: 'oauth_token', scopes: ['records:read'] });
    // Scope model as for API keys: org:read was not in the token.
    const projects = await graphql(app, tokens.access_token, '{ projects { nodes { id } } }');
    expect(projects.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspected.active).toBe(true);
    expect(introspected.client_id).toBe(registered.clientId);

    await client.tokenRevocation(config, tokens.access_token);
    const refused = await graphql(app, tokens.access_token, VIEWER);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });

  test("another client can neither introspect nor revoke a client's token", async ({ app, org }) => {
    const owner = await registerClient(app, org.id, { scopes: ['records:read'], redirectUris: [] });
    const stranger = await registerClient(app, org.id, { scopes: ['records:read'], redirectUris: [] });
    const tokens = await client.clientCredentialsGrant(await discover(app, owner.clientId, owner.secret), { scope: 'records:read' });
    const strangerConfig = await discover(app, stranger.clientId, stranger.secret);
    expect((await client.tokenIntrospection(strangerConfig, tokens.access_token)).active).toBe(false);
    await client.tokenRevocation(strangerConfig, tokens.access_token).catch(() => undefined);
    expect((await graphql(app, tokens.access_token, VIEWER)).status).toBe(200);
  });

  test('an expired access token is refused', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read'], redirectUris: [] });
    const tokens = await client.clientCredentialsGrant(await discover(app, registered.clientId, registered.secret), { scope: 'records:read' });
    expect((await graphql(app, tokens.access_token, VIEWER)).status).toBe(200);
    await app.app.services.db.update(oauthArtifacts).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(oauthArtifacts.id, tokens.access_token));
    const refused = await graphql(app, tokens.access_token, VIEWER);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  test('authorization code with PKCE, refresh rotation, and reuse of a rotated refresh token revokes the grant', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read', 'org:read'] });
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, registered.secret);
    const state = client.randomState();
    const { callback, verifier } = await authorizeWithPkce(app, config, person, { scope: 'records:read org:read', state });
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.refresh_token).toBeTruthy();
    const viewer = await graphql(app, tokens.access_token, VIEWER);
    expect(viewer.body.data?.['viewer']).toMatchObject({ organization: { id: String(org.id) }, principalType: 'oauth_token' });

    const first = tokens.refresh_token!;
    const rotated = await client.refreshTokenGrant(config, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);
    expect((await graphql(app, rotated.access_token, VIEWER)).status).toBe(200);

    // Reuse of the rotated-out token: refused, and the whole grant goes with it.
    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await graphql(app, rotated.access_token, VIEWER)).status).toBe(401);
  });

  test('an authorization code is single-use: a second redemption fails and revokes what the first issued', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, registered.secret);
    const { callback, verifier } = await authorizeWithPkce(app, config, person, { scope: 'records:read', state: 'once' });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'once' });
    expect((await graphql(app, tokens.access_token, VIEWER)).status).toBe(200);
    await expect(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'once' })).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await graphql(app, tokens.access_token, VIEWER)).status).toBe(401);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('openid scope: an ID token signed with a key from the published JWKS, subject user:organization', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, registered.secret);
    const nonce = client.randomNonce();
    const { callback, verifier } = await authorizeWithPkce(app, config, person, { scope: 'openid records:read', state: 'oidc', nonce });
    // openid-client verifies the signature against /oauth/jwks, the issuer, audience and nonce.
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'oidc', expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()?.sub).toBe(`${person.userId}:${org.id}`);
    // The access token is for /graphql: it carries the API scopes only.
    expect(tokens.scope).toBe('records:read');
    const viewer = await graphql(app, tokens.access_token, VIEWER);
    expect(viewer.body.data?.['viewer']).toMatchObject({ scopes: ['records:read'] });
  });

  test('graphql-ws authenticates an access token like an API key, and refuses a revoked one', async ({ app, org, key }) => {
    const registered = await registerClient(app, org.id, { scopes: ['audit:read'], redirectUris: [] });
    const config = await discover(app, registered.clientId, registered.secret);
    const tokens = await client.clientCredentialsGrant(config, { scope: 'audit:read' });
    const ws = wsClient(app.wsUrl, { Authorization: `Bearer ${tokens.access_token}` });
    const sub = subscribe(ws, AuditEventAddedDocument);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await execute(app.url, CreateProjectDocument, { input: { name: 'Via token', code: 'WS-1' } }, { key });
    expect((await sub.next()).auditEventAdded).toMatchObject({ action: 'project.created', targetId: created.data!.createProject.id });
    await sub.close();

    await client.tokenRevocation(config, tokens.access_token);
    const refused = subscribe(wsClient(app.wsUrl, { Authorization: `Bearer ${tokens.access_token}` }), AuditEventAddedDocument);
    await expect(refused.next()).rejects.toMatchObject({ code: 4403 });
    await refused.close();
  });

  test('a public client: PKCE alone, no secret; it cannot use client credentials', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read'], isConfidential: false });
    expect(registered.secret).toBeNull();
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, null);
    const { callback, verifier } = await authorizeWithPkce(app, config, person, { scope: 'records:read', state: 'public-state' });
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'public-state' });
    expect((await graphql(app, tokens.access_token, VIEWER)).status).toBe(200);
    await expect(client.clientCredentialsGrant(config, { scope: 'records:read' })).rejects.toMatchObject({ error: expect.stringMatching(/unauthorized_client|invalid_client|invalid_request/) });
  });

  describe('attacks', () => {
    async function setup(app: Parameters<typeof registerClient>[0], orgId: number) {
      const registered = await registerClient(app, orgId, { scopes: ['records:read'] });
      const config = await discover(app, registered.clientId, registered.secret);
      const person = await createUser(app, orgId);
      const verifier = client.randomPKCECodeVerifier();
      const challenge = await client.calculatePKCECodeChallenge(verifier);
      return { registered, config, person, verifier, challenge };
    }

    test('a redirect URI differing by one character is refused without redirecting', async ({ app, org }) => {
      const { config, person, challenge } = await setup(app, org.id);
      for (const redirect of [`${REDIRECT_URI}x`, REDIRECT_URI.replace('callback', 'callbacK'), `${REDIRECT_URI}/`]) {
        const url = client.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'records:read', code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
        const { callback, last } = await authorizeInBrowser(app, url, person);
        expect(callback).toBeNull();
        expect(last.status).toBe(400);
        expect(last.body).toContain('redirect_uri');
      }
    });

    test('a PKCE verifier mismatch is refused', async ({ app, org }) => {
      const { config, person, challenge } = await setup(app, org.id);
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
      const { callback } = await authorizeInBrowser(app, url, person);
      await expect(client.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: 's' })).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    test('an authorization request without PKCE is refused, for a confidential client too', async ({ app, org }) => {
      const { config, person } = await setup(app, org.id);
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', state: 's' });
      const { callback } = await authorizeInBrowser(app, url, person);
      expect(callback?.searchParams.get('error')).toBe('invalid_request');
      expect(callback?.searchParams.get('code')).toBeNull();
      const plain = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', state: 's', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
      expect((await authorizeInBrowser(app, plain, person)).callback?.searchParams.get('error')).toBe('invalid_request');
    });

    test('a scope the client was not granted is refused', async ({ app, org }) => {
      const { config, person, challenge } = await setup(app, org.id);
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read keys:write', code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
      const { callback } = await authorizeInBrowser(app, url, person);
      expect(callback?.searchParams.get('error')).toBe('invalid_scope');
      await expect(client.clientCredentialsGrant(config, { scope: 'keys:write' })).rejects.toMatchObject({ error: 'invalid_scope' });
    });

    test('a wrong client secret is refused (basic and post)', async ({ app, org }) => {
      const { registered } = await setup(app, org.id);
      const secret = registered.secret!;
      // One character off (never the same character, or the "wrong" secret would be the right one).
      const wrong = `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
      for (const auth of ['basic', 'post'] as const) {
        const config = await discover(app, registered.clientId, wrong, auth);
        expect(await oauthError(client.clientCredentialsGrant(config, { scope: 'records:read' }))).toBe('invalid_client');
      }
      // The stored hash is not a secret either.
      const [row] = await app.app.services.db.select().from(oauthClients).where(eq(oauthClients.clientId, registered.clientId));
      const config = await discover(app, registered.clientId, row!.clientSecret);
      expect(await oauthError(client.clientCredentialsGrant(config, { scope: 'records:read' }))).toBe('invalid_client');
    });

    test('a denied consent returns access_denied to the client', async ({ app, org }) => {
      const { config, person, challenge } = await setup(app, org.id);
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
      const { callback } = await authorizeInBrowser(app, url, person, 'deny');
      expect(callback?.searchParams.get('error')).toBe('access_denied');
    });
  });
});
