// End to end: GraphiQL loads from the real app with no network beyond it, introspects once a
// key made by the operator CLI is entered (not before: introspection needs a credential), and
// runs `viewer` (and a subscription) with it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Request } from 'playwright-core';
import { chromiumAvailable, editorText, HEADERS_EDITOR, launchChromium, QUERY_EDITOR, RESPONSE, typeInto } from './support/browser.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUDIT_TOPIC } from '../src/modules/audit/audit.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const buildScript = path.join(repoRoot, 'scripts', 'build-graphiql.mjs');

const chromiumPath = chromiumAvailable('graphiql.e2e.test');

const ORG_NAME = 'Riverside Builders';


/** Runs the operator CLI as a user would (`node dist/cli.js …`), against the suite's database. */
function cli(app: TestApp, args: string[]): string {
  const result = spawnSync(process.execPath, ['dist/cli.js', ...args], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: app.databases.mysqlUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`cli ${args.join(' ')} exited with ${result.status ?? result.signal}: ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** The operation name a GraphiQL request was sent for (POST bodies only). */
function operationOf(request: Request): string | undefined {
  if (request.method() !== 'POST') return undefined;
  try {
    return (request.postDataJSON() as { operationName?: string } | null)?.operationName ?? undefined;
  } catch {
    return undefined;
  }
}

describe.skipIf(!chromiumPath)('GraphiQL end to end against the real app', () => {
  let app: TestApp | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';
  let key = '';
  let organizationId = '';
  const requested: string[] = [];
  const blocked: string[] = [];
  const problems: string[] = [];
  /** Responses of POST /graphql, in order, with the Authorization header the page sent. */
  const graphqlCalls: Array<{ operation: string | undefined; status: number; authorization: string | undefined }> = [];

  beforeAll(async () => {
    if (!existsSync(path.join(repoRoot, 'dist', 'graphiql', 'manifest.json'))) {
      execFileSync(process.execPath, [buildScript], { stdio: 'inherit' });
    }
    app = await startTestApp('graphiql-e2e');
    base = new URL(app.url).origin;
    // Subscribers only get events once this process LISTENs; do not leave that to the first subscription.
    await app.app.services.pubsub.ensureListening();

    organizationId = cli(app, ['org', 'create', ORG_NAME]);
    expect(organizationId).toMatch(/^\d+$/);
    key = cli(app, ['key', 'create', '--org', organizationId, '--scopes', '*']);
    expect(key).toMatch(/^\S{16,}$/);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const local = new URL(base).host;
    // Anything not served by the app is refused (and recorded), so an offline miss cannot pass unnoticed.
    await context.route(
      (url) => url.protocol !== 'data:' && url.protocol !== 'blob:' && url.host !== local,
      async (route) => {
        blocked.push(route.request().url());
        await route.abort('blockedbyclient');
      },
    );
    context.on('request', (request) => requested.push(request.url()));
    context.on('response', async (response) => {
      const request = response.request();
      if (new URL(request.url()).pathname === '/graphql' && request.method() === 'POST') {
        const headers = await request.allHeaders();
        graphqlCalls.push({ operation: operationOf(request), status: response.status(), authorization: headers['authorization'] });
        return;
      }
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${request.method()} ${response.url()}`);
    });
    context.on('console', (message) => {
      const text = message.text();
      // The no-key query is answered 401 on purpose; Chromium logs that as a console error.
      const expected401 = /status of 401/.test(text) && message.location().url === app?.url;
      if ((message.type() === 'error' && !expected401) || (message.type() === 'warning' && /worker|content security policy/i.test(text))) {
        problems.push(`${message.type()}: ${text}`);
      }
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('websocket', (socket) => requested.push(socket.url()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close({ dropData: true });
  }, 60_000);

  it('serves GraphiQL to a browser navigating to /graphql, and does not introspect without a key', async () => {
    const response = await page.goto(`${base}/graphql`);
    expect(response?.status()).toBe(200);
    expect(await response?.request().headerValue('accept')).toMatch(/^text\/html/);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    await expect.poll(() => editorText(page, QUERY_EDITOR), { timeout: 30_000 }).toContain('query Viewer {');
    expect(await editorText(page, HEADERS_EDITOR)).toContain('"Authorization": "Bearer <your API key>"');

    // Only the placeholder: no schema is asked for (the server would refuse it without a key).
    expect(graphqlCalls.filter((call) => call.operation === 'IntrospectionQuery')).toEqual([]);
  }, 60_000);

  it('answers UNAUTHENTICATED while the headers still hold the placeholder', async () => {
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESPONSE), { timeout: 15_000 }).toContain('UNAUTHENTICATED');
    const text = await editorText(page, RESPONSE);
    expect(text).toContain('send an API key');
    expect(text).toContain('"reason": "MISSING"');
    expect(graphqlCalls.filter((call) => call.operation === 'Viewer')).toEqual([{ operation: 'Viewer', status: 401, authorization: undefined }]);
  }, 60_000);

  it('introspects with the key the CLI made once it is entered, and runs viewer with it', async () => {
    await typeInto(page, HEADERS_EDITOR, `{"Authorization": "Bearer ${key}"}`);
    await expect.poll(() => editorText(page, HEADERS_EDITOR)).toContain(key);
    await expect
      .poll(() => graphqlCalls.filter((call) => call.operation === 'IntrospectionQuery').at(-1), { timeout: 30_000 })
      .toEqual({ operation: 'IntrospectionQuery', status: 200, authorization: `Bearer ${key}` });
    await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
    await expect.poll(() => page.locator('.graphiql-doc-explorer').innerText(), { timeout: 15_000 }).toMatch(/Root Types[\s\S]*query:\s*Query/);
    // Close it again so the editors keep their width.
    await page.locator('.graphiql-sidebar button[aria-label="Hide Documentation Explorer"]').click();
    expect(await editorText(page, QUERY_EDITOR)).toContain('query Viewer {');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESPONSE), { timeout: 15_000 }).toContain(`"name": "${ORG_NAME}"`);
    const text = await editorText(page, RESPONSE);
    expect(text).toContain(`"id": "${organizationId}"`);
    expect(text).toContain('"*"');
    expect(text).not.toContain('errors');
    expect(graphqlCalls.filter((call) => call.operation === 'Viewer').at(-1)).toEqual({
      operation: 'Viewer',
      status: 200,
      authorization: `Bearer ${key}`,
    });
    await page.screenshot({ path: '/tmp/graphiql-e2e.png' });
  }, 60_000);

  it('streams auditEventAdded over graphql-ws to the page', async () => {
    const pubsub = app!.app.services.pubsub;
    const subscribe = vi.spyOn(pubsub, 'subscribe');
    try {
      await typeInto(page, QUERY_EDITOR, 'subscription { auditEventAdded { action targetType } }');
      // GraphiQL parses the operation debounced; the tab loses the name "Viewer" once it has.
      await expect.poll(() => page.locator('#graphiql-session-tab-0').innerText()).not.toBe('Viewer');
      const subscribed = () => subscribe.mock.calls.some(([topic, id]) => topic === AUDIT_TOPIC && String(id) === organizationId);
      const button = page.locator('.graphiql-execute-button');
      await button.click();
      // On a loaded machine GraphiQL has dropped a click that came while it was still settling
      // the edited document (CI): the button then still offers "Execute", not "Stop"; click again.
      const running = async () => subscribed() || Boolean((await button.getAttribute('aria-label'))?.startsWith('Stop'));
      for (const deadline = Date.now() + 10_000; !(await running()) && Date.now() < deadline; ) await page.waitForTimeout(200);
      if (!(await running())) await button.click();
      // Publish only once the server subscribed the page's operation, or the event could be missed.
      await expect.poll(subscribed, { timeout: 15_000 }).toBe(true);
    } finally {
      subscribe.mockRestore();
    }

    const response = await fetch(app!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'mutation { createProject(input: {name: "E2E", code: "E2E-1"}) { id } }' }),
    });
    const body = (await response.json()) as { data?: { createProject?: { id: string } }; errors?: unknown };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.data?.createProject?.id).toBeDefined();

    await expect.poll(() => editorText(page, RESPONSE), { timeout: 15_000 }).toContain('"action": "project.created"');
    expect(await editorText(page, RESPONSE)).toContain('"targetType": "project"');
  }, 60_000);

  it('loaded everything from the app only, without errors', () => {
    const local = new URL(base).host;
    const remote = requested.filter((url) => {
      const { protocol, host } = new URL(url);
      return protocol !== 'data:' && protocol !== 'blob:' && host !== local;
    });
    expect(remote).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested).toContain(app!.wsUrl);
    expect(problems).toEqual([]);
  });
});
