import { Router } from 'express';
import type { Logger } from '../../platform/logging/logger.js';
import { completeConnect, OAuthCallbackError, type IntegrationDeps } from './integrations.service.js';
import { OAUTH_CALLBACK_PATH } from './integrations.settings.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

/**
 * GET /api/v1/integrations/oauth/callback — where the provider sends the person's browser back
 * after connectIntegration. Authenticated by its single-use state, not by an API key; answers a
 * short HTML page (no tokens, no stack traces), with no caching and no referrer.
 */
export function integrationsRouter(deps: IntegrationDeps & { logger: Logger }): Router {
  const router = Router();
  router.get(OAUTH_CALLBACK_PATH.replace(/^\/api\/v1/, ''), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', "default-src 'none'");
    const query: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.query)) if (typeof value === 'string') query[key] = value;
    try {
      const connection = await completeConnect(deps, query);
      res.status(200).type('html').send(page('Connected', `${connection.name} is connected. You can close this window.`));
    } catch (error) {
      if (error instanceof OAuthCallbackError) {
        res.status(error.status).type('html').send(page('Not connected', error.message));
        return;
      }
      deps.logger.error({ err: error }, 'OAuth callback failed');
      res.status(500).type('html').send(page('Not connected', 'Something went wrong on our side; it was logged. Start again from the application.'));
    }
  });
  return router;
}
