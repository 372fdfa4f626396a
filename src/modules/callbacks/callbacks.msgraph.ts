import {
  CallbackPayloadError,
  isRecord,
  parseJson,
  safeEqual,
  text,
  type CallbackEvent,
  type CallbackProtocol,
} from './callbacks.protocol.js';

/**
 * Microsoft Graph change notifications over webhooks.
 * Follows "Receive change notifications through webhooks" (learn.microsoft.com/graph/
 * change-notifications-delivery-webhooks) and the changeNotification / changeNotificationCollection
 * resource types: creating a subscription POSTs `?validationToken=…` to the notification URL,
 * which must answer within 10 seconds with 200, `Content-Type: text/plain` and the token
 * URL-decoded as the body (handled in the route, before any lookup). Notifications are
 * `{ value: [ { subscriptionId, clientState, changeType | lifecycleEvent, resource,
 * resourceData, tenantId, … } ] }`; Graph signs nothing, so the clientState given when
 * subscribing is the proof and is compared on every item; answer 202 Accepted within 3 seconds.
 */

/** Longest validation token echoed; Graph's are far shorter. */
export const MAX_VALIDATION_TOKEN_CHARS = 4096;
/** Most notifications one request may carry. */
const MAX_ITEMS = 1000;

function itemEvent(item: Record<string, unknown>): CallbackEvent {
  const changeType = text(item['changeType'], 64);
  const lifecycleEvent = text(item['lifecycleEvent'], 64);
  const data = isRecord(item['resourceData']) ? item['resourceData'] : {};
  const operation = changeType ?? lifecycleEvent;
  return {
    id: text(item['id'], 128),
    type: changeType ?? `lifecycle.${lifecycleEvent}`,
    entity: text(data['@odata.type'], 128),
    entityId: text(data['id'], 255),
    operation,
    resource: text(item['resource'], 500),
    account: text(item['tenantId'], 64),
    occurredAt: null,
  };
}

export const msgraphProtocol: CallbackProtocol = {
  provider: 'msgraph',
  integrationTypes: ['microsoft_graph', 'outlook'],
  secretField: 'clientState',
  acceptedStatus: 202,
  proofInPayload: true,
  parse(body) {
    const payload = parseJson(body);
    const items = isRecord(payload) ? payload['value'] : undefined;
    if (!Array.isArray(items) || items.length === 0) throw new CallbackPayloadError('Expected { value: [notification, …] }');
    if (items.length > MAX_ITEMS) throw new CallbackPayloadError(`At most ${MAX_ITEMS} notifications per request`);
    const events: CallbackEvent[] = [];
    const embeddedProofs: Array<string | null> = [];
    for (const item of items) {
      if (!isRecord(item)) throw new CallbackPayloadError('Each notification must be an object');
      if (typeof item['changeType'] !== 'string' && typeof item['lifecycleEvent'] !== 'string') {
        throw new CallbackPayloadError('Each notification needs a changeType or a lifecycleEvent');
      }
      events.push(itemEvent(item));
      embeddedProofs.push(typeof item['clientState'] === 'string' ? item['clientState'] : null);
    }
    return { events, embeddedProofs };
  },
  verify(_request, parsed, clientState) {
    const proofs = parsed?.embeddedProofs ?? [];
    if (proofs.length === 0 || proofs.some((p) => p === null || p === '')) return 'missing_signature';
    // Every item must match: one forged item in a genuine batch refuses the batch.
    let allMatch = true;
    for (const proof of proofs) allMatch = safeEqual(proof!, clientState) && allMatch;
    return allMatch ? null : 'bad_signature';
  },
};

export type Handshake = { kind: 'none' } | { kind: 'invalid' } | { kind: 'token'; token: string };

/** Whether a request is a subscription handshake, and its token (express has URL-decoded it). */
export function handshakeOf(query: Record<string, unknown>): Handshake {
  const token = query['validationToken'];
  if (token === undefined) return { kind: 'none' };
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_VALIDATION_TOKEN_CHARS) return { kind: 'invalid' };
  return { kind: 'token', token };
}
