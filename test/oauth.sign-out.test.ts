// Sign-out from /account ends, on the server, every session the person has here: the browser
// session (a replayed cookie opens nothing, nor does the copy in another browser) and the
// authorization server's own session (prompt=none then answers login_required).
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, baseUrl, createUser, discover, FakeBrowser, REDIRECT_URI, registerClient } from './support/oauth-driver.js';
import { startTestApp, type TestApp } from './support/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('oauth_sign_out');
});
afterAll(async () => {
  await app?.close({ dropData: true });
});

async function authorization(config: client.Configuration, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'records:read',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'st',
    ...extra,
  });
  return { url, verifier };
}

const account = (browser: FakeBrowser, cookie?: string) =>
  fetch(`${baseUrl(app)}/account`, { headers: { cookie: cookie ?? browser.jar.header() } });

describe('sign-out', () => {
  it('ends the browser session everywhere and the authorization server\'s session, server-side', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, registered.secret);

    // Signed in through an authorization, in two browsers.
    const browser = new FakeBrowser(baseUrl(app));
    const first = await authorization(config);
    const { callback } = await authorizeInBrowser(app, first.url, person, 'approve', browser);
    const tokens = await client.authorizationCodeGrant(config, callback!, { pkceCodeVerifier: first.verifier, expectedState: 'st' });
    const other = new FakeBrowser(baseUrl(app));
    expect((await authorizeInBrowser(app, (await authorization(config)).url, person, 'approve', other)).callback).not.toBeNull();
    const copied = browser.jar.header();
    expect((await account(browser)).status).toBe(200);
    expect((await account(other)).status).toBe(200);

    // Signed in: prompt=none gives a code without any page.
    const silent = await browser.request((await authorization(config, { prompt: 'none' })).url.href);
    expect(new URL(silent.location!).searchParams.get('code')).toBeTruthy();

    const out = await browser.request(`${baseUrl(app)}/account/sign-out`, { method: 'POST' });
    expect(out.status).toBe(401);
    expect(out.body).toContain('signed-out');

    // The cookie replayed as it was before sign-out, the other browser, and this one: signed out.
    expect((await account(browser, copied)).status).toBe(401);
    expect((await account(other)).status).toBe(401);
    expect((await account(browser)).status).toBe(401);

    // The authorization server's session is gone too, though the browser (and a copy) still send its cookie.
    for (const jar of [browser, Object.assign(new FakeBrowser(baseUrl(app)), {})]) {
      if (jar !== browser) for (const part of copied.split('; ')) jar.jar.set(part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1));
      const again = await jar.request((await authorization(config, { prompt: 'none' })).url.href);
      expect(new URL(again.location!).searchParams.get('error')).toBe('login_required');
    }
    // A new authorization shows the sign-in page again, not the consent page.
    const fresh = await browser.request((await authorization(config)).url.href);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toContain('id="password"');

    // Tokens already issued to the app are not the browser's: they keep working.
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();

    // Signing in again works.
    expect((await authorizeInBrowser(app, (await authorization(config)).url, person, 'approve', browser)).callback?.searchParams.get('code')).toBeTruthy();
    expect((await account(browser)).status).toBe(200);
  });

  it('from another site\'s form is refused and ends nothing', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, registered.secret);
    const browser = new FakeBrowser(baseUrl(app));
    await authorizeInBrowser(app, (await authorization(config)).url, person, 'approve', browser);
    const refused = await fetch(`${baseUrl(app)}/account/sign-out`, { method: 'POST', redirect: 'manual', headers: { origin: 'https://evil.test', cookie: browser.jar.header() } });
    expect(refused.status).toBe(400);
    expect((await account(browser)).status).toBe(200);
  });
});
