// Every HTML page the server sends carries the same security headers: a CSP with
// frame-ancestors 'none', X-Frame-Options, nosniff and a referrer policy. Ours, GraphiQL's, the
// Swagger UI's and oidc-provider's own (form_post and error pages).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';
import { beforeAll } from 'vitest';
import { describe, expect, test } from './support/fixtures.js';
import { baseUrl, REDIRECT_URI, registerClient } from './support/oauth-driver.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
beforeAll(() => {
  if (!existsSync(path.join(repoRoot, 'dist', 'graphiql', 'manifest.json'))) execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-graphiql.mjs')], { stdio: 'inherit' });
}, 180_000);

function expectPageHeaders(res: Response, label: string) {
  expect(res.headers.get('content-type'), label).toMatch(/^text\/html/);
  expect(res.headers.get('content-security-policy'), label).toContain("frame-ancestors 'none'");
  expect(res.headers.get('x-frame-options'), label).toBe('DENY');
  expect(res.headers.get('x-content-type-options'), label).toBe('nosniff');
  expect(res.headers.get('referrer-policy'), label).toMatch(/^(no-referrer|same-origin)$/);
}

describe('security headers of HTML pages', () => {
  test('our pages, GraphiQL, Swagger UI, and oidc-provider\'s error and form_post pages', async ({ app, org }) => {
    const base = baseUrl(app);
    const registered = await registerClient(app, org.id, { scopes: ['records:read'] });
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    const authorize = (params: Record<string, string>) => `${base}/oauth/authorize?${new URLSearchParams(params).toString()}`;
    const pages: Record<string, string> = {
      'Swagger UI': `${base}/api/docs`,
      GraphiQL: `${base}/graphql`,
      'oidc-provider error page': authorize({ client_id: 'no-such-client', response_type: 'code' }),
      'sign-in page': authorize({ client_id: registered.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'records:read', code_challenge: challenge, code_challenge_method: 'S256' }),
      account: `${base}/account`,
      'SSO error page': `${base}/sso/999999/login`,
    };
    for (const [label, url] of Object.entries(pages)) expectPageHeaders(await fetch(url, { headers: html }), label);

    // form_post: the provider posts an error back to the app; its auto-submit script is allowed by hash, nothing else.
    const formPost = await fetch(authorize({ client_id: registered.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', response_mode: 'form_post', scope: 'records:read', code_challenge: challenge, code_challenge_method: 'plain' }), { headers: html });
    const body = await formPost.text();
    expect(body).toContain(`<form method="post" action="${REDIRECT_URI}">`);
    expectPageHeaders(formPost, 'form_post');
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)![1]!;
    const csp = formPost.headers.get('content-security-policy')!;
    expect(csp).toMatch(new RegExp(`script-src 'none' 'sha256-${createHash('sha256').update(script).digest('base64').replace(/[+/]/g, (c) => `\\${c}`)}'`));

    // The package's stock Swagger UI page is not served at all.
    expect((await fetch(`${base}/api/docs/assets/index.html`)).status).toBe(404);
  }, 120_000);
});
