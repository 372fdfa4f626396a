import { readFile } from 'node:fs/promises';
import path from 'node:path';
import express from 'express';
import type { Router } from 'express';

export interface GraphiqlRouterOptions {
  /** Directory written by scripts/build-graphiql.mjs, normally <repo>/dist/graphiql. */
  assetsDir: string;
  /** Path of the GraphQL endpoint (e.g. /graphql); browsers get the IDE there. */
  endpoint: string;
}

/** Entry files of a bundle (GraphiQL's, the console's), written by the build next to the hashed assets. */
export interface Manifest {
  script: string;
  stylesheet: string;
}

const ASSETS_PATH = '/graphiql-assets';

// Every bundle file but manifest.json carries an esbuild content hash: "name-HASH.ext".
const HASHED_FILE = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

// Only our own origin may provide code, so the browser itself blocks any CDN load.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Monaco creates <style> elements and style attributes at runtime.
  "style-src 'self' 'unsafe-inline'",
  // GraphiQL's Roboto and Fira Code fonts are inlined into its CSS as data: URLs.
  "font-src 'self' data:",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  // graphql-ws subscriptions; older Safari does not let 'self' cover ws: and wss:.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves GraphiQL, bundled by scripts/build-graphiql.mjs, at the GraphQL endpoint
 * itself: a browser navigating to GET <endpoint> gets the IDE; every other request
 * (POST, GET with ?query=, JSON Accept headers) falls through to the GraphQL server.
 * Mount it before the GraphQL middleware.
 */
export function graphiqlRouter({ assetsDir, endpoint }: GraphiqlRouterOptions): Router {
  const router = express.Router();
  const manifestPath = path.join(assetsDir, 'manifest.json');

  router.use(
    ASSETS_PATH,
    express.static(assetsDir, {
      index: false,
      cacheControl: false, // set per file below
      setHeaders(res, filePath) {
        const hashed = HASHED_FILE.test(path.basename(filePath));
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );

  router.get(endpoint, async (req, res, next) => {
    const wantsHtml =
      req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
    if (!wantsHtml || req.query['query'] !== undefined) {
      next();
      return;
    }
    // The response depends on Accept, and must not be cached across a rebuild.
    res.vary('Accept').set('Cache-Control', 'no-cache');

    // Read on every page load (it is tiny) so a bundle built while the server runs
    // is picked up without a restart.
    let manifest: Manifest | undefined;
    try {
      manifest = parseManifest(await readFile(manifestPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (manifest === undefined) {
      res
        .status(503)
        .type('text/plain')
        .send(`GraphiQL is not built (${manifestPath} is missing or invalid). Run \`npm run build\`, then reload.\n`);
      return;
    }

    const assets = `${req.baseUrl}${ASSETS_PATH}`;
    res
      .set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .type('html')
      .send(
        renderPage({
          script: `${assets}/${manifest.script}`,
          stylesheet: `${assets}/${manifest.stylesheet}`,
          endpoint: `${req.baseUrl}${endpoint}`,
        }),
      );
  });

  return router;
}

export function parseManifest(json: string): Manifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { script, stylesheet } = value as Record<string, unknown>;
  return typeof script === 'string' && typeof stylesheet === 'string' ? { script, stylesheet } : undefined;
}

// No inline script (the CSP forbids it): the app reads the endpoint from data-endpoint.
// The empty data: icon saves the browser a /favicon.ico request (and its 404).
function renderPage(urls: { script: string; stylesheet: string; endpoint: string }): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Trestle GraphiQL</title>
    <link rel="icon" href="data:,">
    <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
    <link rel="stylesheet" href="${escapeHtml(urls.stylesheet)}">
    <script type="module" src="${escapeHtml(urls.script)}"></script>
  </head>
  <body>
    <div id="graphiql" data-endpoint="${escapeHtml(urls.endpoint)}"></div>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
