import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { authorizeInBrowser, baseUrl, createUser, discover, FakeBrowser, formOf, graphql, REDIRECT_URI, registerClient } from './support/oauth-driver.js';
import { and, eq } from 'drizzle-orm';
import { createProject, memberships } from '../src/modules/organizations/index.js';
import { createLocalUser } from '../src/modules/oauth/index.js';

const SYSTEM = { type: 'system' as const, id: 'test' };
const SSO_DOMAIN = 'sso-only.example';

let app: TestApp;
const ssoCalls: Array<{ email: string; returnTo: string }> = [];

beforeAll(async () => {
  app = await startTestApp('oauth_login', { OAUTH_LOGIN_MAX_ATTEMPTS: '3' }, {
    findSsoLogin: async (email, returnTo) => {
      if (!email.endsWith(`@${SSO_DOMAIN}`)) return null;
      ssoCalls.push({ email, returnTo });
      return `/sso/77/login?returnTo=${encodeURIComponent(returnTo)}`;
    },
  });
});

let failed = false;
afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});
afterAll(async () => {
  await app?.close({ dropData: !failed });
});

async function authorizationUrl(clientId: string, secret: string | null, scope: string) {
  const config = await discover(app, clientId, secret);
  const verifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'st',
  });
  return { config, verifier, url };
}

async function tokenFor(config: client.Configuration, callback: URL, verifier: string) {
  return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st' });
}

/** Opens the authorization URL and returns the login page's form. */
async function loginPage(browser: FakeBrowser, url: URL) {
  const page = await browser.request(url.href);
  expect(page.status).toBe(200);
  expect(page.body).toContain('Sign in');
  return formOf(page.body);
}

describe('OAuth sign-in and consent pages', () => {
  it('an unknown e-mail and a wrong password get the same answer', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const { url } = await authorizationUrl(registered.clientId, registered.secret, 'records:read');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, url);
    const target = new URL(form.action, baseUrl(app)).href;
    const unknown = await browser.request(target, { method: 'POST', form: { ...form.fields, email: `nobody.${Date.now()}@example.com`, password: 'whatever it is' } });
    const wrong = await browser.request(target, { method: 'POST', form: { ...form.fields, email: person.email, password: 'not the password' } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const message = (body: string) => /<p class="error" role="alert">([^<]+)<\/p>/.exec(body)?.[1];
    expect(message(unknown.body)).toBe('The e-mail address or password is not correct.');
    expect(message(wrong.body)).toBe(message(unknown.body));
  });

  it('throttles guessing per account, counted in MySQL', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const { url } = await authorizationUrl(registered.clientId, registered.secret, 'records:read');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, url);
    const target = new URL(form.action, baseUrl(app)).href;
    for (let i = 0; i < 3; i += 1) {
      expect((await browser.request(target, { method: 'POST', form: { ...form.fields, email: person.email, password: `guess ${i}` } })).status).toBe(401);
    }
    // Even the right password is refused now, with Retry-After.
    const blocked = await browser.request(target, { method: 'POST', form: { ...form.fields, email: person.email, password: person.password } });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toContain('Too many sign-in attempts');
  });

  it('refuses a form post without the form token, and one from a browser without the interaction cookie', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const person = await createUser(app, org.id);
    const { url } = await authorizationUrl(registered.clientId, registered.secret, 'records:read');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, url);
    const target = new URL(form.action, baseUrl(app)).href;
    // The pages cannot be framed (a hidden consent button) and run no script.
    const page = await fetch(url.href, { redirect: 'manual' });
    const interaction = await fetch(new URL(page.headers.get('location')!, baseUrl(app)), { headers: { cookie: page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') } });
    expect(interaction.headers.get('x-frame-options')).toBe('DENY');
    expect(interaction.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(interaction.headers.get('content-security-policy')).toContain("default-src 'none'");
    const noToken = await browser.request(target, { method: 'POST', form: { email: person.email, password: person.password } });
    expect(noToken.status).toBe(403);
    const huge = await browser.request(target, { method: 'POST', form: { ...form.fields, email: 'x'.repeat(20_000), password: 'y' } });
    expect(huge.status).toBe(413);
    expect(huge.body).toContain('could not be read');
    const otherBrowser = await new FakeBrowser(baseUrl(app)).request(target, { method: 'POST', form: { ...form.fields, email: person.email, password: person.password } });
    expect(otherBrowser.status).toBe(400);
    expect(otherBrowser.body).not.toContain('stack');
  });

  it('hands an SSO domain to findSsoLogin, and a signed browser session then skips the password', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const email = `someone.${Date.now()}@${SSO_DOMAIN}`;
    const { userId } = await createLocalUser(app.app.services.db, SYSTEM, { organizationId: org.id, email, password: 'unused password 123', role: 'member' });
    const { config, verifier, url } = await authorizationUrl(registered.clientId, registered.secret, 'records:read');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, url);
    const handOff = await browser.request(new URL(form.action, baseUrl(app)).href, { method: 'POST', form: { ...form.fields, email, password: '' } });
    // The hand-off is a path on this server (the stub's connection 77 does not exist: 404 there).
    const returnTo = ssoCalls.at(-1)!.returnTo;
    expect(returnTo).toBe(form.action.replace(/\/login$/, ''));
    expect(handOff.url).toBe(`${baseUrl(app)}/sso/77/login?returnTo=${encodeURIComponent(returnTo)}`);

    // The SSO module signs the browser in (a browser-session cookie) and sends it back to returnTo.
    let cookie = '';
    app.app.browserSessions.issue(
      { getHeader: () => undefined, setHeader: (_name: string, value: string[]) => void (cookie = value[0]!.split(';')[0]!) } as never,
      { userId, organizationId: org.id, method: 'saml' },
    );
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    browser.jar.set(name, value);
    const consent = await browser.request(`${baseUrl(app)}${returnTo}`);
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('wants access to');
    const confirm = formOf(consent.body);
    const done = await browser.request(new URL(confirm.action, baseUrl(app)).href, { method: 'POST', form: { ...confirm.fields, decision: 'approve' } });
    const tokens = await tokenFor(config, new URL(done.location!), verifier);
    const viewer = await graphql(app, tokens.access_token, '{ viewer { organization { id } } }');
    expect(viewer.body.data?.['viewer']).toEqual({ organization: { id: String(org.id) } });

    // prompt=login: the app wants a fresh sign-in, so the session does not stand in for it.
    const again = new URL(url);
    again.searchParams.set('prompt', 'login');
    const page = await browser.request(again.href);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="password"');
    // ...but a session set during this interaction (the SSO login coming back) does.
    // (Session times are whole seconds: this one is dated two seconds on instead of waiting.)
    app.app.browserSessions.issue(
      { getHeader: () => undefined, setHeader: (_name: string, value: string[]) => void (cookie = value[0]!.split(';')[0]!) } as never,
      { userId, organizationId: org.id, method: 'saml' },
      Date.now() + 2000,
    );
    browser.jar.set(name, cookie.slice(cookie.indexOf('=') + 1));
    const back = await browser.request(page.url);
    expect(back.location).toMatch(/^http:\/\/localhost:3999\/callback\?code=/);
  });

  it("a client of organization A authorized by a user of B acts for B only, and never reads A's data", async () => {
    const orgA = await app.createOrganization('Partner A');
    const orgB = await app.createOrganization('Customer B');
    const projectA = (await createProject(app.app.services.db, SYSTEM, { organizationId: orgA.id, name: 'Secret A', code: 'SA' })).project;
    const projectB = (await createProject(app.app.services.db, SYSTEM, { organizationId: orgB.id, name: 'Tower B', code: 'TB' })).project;
    const registered = await registerClient(app, orgA.id, { scopes: ['org:read'] });
    const personB = await createUser(app, orgB.id);
    const { config, verifier, url } = await authorizationUrl(registered.clientId, registered.secret, 'org:read');
    const { callback, last } = await authorizeInBrowser(app, url, personB);
    expect(last.status).toBe(303);
    const tokens = await tokenFor(config, callback!, verifier);

    const viewer = await graphql(app, tokens.access_token, '{ viewer { organization { id } } projects { nodes { id name } } }');
    expect(viewer.body.data).toEqual({ viewer: { organization: { id: String(orgB.id) } }, projects: { nodes: [{ id: String(projectB.id), name: 'Tower B' }] } });
    const other = await graphql(app, tokens.access_token, `{ project(id: "${projectA.id}") { id name } }`);
    expect(other.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

    // The client's own machine token reads A, not B.
    const machine = await client.clientCredentialsGrant(config, { scope: 'org:read' });
    const own = await graphql(app, machine.access_token, `{ projects { nodes { id } } project(id: "${projectB.id}") { id } }`);
    expect(own.body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    expect(own.body.data).toBeNull();
    const ownList = await graphql(app, machine.access_token, '{ projects { nodes { id } } }');
    expect(ownList.body.data).toEqual({ projects: { nodes: [{ id: String(projectA.id) }] } });
  });

  it("a viewer cannot grant write scopes: they are listed as withheld and left out of the token", async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read', 'records:write'] });
    const viewerPerson = await createUser(app, org.id, 'viewer');
    const { config, verifier, url } = await authorizationUrl(registered.clientId, registered.secret, 'records:read records:write');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, url);
    const consent = await browser.request(new URL(form.action, baseUrl(app)).href, { method: 'POST', form: { ...form.fields, email: viewerPerson.email, password: viewerPerson.password } });
    expect(consent.body).toContain('Not granted');
    expect(consent.body).toMatch(/Not granted[\s\S]*records:write/);
    const confirm = formOf(consent.body);
    const done = await browser.request(new URL(confirm.action, baseUrl(app)).href, { method: 'POST', form: { ...confirm.fields, decision: 'approve' } });
    const tokens = await tokenFor(config, new URL(done.location!), verifier);
    expect(tokens.scope).toBe('records:read');
    const viewer = await graphql(app, tokens.access_token, '{ viewer { scopes } }');
    expect(viewer.body.data).toEqual({ viewer: { scopes: ['records:read'] } });
  });

  it("a person's tokens stop working when they leave the organization", async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['org:read'] });
    const person = await createUser(app, org.id);
    const { config, verifier, url } = await authorizationUrl(registered.clientId, registered.secret, 'org:read');
    const { callback } = await authorizeInBrowser(app, url, person);
    const tokens = await tokenFor(config, callback!, verifier);
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).status).toBe(200);
    await app.app.services.db.delete(memberships).where(and(eq(memberships.userId, person.userId), eq(memberships.organizationId, org.id)));
    const refused = await graphql(app, tokens.access_token, '{ viewer { scopes } }');
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('a membership deactivated by SCIM (active=false) stops its tokens and its password sign-in', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['org:read'] });
    const person = await createUser(app, org.id);
    const first = await authorizationUrl(registered.clientId, registered.secret, 'org:read');
    const { callback } = await authorizeInBrowser(app, first.url, person);
    const tokens = await tokenFor(first.config, callback!, first.verifier);
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).status).toBe(200);

    const deactivate = (active: boolean) =>
      app.app.services.db.update(memberships).set({ active }).where(and(eq(memberships.userId, person.userId), eq(memberships.organizationId, org.id)));
    await deactivate(false);
    const refused = await graphql(app, tokens.access_token, '{ viewer { scopes } }');
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');

    // The right password no longer signs the person in for that organization.
    const second = await authorizationUrl(registered.clientId, registered.secret, 'org:read');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, second.url);
    const answer = await browser.request(new URL(form.action, baseUrl(app)).href, { method: 'POST', form: { ...form.fields, email: person.email, password: person.password } });
    expect(answer.status).not.toBe(303);
    expect(answer.body).not.toContain('Allow');

    // Reactivated, the same token works again (it was never revoked, only refused).
    await deactivate(true);
    expect((await graphql(app, tokens.access_token, '{ viewer { scopes } }')).status).toBe(200);
  });

  it('a member of several organizations chooses one, and the token acts for it', async () => {
    const first = await app.createOrganization('Alpha');
    const second = await app.createOrganization('Beta');
    const registered = await registerClient(app, first.id, { scopes: ['org:read'] });
    const person = await createUser(app, first.id);
    await createLocalUser(app.app.services.db, SYSTEM, { organizationId: second.id, email: person.email, password: person.password, role: 'member' });
    const { config, verifier, url } = await authorizationUrl(registered.clientId, registered.secret, 'org:read');
    const browser = new FakeBrowser(baseUrl(app));
    const form = await loginPage(browser, url);
    const picker = await browser.request(new URL(form.action, baseUrl(app)).href, { method: 'POST', form: { ...form.fields, email: person.email, password: person.password } });
    expect(picker.body).toContain('Which organization');
    const choose = formOf(picker.body);
    // A forged ticket is refused.
    const forged = await browser.request(new URL(choose.action, baseUrl(app)).href, { method: 'POST', form: { ...choose.fields, ticket: `${person.userId}.9999999999.forged`, organization: String(second.id) } });
    expect(forged.status).toBe(403);
    const consent = await browser.request(new URL(choose.action, baseUrl(app)).href, { method: 'POST', form: { ...choose.fields, organization: String(second.id) } });
    const confirm = formOf(consent.body);
    const done = await browser.request(new URL(confirm.action, baseUrl(app)).href, { method: 'POST', form: { ...confirm.fields, decision: 'approve' } });
    const tokens = await tokenFor(config, new URL(done.location!), verifier);
    const viewer = await graphql(app, tokens.access_token, '{ viewer { organization { id } } }');
    expect(viewer.body.data).toEqual({ viewer: { organization: { id: String(second.id) } } });
  });
});
