// GraphiQL served from our own bundle: routing checks, then a real Chromium session
// against a throwaway GraphQL server (HTTP + graphql-ws on the same path).
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { buildSchema, graphql } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, editorText, HEADERS_EDITOR, launchChromium, QUERY_EDITOR, RESPONSE, typeInto } from './support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { graphiqlRouter } from '../src/platform/http/graphiql.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const assetsDir = path.join(repoRoot, 'dist', 'graphiql');
const buildScript = path.join(repoRoot, 'scripts', 'build-graphiql.mjs');

const chromiumPath = chromiumAvailable('graphiql.browser.test');

/** Listens on a free loopback port; returns the base URL. */
async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('graphiqlRouter routing', () => {
  let server: Server | undefined;
  let baseUrl = '';
  let fakeAssets = '';

  beforeAll(async () => {
    fakeAssets = await mkdtemp(path.join(tmpdir(), 'graphiql-assets-'));
    await writeFile(path.join(fakeAssets, 'manifest.json'), JSON.stringify({ script: 'app-AAAAAAAA.js', stylesheet: 'app-BBBBBBBB.css' }));
    await writeFile(path.join(fakeAssets, 'app-AAAAAAAA.js'), '');
    const app = express();
    app.use(graphiqlRouter({ assetsDir: fakeAssets, endpoint: '/graphql' }));
    app.use('/missing', graphiqlRouter({ assetsDir: path.join(fakeAssets, 'nope'), endpoint: '/graphql' }));
    app.use((_req, res) => {
      res.type('text/plain').send('fell through');
    });
    server = createServer(app);
    baseUrl = await listen(server);
  });

  afterAll(async () => {
    await close(server);
    await rm(fakeAssets, { recursive: true, force: true });
  });

  it('serves the page to browsers, with a self-only CSP', async () => {
    const response = await fetch(`${baseUrl}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(response.headers.get('vary')).toBe('Accept');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/graphiql-assets/app-AAAAAAAA.js">');
    expect(html).toContain('data-endpoint="/graphql"');
  });

  it('leaves GraphQL requests to the next handler', async () => {
    const json = await fetch(`${baseUrl}/graphql`, { headers: { accept: 'application/json' } });
    const anything = await fetch(`${baseUrl}/graphql`, { headers: { accept: '*/*' } });
    const getQuery = await fetch(`${baseUrl}/graphql?query=%7Bviewer%7D`, { headers: { accept: 'text/html' } });
    for (const response of [json, anything, getQuery]) expect(await response.text()).toBe('fell through');
  });

  it('caches hashed assets forever, the rest only with revalidation', async () => {
    const asset = await fetch(`${baseUrl}/graphiql-assets/app-AAAAAAAA.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const manifest = await fetch(`${baseUrl}/graphiql-assets/manifest.json`);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 503 with build instructions when the bundle is missing', async () => {
    const response = await fetch(`${baseUrl}/missing/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('npm run build');
  });
});

// Echoes what authentication reached the server: the Authorization header over
// HTTP, connection_init's Authorization over graphql-ws.
const schema = buildSchema(`
  type Query { viewer: String }
  type Subscription { ticks: String }
`);

interface EchoContext {
  authorization: string | undefined;
}

const queryRoot = {
  viewer: (_args: unknown, context: EchoContext) => context.authorization ?? null,
};

const subscriptionRoot = {
  // graphql-js resolves each yielded event as the root value of the selection.
  async *ticks(_args: unknown, context: EchoContext) {
    for (let tick = 1; tick <= 3; tick++) {
      await sleep(200);
      yield { ticks: `tick ${tick}: ${context.authorization ?? 'none'}` };
    }
  },
};

const API_KEY = 'Bearer test-key-123';


/** Types an operation, then waits for GraphiQL to parse it (debounced): the tab takes its name. */
async function typeOperation(page: Page, operation: string, name: string): Promise<void> {
  await typeInto(page, QUERY_EDITOR, operation);
  await expect.poll(() => page.locator('#graphiql-session-tab-0').innerText()).toBe(name);
}

describe.skipIf(!chromiumPath)('GraphiQL in Chromium', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let baseUrl = '';
  const requested: string[] = [];
  const workers: string[] = [];
  const problems: string[] = [];
  const wsFramesReceived: string[] = [];
  const connectionParams: unknown[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(assetsDir, 'manifest.json'))) {
      execFileSync(process.execPath, [buildScript], { stdio: 'inherit' });
    }

    const app = express();
    app.use(graphiqlRouter({ assetsDir, endpoint: '/graphql' }));
    app.post('/graphql', express.json(), async (req, res) => {
      const { query, variables, operationName } = req.body as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      res.json(
        await graphql({
          schema,
          source: query,
          rootValue: queryRoot,
          contextValue: { authorization: req.get('authorization') } satisfies EchoContext,
          variableValues: variables,
          operationName,
        }),
      );
    });
    server = createServer(app);
    useServer(
      {
        schema,
        roots: { subscription: subscriptionRoot },
        onConnect: (ctx) => {
          connectionParams.push(ctx.connectionParams);
        },
        context: (ctx): EchoContext => {
          const authorization = ctx.connectionParams?.['Authorization'];
          return { authorization: typeof authorization === 'string' ? authorization : undefined };
        },
      },
      new WebSocketServer({ server, path: '/graphql' }),
    );
    baseUrl = await listen(server);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    context.on('request', (request) => requested.push(request.url()));
    context.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    context.on('console', (message) => {
      // Monaco only warns when it cannot start a worker and falls back to the main thread.
      if (message.type() === 'error' || (message.type() === 'warning' && /worker|content security policy/i.test(message.text()))) {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('worker', (worker) => workers.push(worker.url()));
    page.on('websocket', (socket) => {
      requested.push(socket.url());
      socket.on('framereceived', (frame) => wsFramesReceived.push(String(frame.payload)));
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await close(server);
  });

  it('renders with the default operation and headers', async () => {
    await page.goto(`${baseUrl}/graphql`);
    await expect.poll(() => editorText(page, QUERY_EDITOR), { timeout: 30_000 }).toContain('query Viewer {');
    expect(await editorText(page, HEADERS_EDITOR)).toContain('"Authorization": "Bearer <your API key>"');
  }, 60_000);

  it('runs a query over HTTP with the headers from the headers editor', async () => {
    await typeInto(page, HEADERS_EDITOR, `{"Authorization": "${API_KEY}"}`);
    await typeOperation(page, 'query Viewer { viewer }', 'Viewer');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESPONSE), { timeout: 45_000 }).toContain(`"viewer": "${API_KEY}"`);
  }, 90_000);

  it('streams a subscription over graphql-ws, authenticated via connection_init', async () => {
    await typeOperation(page, 'subscription Ticks { ticks }', 'Ticks');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESPONSE), { timeout: 45_000 }).toContain(`"ticks": "tick 3: ${API_KEY}"`);
    expect(connectionParams).toEqual([{ Authorization: API_KEY }]);
    const nextMessages = wsFramesReceived.filter((frame) => (JSON.parse(frame) as { type: string }).type === 'next');
    expect(nextMessages).toHaveLength(3);
    await page.screenshot({ path: '/tmp/graphiql.png' });
  }, 90_000);

  it('keeps the key out of every storage the page writes, history included', async () => {
    await typeOperation(page, 'query Again { viewer }', 'Again');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESPONSE), { timeout: 45_000 }).toContain(`"viewer": "${API_KEY}"`);
    const stored = await page.evaluate(() => {
      const dump = (storage: Storage) => Object.fromEntries(Object.keys(storage).map((key) => [key, storage.getItem(key)]));
      return { local: dump(localStorage), session: dump(sessionStorage), cookies: (globalThis as unknown as { document: { cookie: string } }).document.cookie };
    });
    // History was written (two runs), but without the headers they ran with.
    expect(stored.local['graphiql:queries']).toContain('query Again');
    expect(stored.local['graphiql:queries']).toContain('query Viewer');
    const everything = JSON.stringify(stored);
    expect(everything).not.toContain('test-key-123');
    expect(everything).not.toMatch(/authorization/i);
    // A reload starts without the key in the headers editor, and the history still lists the runs.
    await page.reload();
    await expect.poll(() => editorText(page, QUERY_EDITOR), { timeout: 30_000 }).toContain('Again');
    expect(await editorText(page, HEADERS_EDITOR)).not.toContain('test-key-123');
  }, 90_000);

  it('loaded everything, workers included, from the local server only', () => {
    const local = new URL(baseUrl).host;
    const remote = requested.filter((url) => {
      const { protocol, host } = new URL(url);
      return protocol !== 'data:' && protocol !== 'blob:' && host !== local;
    });
    expect(remote).toEqual([]);
    // Monaco may start several instances of a worker (json: one per JSON editor).
    expect([...new Set(workers.map((url) => new URL(url).pathname))].sort()).toEqual([
      expect.stringMatching(/^\/graphiql-assets\/editor\.worker-\w+\.js$/),
      expect.stringMatching(/^\/graphiql-assets\/graphql\.worker-\w+\.js$/),
      expect.stringMatching(/^\/graphiql-assets\/json\.worker-\w+\.js$/),
    ]);
    expect(problems).toEqual([]);
  });
});
