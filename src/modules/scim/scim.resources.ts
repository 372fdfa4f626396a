import type { Config } from '../../platform/config.js';
import type { Db } from '../../platform/db/mysql.js';
import { invalidValue, ScimError } from './scim.errors.js';
import { LIST_RESPONSE_SCHEMA, MAX_RESULTS, resolveAttribute, type ResourceTypeDef } from './scim.schema.js';
import { mysqlErrorCode } from '../../platform/db/errors.js';

/** Helpers shared by the User and Group endpoints: meta, versions, paging, attribute projection. */

export type Resource = Record<string, unknown>;

/** Where identity providers reach SCIM: PUBLIC_URL (or http://localhost:PORT) + /scim/v2. */
export function scimBaseUrl(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>): string {
  return `${(config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '')}/scim/v2`;
}

export const etagOf = (version: number) => `W/"${version}"`;

export function meta(type: ResourceTypeDef, id: number, created: Date, lastModified: Date, version: number, baseUrl: string) {
  return {
    resourceType: type.name,
    created: created.toISOString(),
    lastModified: lastModified.toISOString(),
    location: `${baseUrl}${type.endpoint}/${id}`,
    version: etagOf(version),
  };
}

/**
 * If-Match on PUT, PATCH and DELETE: a client holding an older version gets 412 instead of
 * overwriting a change it has not seen. `*` and an absent header match anything.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (!ifMatch || ifMatch.trim() === '*') return;
  const wanted = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (!wanted.includes(`"${version}"`)) throw new ScimError(412, null, 'The resource was changed since that version (If-Match)');
}

export interface ListQuery {
  filter: string | undefined;
  startIndex: number;
  count: number;
  attributes: string[];
  excludedAttributes: string[];
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw invalidValue(`${name} must be given once`);
  return value;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^-?\d{1,9}$/.test(value.trim())) throw invalidValue(`${name} must be an integer`);
  return Number(value);
}

const names = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);

/** Reads filter, startIndex (1-based; below 1 counts as 1), count (0 to MAX_RESULTS) and attribute lists. */
export function readListQuery(source: Record<string, unknown>): ListQuery {
  const pick = (key: string) => single(Object.entries(source).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1], key);
  const startIndex = Math.max(1, integer(pick('startIndex'), 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(pick('count'), 'count') ?? MAX_RESULTS));
  return { filter: pick('filter'), startIndex, count, attributes: names(pick('attributes')), excludedAttributes: names(pick('excludedAttributes')) };
}

export function readProjection(source: Record<string, unknown>): Pick<ListQuery, 'attributes' | 'excludedAttributes'> {
  const { attributes, excludedAttributes } = readListQuery({
    attributes: source['attributes'],
    excludedAttributes: source['excludedAttributes'],
  });
  return { attributes, excludedAttributes };
}

/** Canonical key path of a projected attribute, or null when the type has no such attribute. */
function keysOf(type: ResourceTypeDef, path: string): string[] | null {
  if (/^meta$/i.test(path)) return ['meta'];
  const resolved = resolveAttribute(type, path);
  if (!resolved) return null;
  return [...(resolved.extension ? [resolved.extension] : []), resolved.def.name, ...(resolved.sub ? [resolved.sub.name] : [])];
}

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.9): `id` and `schemas` are always returned;
 * unknown names are ignored.
 */
export function project(type: ResourceTypeDef, resource: Resource, query: Pick<ListQuery, 'attributes' | 'excludedAttributes'>): Resource {
  if (query.attributes.length) {
    const out: Resource = { schemas: resource['schemas'], id: resource['id'] };
    for (const path of query.attributes) {
      const keys = keysOf(type, path);
      if (!keys) continue;
      copyPath(resource, out, keys);
    }
    return out;
  }
  if (query.excludedAttributes.length) {
    const out = structuredClone(resource);
    for (const path of query.excludedAttributes) {
      const keys = keysOf(type, path);
      if (!keys || (keys.length === 1 && (keys[0] === 'id' || keys[0] === 'schemas'))) continue;
      deletePath(out, keys);
    }
    return out;
  }
  return resource;
}

function copyPath(from: Resource, to: Resource, keys: string[]): void {
  const [head, ...rest] = keys;
  if (!head || !(head in from)) return;
  const value = from[head];
  if (!rest.length) {
    to[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    const existing = Array.isArray(to[head]) ? (to[head] as Resource[]) : value.map(() => ({}));
    value.forEach((item, i) => typeof item === 'object' && item !== null && copyPath(item as Resource, existing[i]!, rest));
    to[head] = existing;
  } else if (typeof value === 'object' && value !== null) {
    const existing = (to[head] as Resource | undefined) ?? {};
    copyPath(value as Resource, existing, rest);
    to[head] = existing;
  }
}

function deletePath(node: Resource, keys: string[]): void {
  const [head, ...rest] = keys;
  if (!head) return;
  if (!rest.length) {
    delete node[head];
    return;
  }
  const value = node[head];
  if (Array.isArray(value)) value.forEach((item) => typeof item === 'object' && item !== null && deletePath(item as Resource, rest));
  else if (typeof value === 'object' && value !== null) deletePath(value as Resource, rest);
}

export function listResponse(resources: Resource[], totalResults: number, startIndex: number) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A SCIM id in a URL or a members value: a positive integer, else it names nothing. */
export function parseScimId(value: unknown): number | null {
  return typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value) ? Number(value) : null;
}

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const isDeadlock = (error: unknown) => mysqlErrorCode(error) === 'ER_LOCK_DEADLOCK';

/**
 * SCIM writes run READ COMMITTED. Identity providers send many requests at once (Entra ID in
 * parallel); under REPEATABLE READ, the locking reads of rows that do not exist yet take gap
 * locks that make concurrent inserts deadlock, and a transaction would not see the user another
 * request has just committed. A deadlock that happens anyway is retried (twice).
 */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction(fn, { isolationLevel: 'read committed' });
    } catch (error) {
      if (attempt >= 3 || !isDeadlock(error)) throw error;
    }
  }
}
