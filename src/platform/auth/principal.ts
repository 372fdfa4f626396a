import { BadInputError } from '../errors/app-error.js';

/** Who is calling, as established from the request's credential. */
export interface Principal {
  kind: 'api_key' | 'oauth_token' | 'user' | 'anonymous_insecure';
  organizationId: number;
  /** The key, token or user id, as text. */
  id: string;
  /** Display form, such as a key prefix; never a secret. */
  label: string;
  scopes: readonly string[];
  /** Requests per hour, or null when the principal is not rate limited. */
  rateLimitPerHour: number | null;
  /** Requests per burst window; absent or null: the deployment's default (RATE_LIMIT_SPIKE). */
  burstLimit?: number | null;
}

/** Turns a request's headers into a principal; null when the request carries no credential. */
export type Authenticator = (headers: {
  authorization?: string | undefined;
  apiKey?: string | undefined;
}) => Promise<Principal | null>;

/**
 * Pulls the credential from `Authorization: Bearer …` or `X-API-Key`. Both at once are accepted
 * only when they carry the same credential: two different ones leave unclear whose request it
 * is, so it is refused (BAD_USER_INPUT, HTTP 400) rather than served as either.
 */
export function credentialFrom(headers: { authorization?: string | undefined; apiKey?: string | undefined }):
  | string
  | null {
  const apiKey = headers.apiKey?.trim() || null;
  const auth = headers.authorization?.trim();
  const bearer = auth ? (/^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? auth) : null;
  if (apiKey && bearer && apiKey !== bearer) {
    throw new BadInputError('The request carries two different credentials, in X-API-Key and in Authorization: send one', {
      reason: 'AMBIGUOUS_CREDENTIALS',
    });
  }
  return apiKey ?? bearer;
}
