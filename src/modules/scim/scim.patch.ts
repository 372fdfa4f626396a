import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget, ScimError } from './scim.errors.js';
import { matches, parseFilter, type Filter } from './scim.filter.js';
import { coerceSingle, coerceValue, extensionNamed, resolveAttribute, type AttributeDef, type ResolvedAttribute, type ResourceTypeDef } from './scim.schema.js';

/**
 * PATCH (RFC 7644 §3.5.2) on a resource's writable document. `op` is case-insensitive; `path`
 * may be absent (Okta: `{"op":"replace","value":{"active":false}}`; keys of `value` may be
 * paths themselves, `name.givenName` or URN-qualified, as Entra ID sends), an attribute, a
 * sub-attribute, or a value filter with an optional sub-attribute
 * (`emails[type eq "work"].value`, `members[value eq "42"]`). Either every operation applies or
 * none does: they run on a copy.
 */
export type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string | null; value: unknown };

type Doc = Record<string, unknown>;

/** Reads and checks the Operations of a PatchOp request body. */
export function parsePatchBody(body: unknown): PatchOp[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidSyntax('The body must be a PatchOp object');
  const entry = Object.entries(body as Doc).find(([key]) => key.toLowerCase() === 'operations');
  const operations: unknown = entry?.[1];
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a non-empty array');
  if (operations.length > 1000) throw invalidSyntax('At most 1000 operations per request');
  return operations.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null) throw invalidSyntax(`Operations[${index}] must be an object`);
    const fields = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
    const op = typeof fields['op'] === 'string' ? fields['op'].toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidSyntax(`Operations[${index}].op must be add, replace or remove`);
    const path = fields['path'];
    if (path !== undefined && path !== null && (typeof path !== 'string' || !path.trim())) throw invalidPath(`Operations[${index}].path must be a non-empty string`);
    return { op, path: typeof path === 'string' ? path.trim() : null, value: fields['value'] };
  });
}

interface ParsedPath {
  attribute: ResolvedAttribute;
  filter: Filter | null;
  /** Sub-attribute after a value filter (`emails[…].value`). */
  sub: AttributeDef | null;
}

function parsePath(type: ResourceTypeDef, path: string): ParsedPath {
  const open = path.indexOf('[');
  if (open === -1) {
    const attribute = resolveAttribute(type, path);
    if (!attribute) throw invalidPath(`Unknown attribute path ${path}`);
    return { attribute, filter: null, sub: null };
  }
  const close = path.lastIndexOf(']');
  if (close < open) throw invalidPath(`Unbalanced brackets in path ${path}`);
  const attribute = resolveAttribute(type, path.slice(0, open));
  if (!attribute || attribute.sub) throw invalidPath(`Unknown attribute path ${path}`);
  if (!attribute.def.multiValued || !attribute.def.subAttributes) throw invalidPath(`${attribute.def.name} is not a multi-valued complex attribute`);
  let filter: Filter;
  try {
    filter = parseFilter(path.slice(open + 1, close));
  } catch (error) {
    if (error instanceof ScimError) throw invalidPath(`Bad filter in path ${path}: ${error.message}`);
    throw error;
  }
  const tail = path.slice(close + 1);
  let sub: AttributeDef | null = null;
  if (tail) {
    const match = /^\.([A-Za-z$][\w$-]*)$/.exec(tail);
    const name = match?.[1]?.toLowerCase();
    sub = attribute.def.subAttributes.find((a) => a.name.toLowerCase() === name) ?? null;
    if (!sub) throw invalidPath(`Unknown sub-attribute in path ${path}`);
  }
  return { attribute, filter, sub };
}

function sameItem(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && 'value' in a && 'value' in b) {
    return (a as Doc)['value'] === (b as Doc)['value'];
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && Object.keys(value).length === 0);
}

function setOrDelete(target: Doc, key: string, value: unknown): void {
  if (isEmpty(value)) delete target[key];
  else target[key] = value;
}

/** Sub-attribute equalities of a filter made only of ANDed `eq`s: what a new element must carry to match it. */
function impliedElement(filter: Filter, def: AttributeDef): Doc | null {
  if (filter.kind === 'and') {
    const left = impliedElement(filter.left, def);
    const right = impliedElement(filter.right, def);
    return left && right ? { ...left, ...right } : null;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.value === null) return null;
  const sub = def.subAttributes?.find((a) => a.name.toLowerCase() === filter.path.toLowerCase());
  if (!sub) return null;
  return { [sub.name]: coerceSingle(sub, filter.value) };
}

/** Keeps at most one `primary: true` per multi-valued attribute: the last one written wins. */
function onePrimary(items: unknown[]): unknown[] {
  let seen = false;
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const item = items[i] as Doc;
    if (item && item['primary'] === true) {
      if (seen) item['primary'] = false;
      seen = true;
    }
  }
  return items;
}

function applyOne(type: ResourceTypeDef, doc: Doc, op: PatchOp['op'], path: string, value: unknown): void {
  const { attribute, filter, sub: filterSub } = parsePath(type, path);
  const { def, sub, extension } = attribute;
  if (def.mutability === 'writeOnly') return; // password: accepted and discarded
  const target = (sub ?? filterSub ?? def).mutability;
  if (def.mutability === 'readOnly' || target === 'readOnly') throw mutability(`${path} is read-only`);
  if (def.mutability === 'immutable' || (op !== 'add' && target === 'immutable')) throw mutability(`${path} cannot be changed`);

  const container: Doc = extension ? ((doc[extension] as Doc | undefined) ?? {}) : doc;
  if (extension) doc[extension] = container;
  const key = def.name;

  if (filter) {
    const items = Array.isArray(container[key]) ? [...(container[key] as Doc[])] : [];
    const prefix = extension ? `${extension}:${def.name}` : def.name;
    const hit = (item: Doc) => {
      try {
        return matches(type, filter, item, prefix);
      } catch (error) {
        if (error instanceof ScimError && error.scimType === 'invalidFilter') throw invalidPath(`Bad filter in path ${path}: ${error.message}`);
        throw error;
      }
    };
    const matched = items.filter(hit);
    if (op === 'remove') {
      if (filterSub) matched.forEach((item) => delete item[filterSub.name]);
      setOrDelete(container, key, filterSub ? items.filter((item) => !isEmpty(item)) : items.filter((item) => !matched.includes(item)));
    } else {
      const patchFor = (): Doc => {
        if (filterSub) {
          const coerced = coerceValue(filterSub, value, `${def.name}.${filterSub.name}`);
          return { [filterSub.name]: coerced };
        }
        const coerced = coerceSingle(def, Array.isArray(value) && value.length === 1 ? value[0] : value, def.name);
        if (coerced === null) throw invalidValue(`${path} needs a value`);
        return coerced as Doc;
      };
      const patch = patchFor();
      if (matched.length) {
        for (const item of matched) Object.assign(item, patch);
      } else {
        const implied = impliedElement(filter, def);
        if (!implied) throw noTarget(`No value of ${def.name} matches ${path}`);
        items.push({ ...implied, ...patch });
      }
      for (const item of items) for (const [k, v] of Object.entries(item)) if (v === null) delete item[k];
      setOrDelete(container, key, onePrimary(items.filter((item) => !isEmpty(item))));
    }
  } else if (sub) {
    const current = container[key];
    if (def.multiValued) {
      // emails.value without a filter: every element.
      const items = Array.isArray(current) ? (current as Doc[]) : [];
      if (op === 'remove') items.forEach((item) => delete item[sub.name]);
      else if (items.length) items.forEach((item) => (item[sub.name] = coerceValue(sub, value, `${def.name}.${sub.name}`)));
      else items.push({ [sub.name]: coerceValue(sub, value, `${def.name}.${sub.name}`) });
      setOrDelete(container, key, items.filter((item) => !isEmpty(item)));
    } else {
      const object: Doc = typeof current === 'object' && current !== null ? { ...(current as Doc) } : {};
      setOrDelete(object, sub.name, op === 'remove' ? null : coerceValue(sub, value, `${def.name}.${sub.name}`));
      setOrDelete(container, key, object);
    }
  } else if (op === 'remove') {
    if (def.multiValued && Array.isArray(value) && value.length) {
      // Entra ID / Okta: {"op":"remove","path":"members","value":[{"value":"42"}]}
      const drop = coerceValue(def, value) as unknown[];
      const items = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
      setOrDelete(container, key, items.filter((item) => !drop.some((d) => sameItem(item, d))));
    } else {
      if (def.required) throw mutability(`${def.name} is required and cannot be removed`);
      delete container[key];
    }
  } else {
    const coerced = coerceValue(def, value);
    const current = container[key];
    if (def.multiValued) {
      const incoming = (coerced as unknown[] | null) ?? [];
      if (op === 'replace') setOrDelete(container, key, onePrimary(incoming));
      else {
        const items = Array.isArray(current) ? [...(current as unknown[])] : [];
        for (const item of incoming) {
          const index = items.findIndex((existing) => sameItem(existing, item));
          if (index === -1) items.push(item);
          else items[index] = { ...(items[index] as Doc), ...(item as Doc) };
        }
        setOrDelete(container, key, onePrimary(items));
      }
    } else if (def.type === 'complex' && coerced !== null) {
      // A complex value's sub-attributes are merged; those not given stay (RFC 7644 §3.5.2.1, .3).
      setOrDelete(container, key, { ...(typeof current === 'object' && current !== null ? (current) : {}), ...(coerced as Doc) });
    } else {
      if (coerced === null && def.required) throw invalidValue(`${def.name} is required`);
      setOrDelete(container, key, coerced);
    }
  }
  if (extension && isEmpty(container)) delete doc[extension];
}

/** Applies `operations` to a copy of `doc` and returns it; throws a ScimError and changes nothing when one fails. */
export function applyPatch(type: ResourceTypeDef, doc: Doc, operations: PatchOp[]): Doc {
  const copy = structuredClone(doc);
  for (const operation of operations) {
    if (operation.path !== null) {
      applyOne(type, copy, operation.op, operation.path, operation.value);
      continue;
    }
    if (operation.op === 'remove') throw noTarget('remove needs a path');
    if (typeof operation.value !== 'object' || operation.value === null || Array.isArray(operation.value)) {
      throw invalidValue(`${operation.op} without a path needs an object of attributes as its value`);
    }
    for (const [key, inner] of Object.entries(operation.value as Doc)) {
      if (key.toLowerCase() === 'schemas') continue;
      const urn = extensionNamed(type, key);
      if (urn) {
        if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw invalidValue(`${urn} must be an object`);
        for (const [innerKey, innerValue] of Object.entries(inner as Doc)) applyOne(type, copy, operation.op, `${urn}:${innerKey}`, innerValue);
        continue;
      }
      const resolved = resolveAttribute(type, key);
      if (!resolved) throw invalidPath(`Unknown attribute ${key}`);
      // Clients echo read-only attributes (id, meta, groups) in the path-less form: skip them.
      if (resolved.def.mutability === 'readOnly' || resolved.sub?.mutability === 'readOnly') continue;
      applyOne(type, copy, operation.op, key, inner);
    }
  }
  return copy;
}

