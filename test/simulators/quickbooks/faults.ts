/**
 * Intuit's error answers, as the QuickBooks Online Accounting API sends them.
 * Follows developer.intuit.com "Error codes" / "Handling common errors": `{ Fault: { Error: [{ Message,
 * Detail, code, element }], type }, time }`. 401s come in the lowercase shape Intuit's gateway uses.
 */

/** Intuit's timestamp style: local date-time with a numeric offset (UTC here). */
export function qboTime(ms: number, withMillis = false): string {
  const iso = new Date(ms).toISOString(); // 2026-11-26T13:20:05.123Z
  return `${withMillis ? iso.slice(0, 23) : iso.slice(0, 19)}-00:00`;
}

/** An error the API answers with: an HTTP status, a JSON body and optional headers. */
export class QboFault extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
    cause?: unknown,
  ) {
    super(`QuickBooks fault ${status}`, cause === undefined ? undefined : { cause });
  }
}

export type FaultType = 'ValidationFault' | 'SystemFault' | 'AuthenticationFault' | 'AuthorizationFault' | 'SERVICE';

function faultBody(type: FaultType, code: string, message: string, detail: string | null, element: string | null, now: number) {
  const error: Record<string, unknown> = { Message: message, code };
  if (detail !== null) error['Detail'] = detail;
  if (element !== null) error['element'] = element;
  return { Fault: { Error: [error], type }, time: qboTime(now, true) };
}

/** 400 ValidationFault, e.g. 2020 (required parameter missing), 5010 (stale object), 610 (not found). */
export function validationFault(now: number, code: string, message: string, detail: string, element: string | null = null, cause?: unknown): QboFault {
  return new QboFault(400, faultBody('ValidationFault', code, message, detail, element, now), {}, cause);
}

export function requiredParamMissing(now: number, param: string): QboFault {
  return validationFault(
    now,
    '2020',
    'Required param missing, need to supply the required value for the API',
    `Required parameter ${param} is missing in the request`,
    param,
  );
}

export function staleObject(now: number): QboFault {
  return validationFault(
    now,
    '5010',
    'Stale Object Error',
    'Stale Object Error : You and another user were working on the same thing. The other user finished before you did, so your work was not saved.',
  );
}

export function objectNotFound(now: number, entity: string, id: string): QboFault {
  return validationFault(
    now,
    '610',
    'Object Not Found',
    `Object Not Found : Something you're trying to use has been made inactive or deleted (${entity} ${id}).`,
  );
}

/** 429 as Intuit sends it: a SERVICE fault with code 3001; Intuit asks callers to wait 60 s. */
export function throttled(now: number, retryAfterSeconds: number | null): QboFault {
  return new QboFault(
    429,
    faultBody('SERVICE', '3001', 'message=ThrottleExceeded; errorCode=003001; statusCode=429', 'The request limit was reached.  Try again later', null, now),
    retryAfterSeconds === null ? {} : { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 401: the token is missing, unknown, expired or revoked (code 3200, lowercase keys as Intuit's gateway answers). */
export function authenticationFailed(now: number, detail: string): QboFault {
  return new QboFault(
    401,
    {
      warnings: null,
      intuitObject: null,
      fault: {
        error: [{ message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail, code: '3200', element: null }],
        type: 'AUTHENTICATION',
      },
      time: qboTime(now, true),
    },
    { 'WWW-Authenticate': 'Bearer realm="Intuit", error="invalid_token"' },
  );
}

/** 403: the token is valid but not for this company (code 3100). */
export function authorizationFailed(now: number, detail: string): QboFault {
  return new QboFault(
    403,
    faultBody('AuthorizationFault', '3100', 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', detail, null, now),
  );
}

export function systemFault(now: number, status = 500): QboFault {
  return new QboFault(
    status,
    faultBody('SystemFault', '10000', 'An application error has occurred while processing your request', 'System Failure Error: simulated failure', null, now),
  );
}
