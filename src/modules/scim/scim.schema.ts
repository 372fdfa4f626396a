import { invalidValue } from './scim.errors.js';

/**
 * The SCIM schemas this service implements (RFC 7643 §4, §7): the attribute definitions that
 * /Schemas publishes are the same ones that validate, coerce and patch resources, so the two
 * cannot drift apart.
 */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type AttributeType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime' | 'integer';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDef[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

type AttrOptions = Partial<Omit<AttributeDef, 'name' | 'type'>>;

function attr(name: string, type: AttributeType, description: string, options: AttrOptions = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

/** A multi-valued complex attribute with the usual value / display / type / primary. */
function plural(name: string, description: string, types: string[], valueType: AttributeType = 'string', extra: AttributeDef[] = []): AttributeDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      attr('value', valueType, `The ${name} value.`),
      attr('display', 'string', 'A human-readable name.'),
      attr('type', 'string', 'A label indicating the function.', types.length ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', 'Whether this is the primary value; at most one is.'),
      ...extra,
    ],
  });
}

const readOnlyRef = (resource: string) => [
  attr('value', 'string', `The id of the ${resource}.`, { mutability: 'readOnly' }),
  attr('$ref', 'reference', `The URI of the ${resource}.`, { mutability: 'readOnly', referenceTypes: [resource] }),
  attr('display', 'string', 'A human-readable name.', { mutability: 'readOnly' }),
  attr('type', 'string', 'direct or indirect.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
];

const USER_ATTRIBUTES: AttributeDef[] = [
  attr('userName', 'string', 'Unique identifier for the user in this organization, typically the sign-in name.', { required: true, uniqueness: 'server' }),
  attr('name', 'complex', "The components of the user's name.", {
    subAttributes: [
      attr('formatted', 'string', 'The full name, formatted for display.'),
      attr('familyName', 'string', 'The family name.'),
      attr('givenName', 'string', 'The given name.'),
      attr('middleName', 'string', 'The middle name(s).'),
      attr('honorificPrefix', 'string', 'Honorific prefix, e.g. Ms.'),
      attr('honorificSuffix', 'string', 'Honorific suffix, e.g. III.'),
    ],
  }),
  attr('displayName', 'string', 'The name to display.'),
  attr('nickName', 'string', 'The casual name.'),
  attr('profileUrl', 'reference', 'A URL of the online profile.', { referenceTypes: ['external'] }),
  attr('title', 'string', 'Job title.'),
  attr('userType', 'string', 'The relationship to the organization, e.g. Employee or Contractor.'),
  attr('preferredLanguage', 'string', 'Preferred written or spoken language (e.g. en-US).'),
  attr('locale', 'string', 'Default location for localizing, e.g. en-US.'),
  attr('timezone', 'string', 'Time zone in IANA format, e.g. America/Los_Angeles.'),
  attr('active', 'boolean', 'Whether the user may sign in to this organization. Deactivated users are still listed.'),
  attr('password', 'string', 'Accepted and discarded: members sign in through the organization’s SSO.', { mutability: 'writeOnly', returned: 'never' }),
  plural('emails', 'E-mail addresses; the primary one (else the first work one, else the first) is the account’s address.', ['work', 'home', 'other']),
  plural('phoneNumbers', 'Phone numbers.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  plural('ims', 'Instant messaging addresses.', []),
  plural('photos', 'URLs of photos.', ['photo', 'thumbnail'], 'reference'),
  attr('addresses', 'complex', 'Physical mailing addresses.', {
    multiValued: true,
    subAttributes: [
      attr('formatted', 'string', 'The full address.'),
      attr('streetAddress', 'string', 'Street address.'),
      attr('locality', 'string', 'City or locality.'),
      attr('region', 'string', 'State or region.'),
      attr('postalCode', 'string', 'Zip or postal code.'),
      attr('country', 'string', 'Country (ISO 3166-1 alpha-2).'),
      attr('type', 'string', 'work, home or other.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'Whether this is the primary address.'),
    ],
  }),
  attr('groups', 'complex', 'The groups the user belongs to (change them through the Group resource).', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: readOnlyRef('Group'),
  }),
  plural('entitlements', 'Entitlements.', []),
  plural('roles', 'Roles.', []),
  plural('x509Certificates', 'Certificates (DER, base64).', [], 'string'),
];

const ENTERPRISE_ATTRIBUTES: AttributeDef[] = [
  attr('employeeNumber', 'string', 'Employee number.'),
  attr('costCenter', 'string', 'Cost center.'),
  attr('organization', 'string', 'Organization.'),
  attr('division', 'string', 'Division.'),
  attr('department', 'string', 'Department.'),
  attr('manager', 'complex', "The user's manager.", {
    subAttributes: [
      attr('value', 'string', 'The id of the manager.'),
      attr('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
      attr('displayName', 'string', 'The manager’s display name.', { mutability: 'readOnly' }),
    ],
  }),
];

const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr('displayName', 'string', 'The group’s name, unique in the organization.', { required: true, uniqueness: 'server' }),
  attr('members', 'complex', 'The group’s members (users of this organization).', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The id of the member.', { mutability: 'immutable' }),
      attr('$ref', 'reference', 'The URI of the member.', { mutability: 'immutable', referenceTypes: ['User'] }),
      attr('display', 'string', 'The member’s display name.', { mutability: 'readOnly' }),
      attr('type', 'string', 'User.', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
  }),
];

/** `id`, `externalId`: common to every resource (RFC 7643 §3.1). */
const COMMON_ATTRIBUTES: AttributeDef[] = [
  attr('id', 'string', 'The service’s identifier of the resource.', { mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }),
  attr('externalId', 'string', 'The provisioning client’s identifier of the resource.', { caseExact: true }),
];

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

export const SCHEMAS: SchemaDef[] = [
  { id: USER_SCHEMA, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES },
  { id: ENTERPRISE_USER_SCHEMA, name: 'EnterpriseUser', description: 'Enterprise User', attributes: ENTERPRISE_ATTRIBUTES },
  { id: GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
];

export interface ResourceTypeDef {
  name: 'User' | 'Group';
  endpoint: string;
  schema: string;
  extensions: string[];
}

export const USER_TYPE: ResourceTypeDef = { name: 'User', endpoint: '/Users', schema: USER_SCHEMA, extensions: [ENTERPRISE_USER_SCHEMA] };
export const GROUP_TYPE: ResourceTypeDef = { name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, extensions: [] };

function schemaById(id: string): SchemaDef {
  const found = SCHEMAS.find((s) => s.id === id);
  if (!found) throw new Error(`unknown schema ${id}`);
  return found;
}

function findIn(list: readonly AttributeDef[], name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === lower);
}

/** Where an attribute lives: top level of the resource (core) or under an extension's URN key. */
export interface ResolvedAttribute {
  /** The extension URN the attribute is kept under, or null for core and common attributes. */
  extension: string | null;
  def: AttributeDef;
  /** The sub-attribute, when the path names one (`name.givenName`). */
  sub: AttributeDef | null;
}

/**
 * Resolves an attribute path without filters — `userName`, `name.givenName`,
 * `urn:…:enterprise:2.0:User:manager.value`, `urn:…:core:2.0:User:active` — to its definition;
 * undefined when the resource type has no such attribute. Names are case-insensitive.
 */
export function resolveAttribute(type: ResourceTypeDef, path: string): ResolvedAttribute | undefined {
  let extension: string | null = null;
  let rest = path;
  const lowerPath = path.toLowerCase();
  for (const urn of [type.schema, ...type.extensions]) {
    if (lowerPath.startsWith(`${urn.toLowerCase()}:`)) {
      rest = path.slice(urn.length + 1);
      extension = urn === type.schema ? null : urn;
      break;
    }
    if (lowerPath === urn.toLowerCase()) return undefined;
  }
  if (rest.startsWith('urn:')) return undefined;
  const [head, sub, ...more] = rest.split('.');
  if (!head || more.length) return undefined;
  const list = extension ? schemaById(extension).attributes : [...COMMON_ATTRIBUTES, ...schemaById(type.schema).attributes];
  const def = findIn(list, head);
  if (!def) return undefined;
  if (sub === undefined) return { extension, def, sub: null };
  const subDef = def.subAttributes ? findIn(def.subAttributes, sub) : undefined;
  return subDef ? { extension, def, sub: subDef } : undefined;
}

/** The extension schema a top-level key of a resource names, matched case-insensitively. */
export function extensionNamed(type: ResourceTypeDef, key: string): string | undefined {
  return type.extensions.find((urn) => urn.toLowerCase() === key.toLowerCase());
}

/** The definitions of a resource's top level (common and core) or of an extension. */
export function attributesOf(type: ResourceTypeDef, extension: string | null): AttributeDef[] {
  return extension ? schemaById(extension).attributes : [...COMMON_ATTRIBUTES, ...schemaById(type.schema).attributes];
}

/**
 * One value written to an attribute, checked and coerced: booleans also as the strings "True" /
 * "False" (Entra ID sends them so), complex values with their sub-attribute names made canonical
 * and unknown sub-attributes dropped. `null` means "no value".
 */
export function coerceValue(def: AttributeDef, value: unknown, label = def.name): unknown {
  if (value === null || value === undefined) return null;
  if (def.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => coerceSingle(def, item, label)).filter((item) => item !== null);
  }
  if (Array.isArray(value)) {
    // Some clients wrap a single value in an array.
    if (value.length === 1) return coerceSingle(def, value[0], label);
    throw invalidValue(`${label} takes a single value`);
  }
  return coerceSingle(def, value, label);
}

/** A single (not multi-valued) value of `def`. */
export function coerceSingle(def: AttributeDef, value: unknown, label = def.name): unknown {
  if (value === null || value === undefined) return null;
  switch (def.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      throw invalidValue(`${label} must be a boolean`);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw invalidValue(`${label} must be an integer`);
    case 'string':
    case 'reference':
    case 'dateTime':
      if (typeof value === 'string') {
        if (value.length > 4096) throw invalidValue(`${label} is longer than 4096 characters`);
        return value;
      }
      if (typeof value === 'number' && def.type === 'string') return String(value);
      throw invalidValue(`${label} must be a string`);
    case 'complex': {
      // Entra ID sends a manager (and members) as the bare id: a string stands for { value }.
      if (typeof value === 'string' && def.subAttributes?.some((a) => a.name === 'value')) return value ? { value } : null;
      if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(`${label} must be an object`);
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const sub = findIn(def.subAttributes ?? [], key);
        if (!sub) continue;
        const coerced = coerceValue(sub, inner, `${label}.${sub.name}`);
        if (coerced !== null) out[sub.name] = coerced;
      }
      return Object.keys(out).length ? out : null;
    }
    default: {
      const never: never = def.type;
      throw new Error(`unknown attribute type ${String(never)}`);
    }
  }
}

/**
 * The writable part of a resource as a client sent it (POST, PUT): known attributes only, in
 * canonical spelling, coerced; read-only ones (id, meta, groups, …) and unknown ones ignored
 * (RFC 7644 §3.3 and §3.5.1), write-only ones (password) discarded.
 */
export function normalizeResource(type: ResourceTypeDef, input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const writeInto = (target: Record<string, unknown>, list: AttributeDef[], source: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(source)) {
      const def = findIn(list, key);
      if (!def || def.mutability === 'readOnly' || def.mutability === 'writeOnly') continue;
      const coerced = coerceValue(def, value);
      if (coerced !== null && !(Array.isArray(coerced) && coerced.length === 0)) target[def.name] = coerced;
    }
  };
  writeInto(out, attributesOf(type, null), input);
  for (const [key, value] of Object.entries(input)) {
    const urn = extensionNamed(type, key);
    if (!urn || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(`${urn} must be an object`);
    const inner: Record<string, unknown> = {};
    writeInto(inner, attributesOf(type, urn), value as Record<string, unknown>);
    if (Object.keys(inner).length) out[urn] = inner;
  }
  return out;
}

/** What /Schemas returns for one schema. */
export function schemaResource(schema: SchemaDef, baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** What /ResourceTypes returns for one resource type. */
export function resourceTypeResource(type: ResourceTypeDef, baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.name === 'User' ? 'A member of the organization' : 'A group of the organization’s members',
    schema: type.schema,
    schemaExtensions: type.extensions.map((schema) => ({ schema, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.name}` },
  };
}

/** Most resources one list response carries. */
export const MAX_RESULTS = 200;

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/api/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A SCIM token of the organization (GraphQL createScimToken), as "Authorization: Bearer <token>".',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}
