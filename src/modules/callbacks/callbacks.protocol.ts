import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The contract every provider's callback protocol fulfils: how its requests prove where they
 * come from, how its payload reads as events, and what the provider expects as an answer.
 * One protocol per file (callbacks.quickbooks.ts, callbacks.msgraph.ts, callbacks.autodesk.ts).
 */

/** Providers with a route `/hooks/<provider>/<connectionId>`. */
export const CALLBACK_PROVIDERS = ['quickbooks', 'msgraph', 'autodesk'] as const;
export type CallbackProvider = (typeof CALLBACK_PROVIDERS)[number];

export function isCallbackProvider(value: string): value is CallbackProvider {
  return (CALLBACK_PROVIDERS as readonly string[]).includes(value);
}

/** One change a provider told us about, in the same shape for every provider. */
export interface CallbackEvent {
  /** The provider's own id of this event (CloudEvents `id`, Graph notification `id`), when it gives one. */
  id: string | null;
  /** The provider's event type: `qbo.invoice.created.v1`, `created`, `dm.version.added`. */
  type: string;
  /** What kind of thing changed: `Invoice`, `#Microsoft.Graph.Message`, `data`. */
  entity: string | null;
  /** Its id at the provider: QuickBooks entity id, Graph resource id, Autodesk resource URN. */
  entityId: string | null;
  /** `create`, `update`, `delete`, `merge`, `void`, `emailed`, `added`, lifecycle events, … */
  operation: string | null;
  /** Graph's resource path, Autodesk's resource URN. */
  resource: string | null;
  /** The provider account the event belongs to: QuickBooks realm, Graph tenant, Autodesk hook. */
  account: string | null;
  /** When it happened, as the provider wrote it. */
  occurredAt: string | null;
}

/** A request body read by a protocol. */
export interface ParsedCallback {
  events: CallbackEvent[];
  /** Secrets carried inside the payload (Graph's clientState, one per item); null when a missing one. */
  embeddedProofs?: Array<string | null>;
}

/** Why a request was refused as unauthenticated. Each one answers the same 401. */
export const REJECTION_REASONS = [
  'unknown_connection',
  'inactive_connection',
  'wrong_provider',
  'no_secret_configured',
  'missing_signature',
  'bad_signature',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** A payload the protocol cannot read: answered 400 (only after authentication where the proof is a header). */
export class CallbackPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallbackPayloadError';
  }
}

export interface CallbackRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface CallbackProtocol {
  provider: CallbackProvider;
  /** The `integration_connections.integration_type` values a connection of this provider has. */
  integrationTypes: readonly string[];
  /** The key in `integration_connections.credentials` holding the sealed callback secret. */
  secretField: string;
  /** Status of an accepted (or replayed) callback. */
  acceptedStatus: 200 | 202;
  /**
   * True when the proof travels inside the payload (Graph's clientState): the body is parsed
   * before authentication. Otherwise it is parsed only once the signature over the raw bytes holds.
   */
  proofInPayload: boolean;
  /** Reads the body; throws CallbackPayloadError when it is not what the provider sends. */
  parse(body: Buffer): ParsedCallback;
  /** Checks the request's proof against the connection's secret; null when it holds. */
  verify(request: CallbackRequest, parsed: ParsedCallback | null, secret: string): 'missing_signature' | 'bad_signature' | null;
  /** A delivery id the provider sends outside the signed body, kept for reference only. */
  deliveryId?(request: CallbackRequest): string | null;
}

const COMPARE_KEY = randomBytes(32);

/**
 * Compares two secrets in constant time whatever their lengths: both are first reduced to an
 * HMAC under a per-process random key, so neither the content nor the length leaks.
 */
export function safeEqual(presented: string, expected: string): boolean {
  const a = createHmac('sha256', COMPARE_KEY).update(presented, 'utf8').digest();
  const b = createHmac('sha256', COMPARE_KEY).update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** One header's value, or null when absent or sent more than once. */
export function singleHeader(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
}

/** JSON.parse of a UTF-8 body, as a CallbackPayloadError when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new CallbackPayloadError('The body is not valid JSON');
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, cut to `max` characters; null when absent or not a string. */
export function text(value: unknown, max = 255): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}
