import { describe, expect, it } from 'vitest';
import { filter as referenceFilter, parse as referenceParse } from 'scim2-parse-filter';
import { scimPatch as referencePatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { matches, parseFilter } from './scim.filter.js';
import { applyPatch, parsePatchBody } from './scim.patch.js';
import { USER_TYPE } from './scim.schema.js';

/**
 * Differential tests against two widely used implementations nobody here wrote:
 * scim2-parse-filter (filters) and scim-patch (PATCH). Inputs stay where RFC 7644 leaves no
 * room for interpretation (lower-case values, so case rules agree; no `ne` on absent
 * attributes, which the RFC leaves open); on those, both must agree with ours.
 */
const people = [
  {
    id: '1',
    userName: 'ann@example.com',
    active: true,
    title: 'foreman',
    name: { givenName: 'ann', familyName: 'lee' },
    emails: [
      { value: 'ann@example.com', type: 'work', primary: true },
      { value: 'ann@home.example', type: 'home' },
    ],
    meta: { created: '2026-01-01T00:00:00.000Z', lastModified: '2026-03-01T00:00:00.000Z' },
  },
  {
    id: '2',
    userName: 'bob@example.org',
    active: false,
    name: { givenName: 'bob', familyName: 'stone' },
    emails: [{ value: 'bob@example.org', type: 'work' }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'estimating', employeeNumber: '42' },
    meta: { created: '2026-02-01T00:00:00.000Z', lastModified: '2026-02-15T00:00:00.000Z' },
  },
  { id: '3', userName: 'cy@example.com', active: true, meta: { created: '2026-04-01T00:00:00.000Z', lastModified: '2026-04-01T00:00:00.000Z' } },
];

const filters = [
  'userName eq "ann@example.com"',
  'userName sw "b"',
  'userName ew ".com"',
  'userName co "@example"',
  'userName gt "bob"',
  'userName le "bob@example.org"',
  'active eq true',
  'active eq false',
  'title pr',
  'name.familyName pr',
  'name.givenName eq "bob" or name.givenName eq "ann"',
  'userName sw "a" or userName sw "b" and active eq true',
  '(userName sw "a" or userName sw "b") and active eq true',
  'not (active eq true)',
  'not (userName ew ".org") and not (title pr)',
  'emails[type eq "work" and value co "example.org"]',
  'emails[type eq "home"]',
  'emails[primary eq true] and active eq true',
  'emails.value eq "ann@home.example"',
  'emails.type eq "home" or name.familyName eq "stone"',
  'meta.lastModified gt "2026-02-20T00:00:00.000Z"',
  'meta.created lt "2026-02-01T00:00:00.000Z" or meta.created ge "2026-04-01T00:00:00.000Z"',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "estimating"',
  'userName eq "quote \\" inside"',
  'userName eq "ann@example.com" and (emails[type eq "home"] or title pr) and active eq true',
];

describe('filters agree with scim2-parse-filter', () => {
  for (const text of filters) {
    it(text, () => {
      const ours = people.filter((person) => matches(USER_TYPE, parseFilter(text), person)).map((p) => p.id);
      const theirs = people.filter(referenceFilter(referenceParse(text))).map((p) => p.id);
      expect(ours).toEqual(theirs);
    });
  }
});

const start = (): ScimResource =>
  ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'ann@example.com',
    active: true,
    name: { givenName: 'Ann', familyName: 'Lee' },
    emails: [
      { value: 'ann@example.com', type: 'work' },
      { value: 'ann@home.example', type: 'home' },
    ],
    phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
  }) as unknown as ScimResource;

const operationSets: Array<{ label: string; ops: ScimPatchOperation[] }> = [
  { label: 'replace a simple attribute', ops: [{ op: 'replace', path: 'active', value: false }] },
  { label: 'path-less replace (Okta)', ops: [{ op: 'replace', value: { active: false, title: 'foreman' } }] },
  { label: 'add a sub-attribute', ops: [{ op: 'add', path: 'name.middleName', value: 'Q' }] },
  { label: 'replace a sub-attribute', ops: [{ op: 'replace', path: 'name.familyName', value: 'Stone' }] },
  { label: 'remove a sub-attribute', ops: [{ op: 'remove', path: 'name.givenName' }] },
  { label: 'add to a multi-valued attribute', ops: [{ op: 'add', path: 'emails', value: [{ value: 'ann@other.example', type: 'other' }] }] },
  { label: 'replace a multi-valued attribute', ops: [{ op: 'replace', path: 'phoneNumbers', value: [{ value: '+1 555 0199', type: 'mobile' }] }] },
  { label: 'remove by value filter', ops: [{ op: 'remove', path: 'emails[type eq "home"]' }] },
  { label: 'replace a sub-attribute of filtered values', ops: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'ann@new.example' }] },
  { label: 'remove a whole attribute', ops: [{ op: 'remove', path: 'phoneNumbers' }] },
  { label: 'merge into a complex attribute', ops: [{ op: 'add', path: 'name', value: { honorificPrefix: 'Dr.' } }] },
  {
    label: 'several operations in order',
    ops: [
      { op: 'add', path: 'title', value: 'foreman' },
      { op: 'replace', path: 'title', value: 'superintendent' },
      { op: 'remove', path: 'emails[value eq "ann@example.com"]' },
    ],
  },
];

describe('PATCH agrees with scim-patch', () => {
  for (const { label, ops } of operationSets) {
    it(label, () => {
      const ours = applyPatch(USER_TYPE, structuredClone(start()) as unknown as Record<string, unknown>, parsePatchBody({ Operations: ops }));
      const theirs = referencePatch(structuredClone(start()), structuredClone(ops), { mutateDocument: false }) as unknown as Record<string, unknown>;
      delete theirs['meta'];
      expect({ ...ours, schemas: theirs['schemas'] }).toEqual(theirs);
    });
  }
});
