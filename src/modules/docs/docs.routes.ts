import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { openApiDocument } from './openapi.document.js';

const require = createRequire(import.meta.url);

/**
 * GET /api/v1/openapi.json and the Swagger UI at /api/docs, served from swagger-ui-dist in
 * node_modules: no CDN, so the page works offline.
 */
export function docsRouter(): Router {
  const router = Router();
  const document = openApiDocument();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json(document);
  });
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  // Only the bundle: the package's stock pages (index.html, oauth2-redirect.html) are not served.
  router.use('/api/docs/assets', (req, res, next) => (/\.html?$/i.test(req.path) ? res.status(404).type('text/plain').send('Not found') : next()));
  router.use('/api/docs/assets', express.static(assets, { index: false, maxAge: '1h' }));
  router.get('/api/docs', (_req, res) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Trestle REST shim</title>
    <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>`);
  });
  // Inline scripts are blocked by the page's CSP; the initializer is a file of its own.
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').send("window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', validatorUrl: null });\n");
  });
  return router;
}
