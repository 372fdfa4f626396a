import { Router, type ErrorRequestHandler } from 'express';
import { consentRoutes, showConsent } from './oauth.consent.js';
import { interactionKit, type InteractionDeps } from './oauth.interaction-kit.js';
import { loginRoutes, showLogin } from './oauth.login.js';
import { renderErrorPage } from './oauth.pages.js';

/*
 * The pages of the authorization flow at /oauth/interaction/:uid: GET shows the current step
 * (sign-in, then consent); each step's form posts to its own route. Every post needs
 * oidc-provider's interaction cookie (SameSite=Lax, bound to the uid) and a form token.
 */

export type { FindSsoLogin, LoginThrottle, InteractionDeps } from './oauth.interaction-kit.js';

export function interactionsRouter(deps: InteractionDeps): Router {
  const router = Router();
  const kit = interactionKit(deps);

  router.get('/:uid', async (req, res, next) => {
    try {
      const found = await kit.interaction(req, res, 'any', false);
      if (!found) return;
      if (found.details.prompt.name === 'login') return await showLogin(kit, found, req, res);
      if (found.details.prompt.name === 'consent') return await showConsent(kit, found, req, res);
      kit.html(res, 400, renderErrorPage('invalid_request', `Unsupported step ${found.details.prompt.name}`));
    } catch (error) {
      next(error);
    }
  });
  loginRoutes(router, kit);
  consentRoutes(router, kit);
  // Failures answer as a page, like the rest of the flow: a too-large or malformed form with its
  // status, anything else as a 500 that is logged and shows no detail.
  const onError: ErrorRequestHandler = (error: { status?: number; expose?: boolean }, req, res, _next) => {
    if (res.headersSent) return;
    if (error.expose && error.status && error.status >= 400 && error.status < 500) {
      return kit.html(res, error.status, renderErrorPage('invalid_request', 'The form could not be read.'));
    }
    deps.logger.error({ err: error, path: req.path }, 'OAuth interaction failed');
    kit.html(res, 500, renderErrorPage('server_error', 'Something went wrong. Go back to the application and try again.'));
  };
  router.use(onError);
  return router;
}
