import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { AppError, type ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import { unavailableFrom } from '../db/errors.js';

/** The HTTP status that goes with each error code when it fails a whole request. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_USER_INPUT':
    case 'QUERY_TOO_COMPLEX':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'RATE_LIMITED':
      return 429;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** An AppError as a GraphQLError carrying its code, context and HTTP status (used before execution). */
export function toGraphQLError(error: AppError): GraphQLError {
  const headers = new Map<string, string>();
  const retryAfter = error.context['retryAfter'];
  if (typeof retryAfter === 'number') headers.set('retry-after', String(retryAfter));
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: {
      code: error.code,
      ...error.context,
      http: { status: httpStatusFor(error.code), headers },
    },
  });
}

const KNOWN_GRAPHQL_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * The one place where errors become what a client sees. AppErrors keep their code and safe
 * context; errors that a client caused keep their message; everything else becomes
 * INTERNAL_SERVER_ERROR with no message detail and no stack, and is logged in full.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const caught = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const unavailable = caught instanceof AppError ? null : unavailableFrom(caught);
    if (unavailable) logger.warn({ err: caught }, 'a database is unreachable: answered SERVICE_UNAVAILABLE');
    const original = unavailable ?? caught;
    if (original instanceof AppError) {
      return {
        ...formatted,
        message: original.message,
        extensions: { code: original.code, ...original.context },
      };
    }
    if (original instanceof ArgumentValidationError) {
      return {
        ...formatted,
        message: 'Argument validation failed',
        extensions: { code: 'BAD_USER_INPUT' },
      };
    }
    // Apollo re-wraps validation errors as GRAPHQL_VALIDATION_FAILED; a rule of ours that set
    // its own code (QUERY_TOO_COMPLEX) keeps it.
    if (original instanceof GraphQLError && original !== error && typeof original.extensions['code'] === 'string') {
      const { http: _http, ...extensions } = original.extensions;
      return { ...formatted, extensions };
    }
    const code = formatted.extensions?.['code'];
    const deliberate = error instanceof GraphQLError && error.originalError === undefined && typeof code === 'string';
    if (typeof code === 'string' && (KNOWN_GRAPHQL_CODES.has(code) || deliberate)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    if (original instanceof GraphQLError && original.originalError === undefined && code === undefined) {
      // Raised by graphql-js itself while coercing variables or values: the caller's mistake.
      return { ...formatted, extensions: { code: 'BAD_USER_INPUT' } };
    }
    logger.error({ err: original }, 'unexpected error in GraphQL operation');
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
