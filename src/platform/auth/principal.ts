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
}

/** Turns a request's headers into a principal; null when the request carries no credential. */
export type Authenticator = (headers: {
  authorization?: string | undefined;
  apiKey?: string | undefined;
}) => Promise<Principal | null>;

/** Pulls the credential from `Authorization: Bearer …` or `X-API-Key`. */
export function credentialFrom(headers: { authorization?: string | undefined; apiKey?: string | undefined }):
  | string
  | null {
  const apiKey = headers.apiKey?.trim();
  if (apiKey) return apiKey;
  const auth = headers.authorization?.trim();
  if (!auth) return null;
  const match = /^Bearer\s+(.+)$/i.exec(auth);
  return match?.[1]?.trim() ?? auth;
}
