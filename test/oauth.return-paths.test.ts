// Every redirect the server makes back to a path of its own, against a table of hostile return
// paths: SSO's returnTo (SAML and OIDC), SAML's RelayState on an IdP-initiated answer, the OIDC
// callback's stored return path, and the OAuth sign-in's hand-off to SSO. None may send the
// browser anywhere but a path on this server.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssoLoginUrlForEmail } from '../src/modules/sso/index.js';
import { CreateSsoConnectionDocument } from './generated/graphql.js';
import { HOSTILE_RETURN_PATHS } from './support/hostile-return-paths.js';
import { baseUrl, FakeBrowser, formOf, REDIRECT_URI, registerClient, discover } from './support/oauth-driver.js';
import { CookieJar, startOidcUpstream, type OidcUpstream } from './support/oidc-upstream.js';
import { idpKeys, TestSamlIdp } from './support/saml-idp.js';
import { markDomainsVerified } from './support/sso-domains.js';
import { execute, startTestApp, type TestApp } from './support/test-app.js';

const IDP_URL = 'https://idp.example.test';
const idp = new TestSamlIdp(IDP_URL, idpKeys('idp'));

let app: TestApp;
let upstream: OidcUpstream;
/** What the OAuth sign-in's SSO lookup answers in the hand-off test (null: the real lookup). */
let handOff: string | null = null;
let key = '';
let base = '';
let saml: { id: string; domain: string; sp: ReturnType<typeof TestSamlIdp.spFrom> };
let oidc: { id: string; domain: string };

beforeAll(async () => {
  upstream = await startOidcUpstream();
  app = await startTestApp('return_paths', { SSO_ALLOW_INSECURE_IDPS: 'true' }, {
    findSsoLogin: async (email, returnTo) => handOff ?? ssoLoginUrlForEmail(app.app.services.db, email, returnTo),
  });
  base = baseUrl(app);
  const org = await app.createOrganization();
  key = (await app.createKey(org.id)).plaintext;
  const samlDomain = 'saml-return.example.com';
  const created = await execute(
    app.url,
    CreateSsoConnectionDocument,
    { input: { name: 'SAML', protocol: 'SAML', domains: [samlDomain], defaultRole: 'MEMBER', allowIdpInitiated: true, saml: { idpEntityId: idp.entityId, ssoUrl: `${IDP_URL}/sso`, certificates: [idpKeys('idp').cert] } } },
    { key },
  );
  const samlId = created.data!.createSsoConnection.id;
  await markDomainsVerified(app.app.services.pool, samlId);
  saml = { id: samlId, domain: samlDomain, sp: TestSamlIdp.spFrom(await (await fetch(`${base}/sso/saml/${samlId}/metadata`)).text()) };
  const oidcDomain = 'oidc-return.example.org';
  const made = await execute(
    app.url,
    CreateSsoConnectionDocument,
    { input: { name: 'OIDC', protocol: 'OIDC', domains: [oidcDomain], defaultRole: 'MEMBER', oidc: { issuer: upstream.issuer, clientId: 'trestle', clientSecret: 'upstream-client-secret' } } },
    { key },
  );
  const c = made.data!.createSsoConnection;
  await markDomainsVerified(app.app.services.pool, c.id);
  await upstream.register({ clientId: 'trestle', clientSecret: 'upstream-client-secret', redirectUri: c.oidc!.redirectUri });
  upstream.accounts.set('rae', { email: `rae@${oidcDomain}`, emailVerified: true, name: 'Rae' });
  oidc = { id: c.id, domain: oidcDomain };
});
afterAll(async () => {
  await app?.close({ dropData: true });
  await upstream?.close();
});

/** Where a redirect sends a browser, resolved as a browser would resolve it. */
const landsOn = (location: string | null) => (location === null ? null : new URL(location, base));
/** The redirect stays on this server's origin. */
function expectHere(location: string | null, label: string) {
  expect(landsOn(location)?.origin, label).toBe(new URL(base).origin);
}

/** Drives an OIDC sign-in up to our callback (not yet requested). */
async function toOidcCallback(jar: CookieJar): Promise<string> {
  let url = `${base}/sso/${oidc.id}/login`;
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(`${base}/sso/oidc/`)) return url;
    const interaction = /\/interaction\/([\w-]+)$/.exec(new URL(url).pathname);
    const res = interaction
      ? await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(url) }, body: 'login=rae' })
      : await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, res);
    url = new URL(res.headers.get('location')!, url).href;
  }
  throw new Error('too many redirects');
}

describe.each(HOSTILE_RETURN_PATHS.map((value) => [JSON.stringify(value), value]))('hostile return path %s', (label, hostile) => {
  it('is refused by /sso/<id>/login (SAML and OIDC)', async () => {
    for (const id of [saml.id, oidc.id]) {
      const res = await fetch(`${base}/sso/${id}/login?returnTo=${encodeURIComponent(hostile)}`, { redirect: 'manual' });
      expect(res.status, label).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('as SAML RelayState of an IdP-initiated answer lands on /account', async () => {
    const res = await fetch(`${base}/sso/saml/${saml.id}/acs`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: await idp.response(saml.sp, `relay@${saml.domain}`), RelayState: hostile }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
  });

  it('stored as an OIDC sign-in\'s return path lands on /account', async () => {
    const jar = new CookieJar();
    const url = await toOidcCallback(jar);
    await app.app.services.pool.query('UPDATE sso_oidc_states SET return_to = ? WHERE state = ?', [hostile, new URL(url).searchParams.get('state')]);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account');
  });

  it('is never where the OAuth sign-in hands off to SSO, nor where SSO is asked to return', async () => {
    expect(await ssoLoginUrlForEmail(app.app.services.db, `x@${saml.domain}`, hostile)).toBe(`/sso/${saml.id}/login?returnTo=%2Faccount`);
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const config = await discover(app, registered.clientId, registered.secret);
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const browser = new FakeBrowser(base);
    const form = formOf((await browser.request(url.href)).body);
    handOff = hostile;
    try {
      const res = await fetch(new URL(form.action, base), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.jar.header() },
        body: new URLSearchParams({ ...form.fields, email: `x@${saml.domain}`, password: '' }).toString(),
      });
      if (res.headers.get('location') !== null) expectHere(res.headers.get('location'), label);
      expect(res.status).not.toBe(303);
    } finally {
      handOff = null;
    }
  });
});

describe('the redirects themselves', () => {
  it('an OAuth sign-in by an SSO domain goes to that connection and asks it to return to the interaction', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const config = await discover(app, registered.clientId, registered.secret);
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
    const browser = new FakeBrowser(base);
    const form = formOf((await browser.request(url.href)).body);
    const res = await fetch(new URL(form.action, base), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.jar.header() },
      body: new URLSearchParams({ ...form.fields, email: `x@${saml.domain}`, password: '' }).toString(),
    });
    expect(res.status).toBe(303);
    const interaction = form.action.replace(/\/login$/, '');
    expect(res.headers.get('location')).toBe(`/sso/${saml.id}/login?returnTo=${encodeURIComponent(interaction)}`);
  });

  it('after SSO the authorization continues: consent, then the code at the app', async () => {
    const org = await app.createOrganization();
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const config = await discover(app, registered.clientId, registered.secret);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'records:read', state: 'sso', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const browser = new FakeBrowser(base);
    const form = formOf((await browser.request(url.href)).body);
    // The sign-in page hands the address to SSO; the browser ends at the IdP with our AuthnRequest.
    const atIdp = await browser.request(new URL(form.action, base).href, { method: 'POST', form: { ...form.fields, email: `sso.person@${saml.domain}`, password: '' } });
    expect(atIdp.location).toMatch(new RegExp(`^${IDP_URL}/sso\\?`));
    const query = Object.fromEntries(new URL(atIdp.location!).searchParams);
    expect(query['RelayState']).toBe(form.action.replace(/\/login$/, ''));
    const requestId = await idp.parseRequest(saml.sp, query);
    // The IdP posts its answer back; the browser returns to the interaction and sees the consent page.
    const consent = await browser.request(`${base}/sso/saml/${saml.id}/acs`, {
      method: 'POST',
      form: { SAMLResponse: await idp.response(saml.sp, `sso.person@${saml.domain}`, { InResponseTo: requestId }), RelayState: query['RelayState']! },
    });
    expect(consent.status).toBe(200);
    expect(new URL(consent.url).pathname).toMatch(/^\/oauth\/interaction\/[\w-]+$/);
    const confirm = formOf(consent.body);
    expect(confirm.action).toMatch(/\/confirm$/);
    const done = await browser.request(new URL(confirm.action, base).href, { method: 'POST', form: { ...confirm.fields, decision: 'approve' } });
    const callback = new URL(done.location!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'sso' });
    expect(tokens.access_token).toBeTruthy();
  });
});
