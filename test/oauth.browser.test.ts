// The whole authorization-code flow in headless Chromium: sign-in page, consent page, redirect
// back to the partner app; openid-client redeems the code, and the token calls /graphql.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { describe, expect, test } from './support/fixtures.js';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { baseUrl, createUser, discover, graphql, registerClient } from './support/oauth-driver.js';

const hasChromium = chromiumAvailable('oauth.browser.test');
let browser: Browser | undefined;
/** The partner app's callback: a real server, so the browser really lands there with the code. */
let partner: Server | undefined;
let REDIRECT_URI = '';

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
  partner = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('partner app'));
  partner.listen(0, '127.0.0.1');
  await once(partner, 'listening');
  REDIRECT_URI = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/callback`;
});
afterAll(async () => {
  await browser?.close();
  partner?.closeAllConnections();
  partner?.close();
});

describe.skipIf(!hasChromium)('OAuth in a real browser', () => {
  test('sign in, consent, code + PKCE, refresh, then /graphql; a second authorization skips both pages; deny returns access_denied', async ({ app, org }) => {
    const registered = await registerClient(app, org.id, { scopes: ['records:read', 'org:read'], name: 'Acme Scheduler', redirectUris: [REDIRECT_URI] });
    const person = await createUser(app, org.id);
    const config = await discover(app, registered.clientId, registered.secret);
    const context = await browser!.newContext();
    const page = await context.newPage();

    async function start(scope: string) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
      return { verifier, state, url };
    }

    const first = await start('records:read org:read');
    await page.goto(first.url.href);
    expect(await page.locator('h1').innerText()).toContain('Acme Scheduler');
    // A wrong password first: a generic message, the form again.
    await page.fill('#email', person.email);
    await page.fill('#password', 'not my password');
    await page.click('#sign-in');
    await page.waitForSelector('.error');
    expect(await page.locator('.error').innerText()).toBe('The e-mail address or password is not correct.');
    await page.fill('#password', person.password);
    await page.click('#sign-in');
    await page.waitForSelector('#approve');
    const consent = await page.locator('main').innerText();
    expect(consent).toContain('Read platform records');
    expect(consent).toContain('Read the organization and its projects');
    await Promise.all([page.waitForURL(`${REDIRECT_URI}**`), page.click('#approve')]);
    const callback = new URL(page.url());
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: first.verifier, expectedState: first.state });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const viewer = await graphql(app, refreshed.access_token, '{ viewer { organization { id } principalType scopes } }');
    expect(viewer.body.data).toEqual({ viewer: { organization: { id: String(org.id) }, principalType: 'oauth_token', scopes: ['records:read', 'org:read'] } });

    // Signed in, consent on record: straight back to the app.
    const second = await start('records:read');
    await page.goto(second.url.href);
    await page.waitForURL(`${REDIRECT_URI}**`);
    const again = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: second.verifier, expectedState: second.state });
    expect(again.access_token).toBeTruthy();

    // In a fresh browser, a person who denies: the app gets access_denied.
    const other = await browser!.newContext();
    const otherPage = await other.newPage();
    const third = await start('records:read');
    await otherPage.goto(third.url.href);
    await otherPage.fill('#email', person.email);
    await otherPage.fill('#password', person.password);
    await otherPage.click('#sign-in');
    await otherPage.waitForSelector('#deny');
    await Promise.all([otherPage.waitForURL(`${REDIRECT_URI}**`), otherPage.click('#deny')]);
    expect(new URL(otherPage.url()).searchParams.get('error')).toBe('access_denied');
    await other.close();
    await context.close();
    expect(baseUrl(app)).toContain('localhost');
  });

  test('the consent page names the organization that registered the app, marks another organization\'s, and shows the redirect host and the scopes in plain words', async ({ app, org }) => {
    const publisher = await app.createOrganization('Acme Builders (official)');
    const lookalike = await registerClient(app, publisher.id, { scopes: ['records:read'], name: 'Acme Builders (official)', redirectUris: [REDIRECT_URI] });
    const own = await registerClient(app, org.id, { scopes: ['records:read'], name: 'Site Diary', redirectUris: [REDIRECT_URI] });
    const person = await createUser(app, org.id);
    const context = await browser!.newContext();
    const page = await context.newPage();
    for (const [registered, foreign] of [[lookalike, true], [own, false]] as const) {
      const config = await discover(app, registered.clientId, registered.secret);
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
      await page.goto(url.href);
      if (await page.locator('#password').count()) {
        await page.fill('#email', person.email);
        await page.fill('#password', person.password);
        await page.click('#sign-in');
      }
      await page.waitForSelector('#approve');
      const publisherText = await page.locator('#publisher').innerText();
      if (foreign) {
        expect(publisherText).toContain('From another organization');
        expect(publisherText).toContain('Acme Builders (official)');
        expect(publisherText).toContain(org.name);
      } else {
        expect(publisherText).toBe(`Registered by your organization, ${org.name}.`);
      }
      expect(await page.locator('#redirect-host').innerText()).toBe(`Afterwards you will be sent to ${new URL(REDIRECT_URI).host}.`);
      expect(await page.locator('li').first().innerText()).toMatch(/^Read platform records /);
      await Promise.all([page.waitForURL(`${REDIRECT_URI}**`), page.click('#deny')]);
    }
    await context.close();
  });
});
