import { describe, expect, test } from './support/fixtures.js';
import { execute } from './support/test-app.js';
import { ViewerDocument } from './generated/graphql.js';

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; data?: unknown } };
}

describe('HTTP surface', () => {
  test('health and readiness probes', async ({ app }) => {
    const base = app.url.replace(/\/graphql$/, '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mysql: 'ok', postgres: 'ok' } });
  });

  test('malformed JSON is a 400 with a message, not a stack', async ({ app, key }) => {
    const res = await post(app.url, '{"query": "{ viewer { scopes } }"', { authorization: `Bearer ${key}` });
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  test('an oversized body is a 413', async ({ app, key }) => {
    const padding = 'x'.repeat(app.config.BODY_LIMIT_BYTES + 10);
    const res = await post(app.url, JSON.stringify({ query: '{ viewer { scopes } }', variables: { padding } }), {
      authorization: `Bearer ${key}`,
    });
    expect(res.status).toBe(413);
    expect(res.json.errors?.[0]?.extensions?.['code']).toBe('PAYLOAD_TOO_LARGE');
  });

  test('unknown fields, syntax errors and wrong scalar types are 400s naming the problem', async ({ app, key }) => {
    const auth = { authorization: `Bearer ${key}` };
    const unknown = await post(app.url, JSON.stringify({ query: '{ viewer { password } }' }), auth);
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(unknown.json.errors?.[0]?.message).toContain('password');

    const syntax = await post(app.url, JSON.stringify({ query: '{ viewer { ' }), auth);
    expect(syntax.status).toBe(400);
    expect(syntax.json.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');

    const wrongType = await post(app.url, JSON.stringify({ query: 'query($id: ID!) { apiKey(id: $id) { id } }', variables: { id: { nested: true } } }), auth);
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');

    const notAQuery = await post(app.url, JSON.stringify({ query: 42 }), auth);
    expect(notAQuery.status).toBe(400);
  });

  test('queries too deep, too aliased or too costly are refused before they run', async ({ app, key }) => {
    const auth = { authorization: `Bearer ${key}` };
    const aliases = Array.from({ length: app.config.QUERY_MAX_ALIASES + 1 }, (_, i) => `a${i}: viewer { label }`).join(' ');
    const aliased = await post(app.url, JSON.stringify({ query: `{ ${aliases} }` }), auth);
    expect(aliased.status).toBe(400);
    expect(aliased.json.errors?.[0]?.extensions?.['code']).toBe('QUERY_TOO_COMPLEX');


    const costly = `{ ${Array.from({ length: 25 }, (_, i) => `k${i}: apiKeys(first: 100) { nodes { id name prefix scopes status } }`).join(' ')} }`;
    const tooCostly = await post(app.url, JSON.stringify({ query: costly }), auth);
    expect(tooCostly.status).toBe(400);
    expect(tooCostly.json.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxComplexity: app.config.QUERY_MAX_COMPLEXITY });
  });

  test('introspection needs a key (INTROSPECTION_PUBLIC unset); with one, tools load the schema', async ({ app, key }) => {
    const anonymous = await post(app.url, JSON.stringify({ query: '{ __schema { queryType { name } } }' }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MISSING' });
    expect(anonymous.json.data).toBeUndefined();
    const keyed = await post(app.url, JSON.stringify({ query: '{ __schema { queryType { name } } }' }), { authorization: `Bearer ${key}` });
    expect(keyed.status).toBe(200);
    expect(keyed.json.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  test('every response carries a request id, echoing a sane client one', async ({ app, key }) => {
    const mine = await execute(app.url, ViewerDocument, {}, { key, headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const hostile = await execute(app.url, ViewerDocument, {}, { key, headers: { 'x-request-id': 'a b;c' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('serves a favicon, so browsers log no 404', async ({ app }) => {
    const res = await fetch(app.url.replace(/\/graphql$/, '/favicon.ico'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await res.text()).toMatch(/^<svg /);
  });

  test('unknown routes are JSON 404s', async ({ app }) => {
    const res = await fetch(app.url.replace(/\/graphql$/, '/nope'));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  test('GET /graphql serves GraphiQL to browsers and GraphQL to clients', async ({ app }) => {
    const page = await fetch(app.url, { headers: { accept: 'text/html' } });
    expect([200, 503]).toContain(page.status);
    expect(page.headers.get('content-type')).toMatch(page.status === 200 ? /text\/html/ : /text\/plain/);
    const query = await fetch(`${app.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
