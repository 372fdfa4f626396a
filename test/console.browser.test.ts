// The web console at /console: served with its CSP over HTTP, then driven in headless Chromium
// like a person would: sign in through /oauth, import a CSV through the wizard, manage API keys.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { appFixtures, describe, expect } from './support/fixtures.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { chromiumAvailable, launchChromium } from './support/browser.js';
import { baseUrl, createUser, graphql, registerClient } from './support/oauth-driver.js';
import type { TestApp } from './support/test-app.js';
import { registerConsoleClient } from '../src/modules/console/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hasChromium = chromiumAvailable('console.browser.test');
const SYSTEM = { type: 'system' as const, id: 'test' };

// The webhooks page's receiver listens on loopback, refused unless allowed; deliveries start fast.
const test = appFixtures({ WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_OUTBOX_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE: '0,1,1,1', WEBHOOK_TIMEOUT_MS: '3000' });

let browser: Browser | undefined;
let receiver: WebhookReceiver;

beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, 'dist', 'console', 'manifest.json'))) {
    execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-console.mjs')], { stdio: 'inherit' });
  }
  if (hasChromium) browser = await launchChromium();
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await browser?.close();
  await receiver.close();
});

/** Registers the console's client in this app's database and points the running app at it. */
async function setUpConsole(app: TestApp, organizationId: number): Promise<string> {
  const { clientId } = await registerConsoleClient(app.app.services.db, SYSTEM, organizationId, baseUrl(app));
  app.config.CONSOLE_CLIENT_ID = clientId;
  return clientId;
}

// The first test also starts the file's app (databases, migrations, queue): minutes on a busy machine.
describe('/console over HTTP', { timeout: 120_000 }, () => {
  test('503 with the way out until a public client is configured', async ({ app, org }) => {
    const missing = await fetch(`${baseUrl(app)}/console`);
    expect(missing.status).toBe(503);
    expect(await missing.text()).toContain('console register');

    // A confidential client cannot be the console's: it would need a secret in the page.
    const confidential = await registerClient(app, org.id, { scopes: ['org:read'], redirectUris: [`${baseUrl(app)}/console/callback`] });
    app.config.CONSOLE_CLIENT_ID = confidential.clientId;
    expect((await fetch(`${baseUrl(app)}/console`)).status).toBe(503);
    app.config.CONSOLE_CLIENT_ID = undefined;
  });

  test('the page carries a self-only CSP, the client settings and no secret', async ({ app, org }) => {
    const clientId = await setUpConsole(app, org.id);
    const response = await fetch(`${baseUrl(app)}/console/`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain(`data-client-id="${clientId}"`);
    expect(html).toContain(`data-redirect-uri="${baseUrl(app)}/console/callback"`);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('*');

    const script = /<script type="module" src="([^"]+)"/.exec(html)![1]!;
    const asset = await fetch(`${baseUrl(app)}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${baseUrl(app)}/console/assets/nothing-here.js`)).status).toBe(404);
  });

  test('the token endpoint takes requests from this origin (the console) and refuses every other origin', async ({ app, org }) => {
    const clientId = await setUpConsole(app, org.id);
    const form = { grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: clientId };
    const post = (origin: string) =>
      fetch(`${baseUrl(app)}/oauth/token`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    const sameOrigin = await post(baseUrl(app));
    expect(await sameOrigin.json()).toMatchObject({ error: 'invalid_grant' }); // past the origin check
    const elsewhere = await post('https://console.example.net');
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('not allowed') });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a browser on another host is sent to the public URL first (the sign-in cookies live there)', async ({ app }) => {
    const response = await fetch(`${app.url.replace(/\/graphql$/, '')}/console/#/keys`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${baseUrl(app)}/console/`);
  });
});

interface Session {
  context: BrowserContext;
  page: Page;
  /** Every access and refresh token the page received from /oauth/token. */
  tokens: string[];
  /** importProgress events seen on the WebSocket. */
  progress: Array<{ status: string; processedRows: number }>;
  problems: string[];
}

async function openConsole(app: TestApp, person: { email: string; password: string }, route = '#/imports'): Promise<Session> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl(app) });
  const page = await context.newPage();
  // Shorter than the test's timeout, so a step that never comes fails with its own message.
  page.setDefaultTimeout(45_000);
  const session: Session = { context, page, tokens: [], progress: [], problems: [] };
  page.on('pageerror', (error) => session.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') session.problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname !== '/oauth/token') return;
    void response.json().then((body: { access_token?: string; refresh_token?: string }) => {
      for (const token of [body.access_token, body.refresh_token]) if (token) session.tokens.push(token);
    });
  });
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { type: string; payload?: { data?: { importProgress?: { status: string; processedRows: number } } } };
      const event = message.payload?.data?.importProgress;
      if (message.type === 'next' && event) session.progress.push(event);
    });
  });

  await page.goto(`${baseUrl(app)}/console/${route}`);
  // Not signed in: the console sends the browser to the usual sign-in page, then consent.
  await page.waitForSelector('#email').catch(async (error: unknown) => {
    throw new Error(`no sign-in page at ${page.url()}: ${(await page.content()).slice(0, 2000)} ${session.problems.join('; ')}`, { cause: error });
  });
  await page.fill('#email', person.email);
  await page.fill('#password', person.password);
  await page.click('#sign-in');
  await page.waitForSelector('#approve');
  expect(await page.locator('h1').first().innerText()).toContain('Trestle console');
  await page.click('#approve');
  await page.waitForSelector('header.top').catch(async (error: unknown) => {
    throw new Error(`no console at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 1000)} ${session.problems.join('; ')}`, { cause: error });
  });
  expect(new URL(page.url()).pathname).toBe('/console/');
  expect(new URL(page.url()).hash).toBe(route);
  return session;
}

/** Screenshots of each page, kept as test artifacts in test-results/console/. */
async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'console', `${name}.png`), fullPage: true });
}

/** What the page keeps in Web Storage, and whether any token or secret is in it or in cookies. */
async function storageOf(page: Page): Promise<{ local: string; session: string; cookies: string }> {
  // A string: this file is type-checked without the DOM library.
  return page.evaluate<{ local: string; session: string; cookies: string }>('({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }), cookies: document.cookie })');
}

async function expectNothingStored(session: Session, secrets: string[] = []): Promise<void> {
  const stored = await storageOf(session.page);
  expect(stored.local).toBe('{}');
  expect(stored.session).toBe('{}');
  for (const secret of [...session.tokens, ...secrets]) {
    expect(stored.cookies).not.toContain(secret);
  }
}

const VENDORS_CSV = [
  'Vendor list exported 2026-12-01,,,',
  'Vendor Number,Company,E-mail,Terms',
  'V-001,Acme Concrete,ap@acme.example,net_30',
  'V-002,Beta Steel,not-an-address,net_30',
  'V-003,Gamma Lumber,ap@gamma.example,net_45',
  ',Delta Glass,ap@delta.example,net_15',
  'V-005,Epsilon Electric,ap@epsilon.example,net_60',
  '',
].join('\n');

// Chromium on a shared machine: each flow gets minutes, not the default 30 s.
describe.skipIf(!hasChromium)('the console in Chromium', { timeout: 180_000 }, () => {
  test('sign in through /oauth, tokens in memory only; a reload signs in again without a page', async ({ app, org }) => {
    await setUpConsole(app, org.id);
    const person = await createUser(app, org.id, 'admin');
    const session = await openConsole(app, person);
    await expect.poll(() => session.page.getByTestId('organization').innerText()).toBe(org.name);
    expect(session.tokens.length).toBeGreaterThanOrEqual(2); // access + refresh
    await expectNothingStored(session);

    // Memory only: a reload loses the tokens, and the sign-in session brings the page straight back.
    const before = session.tokens.length;
    await session.page.reload();
    await session.page.waitForSelector('header.top');
    await expect.poll(() => session.tokens.length).toBeGreaterThan(before);
    await expectNothingStored(session);

    await session.page.getByRole('button', { name: 'Sign out' }).click();
    await session.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(session.problems).toEqual([]);
    await session.context.close();
  });

  test('the import wizard: header on row 2, suggested mapping, dry run with errors per row, run with live progress to COMPLETED', async ({ app, org }) => {
    await setUpConsole(app, org.id);
    const person = await createUser(app, org.id, 'member');
    const session = await openConsole(app, person);
    const { page } = session;

    await page.locator('#import-type option[value="VENDORS"]').waitFor({ state: 'attached' });
    await page.selectOption('#import-type', 'VENDORS');
    await page.setInputFiles('#import-file', { name: 'vendors.csv', mimeType: 'text/csv', buffer: Buffer.from(VENDORS_CSV) });

    // The title line above the headers: the server found the header on row 2; the preview shows it.
    await page.getByRole('heading', { name: 'Sheet and header row' }).waitFor();
    expect(await page.inputValue('#header-row')).toBe('2');
    expect(await page.locator('tr.header-row').innerText()).toContain('Vendor Number');
    expect(await page.getByTestId('headers').innerText()).toBe('Vendor Number, Company, E-mail, Terms');
    await shoot(page, 'import-header-row');
    await page.getByRole('button', { name: 'Continue to the columns' }).click();

    // Suggested matches (aliases), with their confidence; every required field is mapped.
    expect(await page.getByLabel('Vendor Number').inputValue()).toBe('code');
    expect(await page.getByLabel('Company').inputValue()).toBe('name');
    expect(await page.getByLabel('E-mail').inputValue()).toBe('email');
    expect(await page.getByRole('table', { name: 'Column mapping' }).innerText()).toMatch(/alias/);
    // Ignoring a required column is flagged, and blocks the next step until it is mapped again.
    await page.getByLabel('Company').selectOption('');
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('Not mapped yet: Name');
    expect(await page.getByRole('button', { name: 'Check the rows' }).isDisabled()).toBe(true);
    await page.getByLabel('Company').selectOption('name');
    await page.getByRole('button', { name: 'Check the rows' }).click();

    // The dry run: counts, then the problems by row and column.
    await page.getByTestId('check-result').waitFor();
    await shoot(page, 'import-check');
    expect(await page.getByTestId('check-result').innerText()).toBe('5 rows checked: 2 with errors, 0 warnings.');
    const problems = await page.getByRole('table', { name: 'Problems by row' }).innerText();
    expect(problems).toContain('not-an-address');
    expect(problems).toMatch(/\b6\b\s+Vendor Number/); // the row without a code: file row 6
    await page.getByLabel('Column', { exact: true }).selectOption('E-mail');
    expect(await page.getByRole('table', { name: 'Problems by row' }).locator('tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('summary-status').waitFor();
    expect(await page.getByTestId('summary-status').innerText()).toBe('COMPLETED');
    expect(await page.getByTestId('summary-inserted').innerText()).toBe('3');
    expect(await page.getByTestId('summary-failed').innerText()).toBe('2');
    // The progress came live over graphql-ws, up to COMPLETED.
    expect(session.progress.map((p) => p.status)).toContain('COMPLETED');
    expect(session.progress.at(-1)).toMatchObject({ status: 'COMPLETED', processedRows: 5 });

    await shoot(page, 'import-summary');

    // The error report: the failed rows with their errors, downloaded by the browser.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the error report (CSV)' }).click()]);
    const report = await readFile(await download.path(), 'utf8');
    expect(report).toContain('not-an-address');
    expect(report).toContain('Delta Glass');
    expect(report).not.toContain('Acme Concrete');

    // A second file with the same columns, dropped on the page: the saved mapping is offered again.
    await page.getByRole('button', { name: 'Import another file' }).click();
    const dropped = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(VENDORS_CSV)}], 'vendors-again.csv', { type: 'text/csv' })); return dt; })()`,
    );
    await page.dispatchEvent('[data-testid="dropzone"]', 'drop', { dataTransfer: dropped });
    await page.getByRole('heading', { name: 'Sheet and header row' }).waitFor();
    expect(await page.locator('strong', { hasText: 'vendors-again.csv' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Continue to the columns' }).click();
    await page.getByText('The mapping saved for files with these columns was applied again').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'import-mapping-phone');

    // The records exist, for this organization.
    const key = await app.createKey(org.id, ['records:read']);
    const vendors = await graphql(app, key.plaintext, '{ vendors(first: 10) { nodes { code } } }');
    expect((vendors.body.data?.['vendors'] as { nodes: Array<{ code: string }> }).nodes.map((v) => v.code).sort()).toEqual(['V-001', 'V-003', 'V-005']);
    await expectNothingStored(session);
    expect(session.problems).toEqual([]);
    await session.context.close();
  });

  test('the wizard with a workbook: sheets listed with the hidden one marked, another sheet read on request', async ({ app, org }) => {
    await setUpConsole(app, org.id);
    const session = await openConsole(app, await createUser(app, org.id, 'member'));
    const { page } = session;
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Old vendors', { state: 'hidden' }).addRows([
      ['Supplier Code', 'Vendor Name'],
      ['OLD-1', 'Old One'],
    ]);
    workbook.addWorksheet('Vendors').addRows([['Vendors as of December'], ['Vendor Number', 'Company', 'E-mail'], ['X-1', 'Xylo Steel', 'ap@xylo.example']]);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());

    await page.locator('#import-type option[value="VENDORS"]').waitFor({ state: 'attached' });
    await page.selectOption('#import-type', 'VENDORS');
    await page.setInputFiles('#import-file', { name: 'vendors.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer });
    await page.getByRole('heading', { name: 'Sheet and header row' }).waitFor();
    // The first visible sheet with data is read, its header found on row 2; the hidden one is marked.
    expect(await page.getByRole('radio', { name: /^Vendors/ }).isChecked()).toBe(true);
    expect(await page.locator('label.radio', { hasText: 'Old vendors' }).innerText()).toContain('hidden');
    expect(await page.inputValue('#header-row')).toBe('2');
    expect(await page.getByTestId('headers').innerText()).toBe('Vendor Number, Company, E-mail');

    await page.getByRole('radio', { name: /^Old vendors/ }).check();
    await page.fill('#header-row', '1');
    await page.getByRole('button', { name: 'Read the file again' }).click();
    await expect.poll(() => page.getByTestId('headers').innerText()).toBe('Supplier Code, Vendor Name');
    await page.getByRole('button', { name: 'Continue to the columns' }).click();
    expect(await page.getByLabel('Supplier Code').inputValue()).toBe('code');
    expect(await page.getByLabel('Vendor Name').inputValue()).toBe('name');
    expect(session.problems).toEqual([]);
    await session.context.close();
  });

  test('API keys: create with scopes, the secret shown once and copied, then revoked; a viewer may not; another organization sees none', async ({ app, org }) => {
    await setUpConsole(app, org.id);
    const admin = await createUser(app, org.id, 'admin');
    const session = await openConsole(app, admin, '#/keys');
    const { page } = session;

    await page.fill('#key-name', 'Nightly export');
    await page.getByRole('checkbox', { name: /imports:read/ }).check();
    await page.getByRole('checkbox', { name: /org:read/ }).check();
    await page.getByRole('button', { name: 'Create the key' }).click();
    const secret = await page.getByTestId('new-secret').innerText();
    expect(secret).toMatch(/^trk_live_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);

    const viewer = await graphql(app, secret, '{ viewer { scopes } }');
    expect(viewer.body.data).toEqual({ viewer: { scopes: ['imports:read', 'org:read'] } });
    const row = page.locator('tr', { hasText: 'Nightly export' });
    expect(await row.getByTestId('key-status').innerText()).toBe('ACTIVE');
    await shoot(page, 'api-keys');
    // Shown once: gone from the page once stored.
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByText(secret).count()).toBe(0);

    await row.getByRole('button', { name: 'Revoke…' }).click();
    await row.getByRole('button', { name: 'Revoke “Nightly export” now' }).click();
    await expect.poll(() => row.getByTestId('key-status').innerText()).toBe('REVOKED');
    const refused = await graphql(app, secret, '{ viewer { scopes } }');
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    await expectNothingStored(session, [secret]);
    expect(session.problems).toEqual([]);
    await session.context.close();

    // A viewer's token carries no keys scope: the page says so.
    const onlyViewer = await openConsole(app, await createUser(app, org.id, 'viewer'), '#/keys');
    await expect.poll(() => onlyViewer.page.getByRole('alert').first().innerText()).toMatch(/scope|permission|not allowed/i);
    await onlyViewer.context.close();

    // An admin of another organization does not see this organization's keys.
    const other = await app.createOrganization('Other builder');
    const stranger = await openConsole(app, await createUser(app, other.id, 'admin'), '#/keys');
    await stranger.page.getByText('No keys yet.').waitFor();
    await stranger.context.close();
  });

  test('webhooks: add an endpoint (secret once), send a test, read the attempts log, redeliver a message', async ({ app, org }) => {
    await setUpConsole(app, org.id);
    const session = await openConsole(app, await createUser(app, org.id, 'admin'), '#/webhooks');
    const { page } = session;
    // Made before the endpoint exists, so that only the key made below is an event for it.
    const key = await app.createKey(org.id, ['keys:write', 'records:read']);

    await page.fill('#webhook-name', 'ERP sync');
    await page.fill('#webhook-url', receiver.url);
    await page.locator('input[value="api_key.created"]').check();
    await page.getByText('Schema of api_key.created').click();
    expect(await page.locator('details.schema[open] pre').innerText()).toContain('"type"');
    await page.getByRole('button', { name: 'Add the endpoint' }).click();
    expect(await page.getByTestId('new-secret').innerText()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    const row = page.locator('tr', { hasText: 'ERP sync' });
    expect(await row.getByTestId('webhook-status').innerText()).toBe('ACTIVE');

    await row.getByRole('button', { name: 'Attempts of ERP sync' }).click();
    await shoot(page, 'webhooks');
    const tests = receiver.ofType('webhook.test').length;
    await page.getByRole('button', { name: 'Send a test event' }).click();
    expect(await page.getByTestId('webhook-note').innerText()).toBe('Test delivered: HTTP 200.');
    expect(receiver.ofType('webhook.test').length).toBe(tests + 1);

    // A real event (a key created over the API), in the log with its request and answer; then again.
    const made = await graphql(app, key.plaintext, 'mutation { createApiKey(input: { name: "from the ERP", scopes: ["records:read"] }) { apiKey { id } } }');
    expect(made.body.errors).toBeUndefined();
    await expect.poll(() => receiver.ofType('api_key.created').filter((d) => JSON.stringify(d.json.data).includes('from the ERP')).length, { timeout: 30_000 }).toBe(1).catch((error: unknown) => {
      throw new Error(`received: ${receiver.received.map((d) => d.body.slice(0, 300)).join(' | ')}`, { cause: error });
    });
    const attempts = page.getByRole('table', { name: 'Delivery attempts' });
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return attempts.locator('tr', { hasText: 'api_key.created' }).count();
      }, { timeout: 30_000 })
      .toBe(1);
    const delivered = attempts.locator('tr', { hasText: 'api_key.created' });
    expect(await delivered.getByTestId('attempt-answer').innerText()).toMatch(/^OK 200/);
    await delivered.getByText('Show').click();
    expect(await delivered.locator('pre').first().innerText()).toContain('from the ERP');
    await delivered.getByRole('button', { name: 'Redeliver' }).click();
    expect(await page.getByTestId('webhook-note').innerText()).toMatch(/^Redelivery queued/);
    await expect.poll(() => receiver.ofType('api_key.created').filter((d) => JSON.stringify(d.json.data).includes('from the ERP')).length, { timeout: 30_000 }).toBe(2);
    expect(session.problems).toEqual([]);
    await session.context.close();
  });
});
