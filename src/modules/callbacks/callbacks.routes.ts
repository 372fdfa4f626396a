import express, { Router, type ErrorRequestHandler, type Response } from 'express';
import { handshakeOf } from './callbacks.msgraph.js';
import { isCallbackProvider } from './callbacks.protocol.js';
import { CALLBACK_PROTOCOLS } from './callbacks.registry.js';
import { receiveCallback, type CallbackSettings, type ReceiveDeps } from './callbacks.service.js';

/**
 * POST /hooks/:provider/:connectionId — providers' callbacks (quickbooks, msgraph, autodesk).
 * No API key: each request proves itself with the provider's own signature, checked against the
 * connection's secret on the raw bytes (a parser of this route only; never a global one).
 */
export function callbacksRouter(deps: ReceiveDeps & { settings: CallbackSettings }): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: deps.settings.bodyLimitBytes });
  const fail = (res: Response, status: number, code: string, message: string) => {
    res.status(status).json({ error: { code, message } });
  };

  router.post(
    '/:provider/:connectionId',
    (req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      if (!isCallbackProvider(req.params.provider)) {
        fail(res, 404, 'NOT_FOUND', 'No callbacks are received for this provider');
        return;
      }
      // Microsoft Graph's subscription handshake: echo the token at once, before any lookup,
      // so it answers alike for every id (Graph allows 10 seconds).
      if (req.params.provider === 'msgraph') {
        const handshake = handshakeOf(req.query);
        if (handshake.kind === 'invalid') {
          fail(res, 400, 'BAD_USER_INPUT', 'validationToken must be one non-empty value');
          return;
        }
        if (handshake.kind === 'token') {
          res.setHeader('Content-Security-Policy', "default-src 'none'");
          res.status(200).type('text/plain; charset=utf-8').send(handshake.token);
          return;
        }
      }
      next();
    },
    raw,
    async (req, res) => {
      const protocol = CALLBACK_PROTOCOLS[req.params['provider'] as keyof typeof CALLBACK_PROTOCOLS];
      const idParam = String(req.params['connectionId']);
      const outcome = await receiveCallback(
        deps,
        protocol,
        { connectionId: /^[1-9]\d{0,17}$/.test(idParam) ? Number(idParam) : null, requestId: String(res.locals['requestId'] ?? '') },
        { headers: req.headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) },
      );
      switch (outcome.kind) {
        case 'accepted':
          res.status(protocol.acceptedStatus).json({ received: true, duplicate: outcome.duplicate });
          return;
        case 'rejected':
          fail(res, 401, 'UNAUTHENTICATED', 'The callback could not be verified');
          return;
        case 'bad_payload':
          fail(res, 400, 'BAD_USER_INPUT', outcome.message);
          return;
        default: {
          const never: never = outcome;
          throw new Error(`unexpected outcome ${String(never)}`);
        }
      }
    },
  );

  const onError: ErrorRequestHandler = (error: { type?: string; status?: number }, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error.type === 'entity.too.large') {
      // The rest of the body may be unread: close rather than keep the socket.
      res.setHeader('Connection', 'close');
      fail(res, 413, 'PAYLOAD_TOO_LARGE', `Callback bodies are limited to ${deps.settings.bodyLimitBytes} bytes`);
      return;
    }
    if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      fail(res, error.status, 'BAD_USER_INPUT', 'The request body could not be read');
      return;
    }
    deps.logger.error({ err: error, path: req.path, requestId: res.locals['requestId'] as string | undefined }, 'callback handling failed');
    fail(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
  router.use(onError);
  return router;
}
