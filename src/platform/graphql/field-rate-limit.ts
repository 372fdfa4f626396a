import type { MiddlewareFn } from 'type-graphql';
import { RateLimitedError } from '../errors/app-error.js';
import type { FieldLimit } from '../rate-limit/field-limiter.js';
import type { GraphQLContext } from './context.js';

/**
 * A per-field limit for an expensive operation, on top of the per-key request limit:
 * `@UseMiddleware(fieldRateLimit({ max: 20, window: '1m' }))`. Counted per caller across
 * every server process.
 */
export function fieldRateLimit(limit: FieldLimit): MiddlewareFn<GraphQLContext> {
  return async ({ context, args, info, root }, next) => {
    const principal = context.principal;
    // Unauthenticated calls are refused by the auth checker; nothing to count here.
    if (!principal || principal.rateLimitPerHour === null) return (await next()) as unknown;
    const identity = `${principal.kind}:${principal.id}`;
    const result = await context.services.fieldLimiter.check(identity, limit, { parent: root, args, info });
    if (!result.allowed) {
      throw new RateLimitedError(
        `Too many ${info.fieldName} calls: at most ${limit.max} per ${limit.window}`,
        result.retryAfterSeconds,
        { field: info.fieldName },
      );
    }
    return (await next()) as unknown;
  };
}
