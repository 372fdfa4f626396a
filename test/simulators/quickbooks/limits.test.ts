import { afterEach, describe, expect, it } from 'vitest';
import { callApi, connectClient, queryPath } from './client.js';
import { startQuickBooksSimulator, type QuickBooksSimulator } from './server.js';

const client = { clientId: 'limits-client', clientSecret: 'limits-secret', redirectUris: ['http://127.0.0.1:9/cb'] };
const LIST = queryPath('SELECT * FROM Vendor');

describe('QuickBooks simulator: limits and injected failures', () => {
  let sim: QuickBooksSimulator | null = null;
  afterEach(async () => {
    await sim?.close();
    sim = null;
  });

  it('answers 429 with Intuit\'s throttle fault past the per-minute limit, per company, until the minute has passed', async () => {
    sim = await startQuickBooksSimulator({ clients: [client], requestsPerMinute: 5 });
    const { tokens, realmId } = await connectClient(sim, client);
    for (let i = 0; i < 5; i++) expect((await callApi(sim, tokens.access_token, realmId, LIST)).status).toBe(200);
    const refused = await callApi(sim, tokens.access_token, realmId, LIST);
    expect(refused.status).toBe(429);
    expect(refused.json.Fault).toMatchObject({ type: 'SERVICE', Error: [{ code: '3001', Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429' }] });
    expect(refused.headers.get('retry-after')).toBeNull(); // Intuit documents none: "wait 60 seconds"

    // Another company has its own minute.
    const other = sim.createCompany();
    sim.setAuthorizationRealm(other);
    const second = await connectClient(sim, client);
    expect((await callApi(sim, second.tokens.access_token, other, LIST)).status).toBe(200);

    sim.advanceTime(60_001);
    expect((await callApi(sim, tokens.access_token, realmId, LIST)).status).toBe(200);
    const stats = sim.stats();
    expect(stats.rateLimited).toBe(1);
    expect(stats.byRoute['GET /query']).toBe(8);
    expect(stats.byRoute['POST /oauth2/v1/tokens/bearer']).toBe(2);
    expect(stats.requestLog.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it('sends Retry-After when asked to', async () => {
    sim = await startQuickBooksSimulator({ clients: [client], requestsPerMinute: 1, retryAfterHeader: true });
    const { tokens, realmId } = await connectClient(sim, client);
    await callApi(sim, tokens.access_token, realmId, LIST);
    const refused = await callApi(sim, tokens.access_token, realmId, LIST);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 429 past the concurrent-request limit and records the most seen at once', async () => {
    sim = await startQuickBooksSimulator({ clients: [client], maxConcurrent: 2 });
    const { tokens, realmId } = await connectClient(sim, client);
    const resume = sim.pause();
    const held = [callApi(sim, tokens.access_token, realmId, LIST), callApi(sim, tokens.access_token, realmId, LIST)];
    while (sim.inFlight(realmId) < 2) await new Promise((r) => setTimeout(r, 5));
    const third = await callApi(sim, tokens.access_token, realmId, LIST);
    expect(third.status).toBe(429);
    expect(third.json.Fault.Error[0].code).toBe('3001');
    resume();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect(sim.stats()).toMatchObject({ maxConcurrentSeen: 2, rateLimited: 1 });
    sim.resetStats();
    expect(sim.stats()).toMatchObject({ requests: 0, maxConcurrentSeen: 0, rateLimited: 0, requestLog: [] });
  });

  it('fails the next requests as told: status, malformed JSON, timeout', async () => {
    sim = await startQuickBooksSimulator({ clients: [client] });
    const { tokens, realmId } = await connectClient(sim, client);
    sim.failNext(2, { status: 503 });
    expect((await callApi(sim, tokens.access_token, realmId, LIST)).status).toBe(503);
    const second = await callApi(sim, tokens.access_token, realmId, LIST);
    expect(second.status).toBe(503);
    expect(second.json.Fault.type).toBe('SystemFault');
    expect((await callApi(sim, tokens.access_token, realmId, LIST)).status).toBe(200);

    sim.failNext(1, { status: 429 });
    expect((await callApi(sim, tokens.access_token, realmId, LIST)).json.Fault.Error[0].code).toBe('3001');

    sim.failNext(1, 'malformed');
    const malformed = await callApi(sim, tokens.access_token, realmId, LIST);
    expect(malformed.status).toBe(200);
    expect(typeof malformed.json).toBe('string'); // not parseable

    sim.failNext(1, 'timeout');
    const request = fetch(`${sim.apiBaseUrl}/${realmId}/${LIST}`, { headers: { authorization: `Bearer ${tokens.access_token}` }, signal: AbortSignal.timeout(300) });
    await expect(request).rejects.toThrow();
    expect((await callApi(sim, tokens.access_token, realmId, LIST)).status).toBe(200);
  });

  it('fails only the requests of a route when told so, the token endpoint included', async () => {
    sim = await startQuickBooksSimulator({ clients: [client] });
    const { tokens, realmId } = await connectClient(sim, client);
    sim.failNext(1, { status: 500 }, { route: 'POST /vendor' });
    expect((await callApi(sim, tokens.access_token, realmId, LIST)).status).toBe(200);
    const failed = await callApi(sim, tokens.access_token, realmId, 'vendor', { body: { DisplayName: 'Fails once' } });
    expect(failed.status).toBe(500);
    expect(failed.json.Fault.type).toBe('SystemFault');
    expect((await callApi(sim, tokens.access_token, realmId, 'vendor', { body: { DisplayName: 'Fails once' } })).status).toBe(200);

    sim.failNext(1, { status: 503 }, { route: /tokens\/bearer/ });
    await expect(connectClient(sim, client)).rejects.toThrow(/503/);
    expect((await connectClient(sim, client)).realmId).toBe(realmId);
  });
});
