import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../platform/db/mysql.js';
import { BadInputError } from '../../platform/errors/app-error.js';
import type { RequestGate } from '../../platform/http/request-gate.js';
import { restActor, restHandler } from '../../platform/http/rest.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { PgPubSub } from '../../platform/queue/pubsub.js';
import { announceAudit } from '../audit/index.js';
import { createApiKey, updateApiKey } from './keys.service.js';
import { KEY_ENVIRONMENTS } from './keys.table.js';
import { toApiKey } from './keys.types.js';
import type { KeyVerifier } from './keys.verifier.js';

// Shapes only; ranges and names are checked by the service, as for GraphQL.
const CreateRequest = z
  .object({
    name: z.string(),
    scopes: z.array(z.string()),
    environment: z.enum(KEY_ENVIRONMENTS).optional(),
    rateLimit: z.number().nullable().optional(),
    burstLimit: z.number().nullable().optional(),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();

const UpdateRequest = z
  .object({ name: z.string().optional(), rateLimit: z.number().optional(), burstLimit: z.number().nullable().optional() })
  .strict();

function parse<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BadInputError(`Invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The REST side of API keys, the same operations as GraphQL's createApiKey and updateApiKey:
 *   POST  /api/v1/keys        JSON { name, scopes, environment?, rateLimit?, burstLimit?, expiresAt? } → 201 { apiKey, plaintextKey }
 *   PATCH /api/v1/keys/{id}   JSON { name?, rateLimit?, burstLimit? } (burstLimit null: the deployment's default) → { apiKey }
 */
export function keysRouter(deps: { db: Db; gate: RequestGate; logger: Logger; pubsub: PgPubSub; verifier: KeyVerifier; defaultRateLimit: number }): Router {
  const router = Router();
  const body = express.json({ limit: '16kb' });
  router.post(
    '/keys',
    body,
    restHandler(deps, 'keys:write', async (req, res, principal) => {
      const input = parse(CreateRequest, req.body, 'key');
      const created = await createApiKey(
        deps.db,
        restActor(principal, res),
        principal.scopes,
        { ...input, organizationId: principal.organizationId, expiresAt: input.expiresAt ? new Date(input.expiresAt) : null },
        deps.defaultRateLimit,
      );
      created.audit.forEach((event) => announceAudit(deps.pubsub, event));
      res.status(201).json({ apiKey: toApiKey(created.key), plaintextKey: created.plaintext });
    }),
  );
  router.patch(
    '/keys/:id',
    body,
    restHandler(deps, 'keys:write', async (req, res, principal) => {
      const id = String(req.params['id']);
      if (!/^\d{1,18}$/.test(id)) throw new BadInputError('id is not a valid id', { field: 'id' });
      const result = await updateApiKey(deps.db, restActor(principal, res), principal.organizationId, Number(id), parse(UpdateRequest, req.body, 'key update'));
      deps.verifier.forget(result.key.keyHash);
      result.audit.forEach((event) => announceAudit(deps.pubsub, event));
      res.json({ apiKey: toApiKey(result.key) });
    }),
  );
  return router;
}
