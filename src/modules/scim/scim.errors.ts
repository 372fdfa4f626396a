/**
 * SCIM protocol errors (RFC 7644 §3.12): an HTTP status, and a `scimType` where the RFC defines
 * one. They leave the SCIM router as `urn:ietf:params:scim:api:messages:2.0:Error` bodies.
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    message: string,
  ) {
    super(message);
    this.name = 'ScimError';
  }
}

export const invalidValue = (message: string) => new ScimError(400, 'invalidValue', message);
export const invalidPath = (message: string) => new ScimError(400, 'invalidPath', message);
export const invalidFilter = (message: string) => new ScimError(400, 'invalidFilter', message);
export const invalidSyntax = (message: string) => new ScimError(400, 'invalidSyntax', message);
export const noTarget = (message: string) => new ScimError(400, 'noTarget', message);
export const mutability = (message: string) => new ScimError(400, 'mutability', message);
export const uniqueness = (message: string) => new ScimError(409, 'uniqueness', message);
export const scimNotFound = (resource: string, id: string) => new ScimError(404, null, `${resource} ${id} not found`);

/** The wire form of an error. */
export function scimErrorBody(error: ScimError) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.message,
  };
}
