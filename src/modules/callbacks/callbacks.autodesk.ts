import { createHmac } from 'node:crypto';
import {
  CallbackPayloadError,
  isRecord,
  parseJson,
  safeEqual,
  singleHeader,
  text,
  type CallbackProtocol,
} from './callbacks.protocol.js';

/**
 * Autodesk Platform Services (APS) webhooks.
 * Follows APS Webhooks "How to Verify Payload Signature" (aps.autodesk.com/en/docs/webhooks/v1/
 * tutorials/how-to-verify-payload-signature) and the callback reference pages: once a secret
 * token is set, each callback carries `x-adsk-signature: sha1hash=<hex HMAC-SHA1(raw body, key =
 * the secret token)>` and `x-adsk-delivery-id`; the body is `{ version, resourceUrn, hook: {
 * system, event, hookId, … }, payload: { … } }`. There is no event id in the body, so replays are
 * recognised by a hash of the (signed) body; the delivery id header is not signed and is only kept.
 */

const SIGNATURE = /^sha1hash=[0-9a-f]{40}$/i;

export function autodeskSignature(body: Buffer | string, secret: string): string {
  return `sha1hash=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

export const autodeskProtocol: CallbackProtocol = {
  provider: 'autodesk',
  integrationTypes: ['autodesk'],
  secretField: 'callbackSecret',
  acceptedStatus: 200,
  proofInPayload: false,
  parse(body) {
    const payload = parseJson(body);
    if (!isRecord(payload) || !isRecord(payload['hook']) || typeof payload['hook']['event'] !== 'string') {
      throw new CallbackPayloadError('Expected { hook: { event, … }, resourceUrn, payload }');
    }
    const hook = payload['hook'];
    const event = text(hook['event'], 128)!;
    return {
      events: [
        {
          id: null,
          type: event,
          entity: text(hook['system'], 64),
          entityId: text(payload['resourceUrn'], 500),
          // dm.version.added → added
          operation: event.split('.').pop() ?? null,
          resource: text(payload['resourceUrn'], 500),
          account: text(hook['hookId'], 64),
          occurredAt: null,
        },
      ],
    };
  },
  verify(request, _parsed, secret) {
    const presented = singleHeader(request.headers, 'x-adsk-signature');
    if (presented === null || presented === '') return 'missing_signature';
    if (!SIGNATURE.test(presented)) return 'bad_signature';
    return safeEqual(presented.toLowerCase(), autodeskSignature(request.body, secret)) ? null : 'bad_signature';
  },
  deliveryId(request) {
    const id = singleHeader(request.headers, 'x-adsk-delivery-id');
    return id !== null && /^[\w.:-]{1,100}$/.test(id) ? id : null;
  },
};
