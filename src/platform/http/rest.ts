import type { Request, RequestHandler, Response } from 'express';
import type { Principal } from '../auth/principal.js';
import { hasScope, type Scope } from '../auth/scopes.js';
import { AppError, AuthenticationError, ForbiddenError } from '../errors/app-error.js';
import { httpStatusFor } from '../graphql/errors.js';
import { unavailableFrom } from '../db/errors.js';
import type { Logger } from '../logging/logger.js';
import type { RequestGate } from './request-gate.js';

/**
 * A REST handler of the shim: the request passes the same gate as GraphQL (credential, rate
 * limits), needs `scope`, and errors leave as JSON `{ error: { code, message, … } }` with the
 * status of their code, never a stack.
 */
export function restHandler(
  deps: { gate: RequestGate; logger: Logger },
  scope: Scope,
  handle: (req: Request, res: Response, principal: Principal) => Promise<void>,
): RequestHandler {
  return async (req, res) => {
    try {
      const apiKey = req.headers['x-api-key'];
      const gate = await deps.gate({ authorization: req.headers.authorization, apiKey: typeof apiKey === 'string' ? apiKey : undefined }, req.ip ?? 'unknown');
      for (const [name, value] of Object.entries(gate.headers)) res.setHeader(name, value);
      if (!gate.principal) throw new AuthenticationError('MISSING', 'Authentication required: send an API key as "Authorization: Bearer <key>"');
      if (!hasScope(gate.principal.scopes, scope)) {
        throw new ForbiddenError(`This operation requires the scope ${scope}`, { reason: 'INSUFFICIENT_SCOPE', requiredScopes: [scope] });
      }
      await handle(req, res, gate.principal);
    } catch (caught) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const error = caught instanceof AppError ? caught : (unavailableFrom(caught) ?? caught);
      if (error instanceof AppError) {
        const retryAfter = error.context['retryAfter'];
        if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
        // A refused upload may not have been read to the end: close rather than keep the socket.
        if (error.code === 'PAYLOAD_TOO_LARGE') res.setHeader('Connection', 'close');
        res.status(httpStatusFor(error.code)).json({ error: { code: error.code, message: error.message, ...error.context } });
        return;
      }
      deps.logger.error({ err: error, path: req.originalUrl }, 'REST handler failed');
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    }
  };
}

/** The audit actor of a REST request. */
export function restActor(principal: Principal, res: Response) {
  return { type: principal.kind, id: principal.id, requestId: String(res.locals['requestId'] ?? '') };
}
