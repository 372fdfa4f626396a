import { chromiumAvailable, launchChromium } from './support/browser.js';
import { describe, expect, test } from './support/fixtures.js';

function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsOf(v, found);
    }
  }
  return found;
}

describe('OpenAPI document of the REST shim', () => {
  test('describes every REST route, with unique operation ids and resolvable references', async ({ app }) => {
    const base = app.url.replace(/\/graphql$/, '');
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => ({ route: `${m.toUpperCase()} ${p}`, op })));
    expect(operations.map((o) => o.route).sort()).toEqual(
      [
        'POST /api/v1/import/upload',
        'POST /api/v1/import/validate',
        'POST /api/v1/import/execute',
        'POST /api/v1/import/cancel',
        'POST /api/v1/import/resume',
        'GET /api/v1/import/{id}/status',
        'GET /api/v1/import/templates/{type}',
        'POST /api/v1/keys',
        'PATCH /api/v1/keys/{id}',
        'POST /api/v1/export',
        'GET /api/v1/export/{id}',
        'GET /api/v1/export/{id}/download',
        'GET /api/v1/files/{token}',
        'GET /api/v1/integrations/oauth/callback',
        'GET /api/v1/integrations',
        'POST /api/v1/integrations',
        'GET /api/v1/integrations/{id}',
        'PUT /api/v1/integrations/{id}',
        'DELETE /api/v1/integrations/{id}',
        'POST /api/v1/integrations/{id}/sync',
        'GET /api/v1/integrations/{id}/logs',
        'POST /hooks/quickbooks/{connectionId}',
        'POST /hooks/msgraph/{connectionId}',
        'POST /hooks/autodesk/{connectionId}',
        'GET /sso/{connectionId}/login',
        'GET /sso/saml/{connectionId}/metadata',
        'POST /sso/saml/{connectionId}/acs',
        'GET /sso/oidc/{connectionId}/callback',
        'GET /account',
        'POST /account/sign-out',
        'GET /scim/v2/ServiceProviderConfig',
        'GET /scim/v2/ResourceTypes',
        'GET /scim/v2/Schemas',
        ...['Users', 'Groups'].flatMap((r) => [`GET /scim/v2/${r}`, `POST /scim/v2/${r}`, ...['GET', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /scim/v2/${r}/{id}`)]),
        'GET /oauth/authorize',
        'POST /oauth/token',
        'POST /oauth/revoke',
        'POST /oauth/introspect',
        'GET /oauth/jwks',
        'GET /.well-known/openid-configuration',
        'GET /.well-known/oauth-authorization-server',
      ].sort(),
    );
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of refsOf(doc)) expect(doc.components.schemas, ref).toHaveProperty(ref.replace('#/components/schemas/', ''));
    // Success is a 2xx, or a redirect for the browser's sign-in routes.
    for (const { route, op } of operations) expect(Object.keys(op.responses).some((s) => s.startsWith('2') || s.startsWith('3')), route).toBe(true);
    // Each documented route answers (here: without a key or signature, so 401, or 404 for an unknown token).
    for (const { route } of operations) {
      const [method, template] = route.split(' ') as [string, string];
      const url = base + template.replace('{id}', '1').replace('{type}', 'vendors').replace('{token}', 'x'.repeat(40)).replace('{connectionId}', '1');
      // Provider callbacks get a well-formed Graph notification: unsigned, and for no connection.
      const body = template.startsWith('/hooks/') ? JSON.stringify({ value: [{ changeType: 'created', clientState: 'x' }] }) : '{}';
      const res = await fetch(url, { method, ...(method === 'POST' || method === 'PATCH' ? { body, headers: { 'content-type': 'application/json' } } : {}) });
      // SCIM discovery describes the service to anyone; OAuth endpoints answer in their own way
      // (metadata and keys 200, a bad request 400); the integrations' OAuth redirect takes no key,
      // so without a state it is a bad request; everything else wants a credential.
      const expected = /^GET \/scim\/v2\/(ServiceProviderConfig|ResourceTypes|Schemas)$/.test(route)
        ? [200]
        : template.startsWith('/oauth/') || template.startsWith('/.well-known/')
          ? [200, 400, 401]
          : template.endsWith('/integrations/oauth/callback')
            ? [400]
            : [401, 404];
      expect(expected, route).toContain(res.status);
    }
  });

  describe.skipIf(!chromiumAvailable('openapi.test'))('Swagger UI', () => {
    test('renders the operations offline, loading nothing from other hosts', async ({ app }) => {
      const base = app.url.replace(/\/graphql$/, '');
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const foreign: string[] = [];
        const errors: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${base}/api/docs`);
        await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
        const paths = await Promise.all((await page.$$('.opblock-summary-path')).map((el) => el.getAttribute('data-path')));
        expect(paths).toContain('/api/v1/export/{id}/download');
        expect(foreign).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
