// What one GraphQL request may cost the server: introspection counted like any other field
// (aliases, depth, cost by what it returns), anonymous introspection refused, documents bounded
// in bytes and tokens, bodies in bytes, responses in bytes; and a crowd of such requests at once
// leaves the server answering.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';
import { wsClient } from './support/ws-client.js';

type Body = { errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; data?: unknown };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, bytes: text.length, json: JSON.parse(text) as Body };
}

const code = (res: { json: Body }) => res.json.errors?.[0]?.extensions?.['code'];

/** The attack as measured before the guard counted introspection: one field of aliased whole-schema dumps. */
function aliasedIntrospection(aliases: number): string {
  const dump = '__schema { types { name fields { name args { name type { name ofType { name } } } type { name ofType { name } } } } }';
  return `{ ${Array.from({ length: aliases }, (_, i) => `s${i}: ${dump}`).join(' ')} }`;
}

/** A type's fields, their types (through every wrapper), their fields …, `levels` deep. */
function typeTree(levels: number): string {
  let t = 'name';
  for (let i = 0; i < levels; i += 1) t = `name fields { name type { ${t} ofType { ${t} ofType { ofType { ${t} } } } } }`;
  return t;
}

/** `aliases` copies of the whole schema's types, each with its type tree `levels` deep. */
function nested(levels: number, aliases = 1): string {
  return `{ ${Array.from({ length: aliases }, (_, i) => `s${i}: __schema { types { ${typeTree(levels)} } }`).join(' ')} }`;
}

describe('query limits (defaults)', () => {
  let app: TestApp;
  let key = '';
  let healthz = '';

  beforeAll(async () => {
    // Anonymous requests are rate limited per address; the crowd below comes from one address.
    app = await startTestApp('query-limits', { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000', RATE_LIMIT_SPIKE: '100000' });
    const org = await app.createOrganization();
    key = (await app.createKey(org.id, ['*'])).plaintext;
    healthz = app.url.replace(/\/graphql$/, '/healthz');
  }, 60_000);

  afterAll(async () => {
    await app?.close({ dropData: true });
  });

  const auth = () => ({ authorization: `Bearer ${key}` });

  test('GraphiQL’s full introspection query passes every limit with a key', async () => {
    const res = await post(app.url, { query: getIntrospectionQuery({ inputValueDeprecation: true, descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }) }, auth());
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect((res.json.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(50);
  });

  test('anonymous introspection is refused, __type and fragments included; __typename is not introspection', async () => {
    for (const query of [
      '{ __schema { queryType { name } } }',
      '{ t: __type(name: "Query") { name } }',
      'query { ...F } fragment F on Query { __schema { types { name } } }',
    ]) {
      const res = await post(app.url, { query });
      expect(res.status, query).toBe(401);
      expect(code(res), query).toBe('UNAUTHENTICATED');
      expect(res.json.errors?.[0]?.message).toMatch(/Introspection requires an API key/);
    }
    const typename = await post(app.url, { query: '{ __typename }' });
    expect(typename.json).toEqual({ data: { __typename: 'Query' } });
  });

  test('anonymous introspection over graphql-ws is refused too', async () => {
    const client = wsClient(app.wsUrl, {});
    const errors = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: '{ __schema { queryType { name } } }' }, { next: (r) => resolve(r.errors), error: resolve, complete: () => undefined });
    });
    await client.dispose();
    expect(JSON.stringify(errors)).toMatch(/UNAUTHENTICATED/);
  });

  test('aliased introspection counts against the cost limit', async () => {
    const res = await post(app.url, { query: aliasedIntrospection(20) }, auth());
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxComplexity: app.config.QUERY_MAX_COMPLEXITY });
    expect(res.json.data).toBeUndefined();
  });

  test('aliases of introspection count against the alias limit', async () => {
    const aliases = Array.from({ length: app.config.QUERY_MAX_ALIASES + 1 }, (_, i) => `t${i}: __typename`).join(' ');
    const res = await post(app.url, { query: `{ ${aliases} }` }, auth());
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.message).toMatch(/aliases; the limit is/);
  });

  test('deep __type nesting counts against depth, and against cost below the depth limit', async () => {
    const deep = await post(app.url, { query: `{ __type(name: "Query") { ${typeTree(4)} } }` }, auth());
    expect(deep.status).toBe(400);
    expect(deep.json.errors?.map((e) => e.message)).toContainEqual(expect.stringMatching(/Query depth \d+ exceeds the limit of 15/));
    // Two levels pass the depth limit and graphql-js's own rule (three `fields` deep); five copies
    // of them (about 900 KB of answer) pass the alias limit but not the cost.
    expect((await post(app.url, { query: nested(2) }, auth())).status).toBe(200);
    const costly = await post(app.url, { query: nested(2, 5) }, auth());
    expect(costly.status).toBe(400);
    expect(costly.json.errors?.[0]?.message).toMatch(/Query complexity \d+ exceeds the limit of 5000/);
  });

  test('a document over QUERY_MAX_BYTES is a 413 before it is parsed', async () => {
    const query = `{ __typename } # ${'x'.repeat(app.config.QUERY_MAX_BYTES)}`;
    const res = await post(app.url, { query }, auth());
    expect(res.status).toBe(413);
    expect(res.json.errors?.[0]?.extensions?.['code']).toBe('PAYLOAD_TOO_LARGE');
    expect(res.json.errors?.[0]?.message).toMatch(/the limit is 65536/);
  });

  test('a document over QUERY_MAX_TOKENS stops parsing', async () => {
    // Within the byte limit, past the token limit: `__typename` repeated (merged, so no alias).
    const query = `{ ${'__typename '.repeat(app.config.QUERY_MAX_TOKENS)} }`;
    expect(Buffer.byteLength(query)).toBeLessThan(app.config.QUERY_MAX_BYTES);
    const res = await post(app.url, { query }, auth());
    expect(res.status).toBe(400);
    expect(code(res)).toBe('GRAPHQL_PARSE_FAILED');
    expect(res.json.errors?.[0]?.message).toMatch(/more th\w+ 5000 tokens/);
  });

  test('a body over BODY_LIMIT_BYTES is a 413', async () => {
    const res = await post(app.url, { query: '{ __typename }', variables: { pad: 'x'.repeat(app.config.BODY_LIMIT_BYTES) } });
    expect(res.status).toBe(413);
    expect(code(res)).toBe('PAYLOAD_TOO_LARGE');
  });

  test('forty worst-case requests at once, anonymous and keyed: all refused, the server keeps answering', async () => {
    const attacks = Array.from({ length: 40 }, (_, i) => {
      const keyed = i % 2 === 1 ? auth() : {};
      switch (i % 4) {
        case 0:
        case 1:
          return post(app.url, { query: aliasedIntrospection(app.config.QUERY_MAX_ALIASES) }, keyed);
        case 2:
          return post(app.url, { query: nested(2, app.config.QUERY_MAX_ALIASES) }, keyed);
        default:
          return post(app.url, { query: `{ ${'__typename '.repeat(app.config.QUERY_MAX_TOKENS + 1)} }` }, keyed);
      }
    });
    const probe = fetch(healthz).then((r) => r.status);
    const results = await Promise.all(attacks);
    expect(await probe).toBe(200);
    for (const res of results) {
      expect([400, 401]).toContain(res.status);
      expect(res.bytes).toBeLessThan(2000);
    }
    expect((await fetch(healthz)).status).toBe(200);
    const after = await post(app.url, { query: '{ viewer { scopes } }' }, auth());
    expect(after.json.data).toEqual({ viewer: { scopes: ['*'] } });
  }, 60_000);
});

describe('query limits: INTROSPECTION_PUBLIC and RESPONSE_MAX_BYTES', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('query-limits-public', { INTROSPECTION_PUBLIC: 'true', RESPONSE_MAX_BYTES: String(64 * 1024), QUERY_MAX_COMPLEXITY: '1000000' });
  }, 60_000);

  afterAll(async () => {
    await app?.close({ dropData: true });
  });

  test('INTROSPECTION_PUBLIC=true answers introspection without a key', async () => {
    const res = await post(app.url, { query: '{ __schema { queryType { name } } }' });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  test('a response over RESPONSE_MAX_BYTES is refused rather than sent', async () => {
    const res = await post(app.url, { query: getIntrospectionQuery({ descriptions: true }) });
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxResponseBytes: 65536 });
    expect(res.bytes).toBeLessThan(1000);
  });
});
