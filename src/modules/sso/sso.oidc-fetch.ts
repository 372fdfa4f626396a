import http from 'node:http';
import https from 'node:https';
import type { AddressPolicy } from '../../platform/http/address-policy.js';
import { guardedLookup, urlProblem } from '../../platform/http/outbound.js';

/*
 * The fetch openid-client uses for an organization's provider (discovery, JWKS, token, userinfo):
 * issuer URLs are chosen by organizations' administrators, so every request goes through the
 * address policy (checked on the resolved address at connect time), has one deadline and a
 * bounded answer, and never follows a redirect.
 */

const MAX_BODY_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10_000;

export interface FetchOptions {
  body?: unknown;
  headers: Record<string, string>;
  method: string;
  signal?: AbortSignal;
}

function bodyOf(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('unsupported request body');
}

export function guardedFetch(policy: AddressPolicy): (url: string, options: FetchOptions) => Promise<Response> {
  return (rawUrl, options) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(rawUrl);
      const problem = urlProblem(url.href, policy);
      if (problem) {
        reject(new Error(`${url.host}: ${problem}`));
        return;
      }
      const payload = bodyOf(options.body);
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: options.method,
          lookup: guardedLookup(policy),
          headers: { ...options.headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
          timeout: TIMEOUT_MS,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              request.destroy(new Error(`${url.host}: answer larger than ${MAX_BODY_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            const status = response.statusCode ?? 502;
            const nullBody = status === 204 || status === 304 || options.method === 'HEAD';
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers }));
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${url.host}: no answer within ${TIMEOUT_MS} ms`)));
      request.on('error', reject);
      request.end(payload);
    });
}
