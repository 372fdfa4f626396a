import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Db } from '../../platform/db/mysql.js';
import { oauthClients } from '../oauth/index.js';
import { parseManifest, type Manifest } from '../../platform/http/graphiql.js';

/*
 * The web console at /console: one HTML page plus the bundle scripts/build-console.mjs wrote to
 * dist/console. The page is a first-party *public* OAuth client (authorization code + PKCE): it
 * signs people in through /oauth (so the sign-in, SSO and consent pages are the usual ones) and
 * calls /graphql with the person's token, like any partner app. Nothing here grants access.
 */

export interface ConsoleRouterOptions {
  db: Db;
  /** Directory written by scripts/build-console.mjs, normally <repo>/dist/console. */
  assetsDir: string;
  /** The public OAuth client the console signs in as (CONSOLE_CLIENT_ID); read on every page load. */
  clientId: () => string | undefined;
  publicUrl: () => string;
  /** Send a browser that reached another host than the public URL's there (cookies live there). */
  redirectToPublicHost: boolean;
}

/** Entry files of the bundle, written by the build next to the hashed assets. */
export const CONSOLE_PATH = '/console';
const ASSETS_PATH = `${CONSOLE_PATH}/assets`;
/** Where /oauth sends the browser back with the code; register it on the console's client. */
export const CONSOLE_CALLBACK_PATH = `${CONSOLE_PATH}/callback`;

// Every bundle file but manifest.json carries an esbuild content hash: "name-HASH.ext".
const HASHED_FILE = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/**
 * Only our own origin provides code, styles and connections; no inline script or style at all
 * (React sets style properties through the CSSOM, which style-src does not govern). Forms post
 * nowhere: the console talks to /graphql and /oauth/token with fetch.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // graphql-ws subscriptions; older Safari does not let 'self' cover ws: and wss:.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleRouter(options: ConsoleRouterOptions): Router {
  const router = express.Router();
  const manifestPath = path.join(options.assetsDir, 'manifest.json');

  router.use(
    ASSETS_PATH,
    express.static(options.assetsDir, {
      index: false,
      cacheControl: false, // set per file below
      setHeaders(res, filePath) {
        const hashed = HASHED_FILE.test(path.basename(filePath));
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );

  // The page answers every console path (the app routes by its URL hash; /callback gets the code).
  router.get([CONSOLE_PATH, `${CONSOLE_PATH}/`, CONSOLE_CALLBACK_PATH], async (req: Request, res: Response) => {
    const base = new URL(options.publicUrl());
    if (options.redirectToPublicHost && req.get('host') !== base.host) {
      res.redirect(302, `${base.origin}${req.originalUrl}`);
      return;
    }
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': CONSOLE_CSP, 'X-Frame-Options': 'DENY' });

    // Read on every page load (it is tiny) so a bundle built while the server runs is picked up.
    let manifest: Manifest | undefined;
    try {
      manifest = parseManifest(await readFile(manifestPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (manifest === undefined) {
      res.status(503).type('text/plain').send('The console is not built (dist/console/manifest.json is missing). Run `npm run build`, then reload.\n');
      return;
    }
    const client = await consoleClient(options.db, options.clientId());
    if (!client) {
      res
        .status(503)
        .type('text/plain')
        .send(
          `The console has no OAuth client. Register a public client whose redirect URI is ${base.origin}${CONSOLE_CALLBACK_PATH} ` +
            '(`npm run trestle -- console register --organization <id>`), set CONSOLE_CLIENT_ID to its client id, and restart.\n',
        );
      return;
    }
    res.type('html').send(
      renderPage({
        script: `${ASSETS_PATH}/${manifest.script}`,
        stylesheet: `${ASSETS_PATH}/${manifest.stylesheet}`,
        clientId: client.clientId,
        scopes: client.scopes.filter((s) => s !== '*').join(' '),
        redirectUri: `${base.origin}${CONSOLE_CALLBACK_PATH}`,
      }),
    );
  });

  return router;
}

/** The console's client, when it exists, is public and may send the browser back to the console. */
async function consoleClient(db: Db, clientId: string | undefined): Promise<{ clientId: string; scopes: string[] } | null> {
  if (!clientId) return null;
  const [row] = await db
    .select({ clientId: oauthClients.clientId, scopes: oauthClients.scopes, redirectUris: oauthClients.redirectUris })
    .from(oauthClients)
    .where(and(eq(oauthClients.clientId, clientId), eq(oauthClients.isConfidential, false)));
  if (!row || !row.redirectUris.some((uri) => new URL(uri).pathname === CONSOLE_CALLBACK_PATH)) return null;
  return { clientId: row.clientId, scopes: row.scopes };
}

// No inline script (the CSP forbids it): the app reads its settings from data- attributes.
function renderPage(page: { script: string; stylesheet: string; clientId: string; scopes: string; redirectUri: string }): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Trestle console</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${escapeHtml(page.stylesheet)}">
    <script type="module" src="${escapeHtml(page.script)}"></script>
  </head>
  <body>
    <div id="console" data-client-id="${escapeHtml(page.clientId)}" data-scopes="${escapeHtml(page.scopes)}" data-redirect-uri="${escapeHtml(page.redirectUri)}" data-oauth="/oauth" data-graphql="/graphql"></div>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
