import { describe, expect, it } from 'vitest';
import { ScimError } from './scim.errors.js';
import { applyPatch, parsePatchBody } from './scim.patch.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_TYPE, normalizeResource, USER_TYPE } from './scim.schema.js';

const base = () =>
  normalizeResource(USER_TYPE, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'bjensen@example.com',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    active: true,
    password: 'secret',
    id: 'ignored',
    meta: { resourceType: 'User' },
  });

const patch = (doc: Record<string, unknown>, operations: unknown[], type = USER_TYPE) => applyPatch(type, doc, parsePatchBody({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }));

function scimTypeOf(fn: () => unknown): string | null | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  return undefined;
}

describe('SCIM resources and PATCH', () => {
  it('normalizes input: canonical names, read-only and write-only attributes dropped, booleans from strings', () => {
    const doc = normalizeResource(USER_TYPE, { USERNAME: 'x@example.com', Active: 'False', NAME: { GIVENNAME: 'X' }, unknownThing: 1, groups: [{ value: '1' }] });
    expect(doc).toEqual({ userName: 'x@example.com', active: false, name: { givenName: 'X' } });
    expect(base()).not.toHaveProperty('password');
    expect(base()).not.toHaveProperty('id');
  });

  it("applies Okta's path-less replace", () => {
    const doc = patch(base(), [{ op: 'replace', value: { active: false } }]);
    expect(doc['active']).toBe(false);
    const again = patch(doc, [{ op: 'replace', value: { id: '7', active: true, name: { givenName: 'Babs' } } }]);
    expect(again['active']).toBe(true);
    expect(again['name']).toEqual({ givenName: 'Babs', familyName: 'Jensen' });
  });

  it("applies Entra ID's forms: capitalized ops, filtered paths, string booleans, URN paths, bare manager id", () => {
    const doc = patch(base(), [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' },
      { op: 'Replace', path: 'name.familyName', value: 'Jensen-Smith' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      { op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, value: 'E-17' },
      { op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: '42' },
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', value: { 'name.givenName': 'Barb', [`${ENTERPRISE_USER_SCHEMA}:department`]: 'Field' } },
    ]);
    expect(doc['emails']).toEqual([{ value: 'barbara@example.com', type: 'work', primary: true }]);
    expect(doc['name']).toEqual({ givenName: 'Barb', familyName: 'Jensen-Smith' });
    expect(doc['phoneNumbers']).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(doc[ENTERPRISE_USER_SCHEMA]).toEqual({ employeeNumber: 'E-17', manager: { value: '42' }, department: 'Field' });
    expect(doc['active']).toBe(false);
  });

  it('adds to and removes from multi-valued attributes, keeping one primary', () => {
    let doc = patch(base(), [{ op: 'add', path: 'emails', value: [{ value: 'b@home.example', type: 'home', primary: true }] }]);
    expect(doc['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'b@home.example', type: 'home', primary: true },
    ]);
    doc = patch(doc, [{ op: 'remove', path: 'emails[type eq "home"]' }]);
    expect(doc['emails']).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: false }]);
    doc = patch(doc, [{ op: 'remove', path: 'name.givenName' }]);
    expect(doc['name']).toEqual({ familyName: 'Jensen' });
  });

  it('changes group members in the Okta and Entra ID forms', () => {
    const group = { displayName: 'Crew', members: [{ value: '1' }, { value: '2' }] };
    expect(patch(group, [{ op: 'add', path: 'members', value: [{ value: '3', display: 'c' }, { value: '1' }] }], GROUP_TYPE)['members']).toEqual([
      { value: '1' },
      { value: '2' },
      { value: '3', display: 'c' },
    ]);
    expect(patch(group, [{ op: 'remove', path: 'members[value eq "2"]' }], GROUP_TYPE)['members']).toEqual([{ value: '1' }]);
    expect(patch(group, [{ op: 'Remove', path: 'members', value: [{ value: '1' }] }], GROUP_TYPE)['members']).toEqual([{ value: '2' }]);
    expect(patch(group, [{ op: 'replace', path: 'members', value: [{ value: '9' }] }], GROUP_TYPE)['members']).toEqual([{ value: '9' }]);
    expect(patch(group, [{ op: 'remove', path: 'members' }], GROUP_TYPE)).toEqual({ displayName: 'Crew' });
    expect(patch(group, [{ op: 'replace', value: { id: '5', displayName: 'Crew 2' } }], GROUP_TYPE)['displayName']).toBe('Crew 2');
  });

  it('refuses what it cannot do, with the RFC scimType, and changes nothing', () => {
    const doc = base();
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'nickname.first', value: 'x' }]))).toBe('invalidPath');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'favouriteColour', value: 'x' }]))).toBe('invalidPath');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'emails[type eq', value: 'x' }]))).toBe('invalidPath');
    expect(scimTypeOf(() => patch(doc, [{ op: 'remove' }]))).toBe('noTarget');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'emails[type eq "work" or type eq "home"]', value: { value: 'x@y.z' } }]))).toBe(undefined);
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'addresses[type eq "work" or type eq "home"].locality', value: 'Oslo' }]))).toBe('noTarget');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'id', value: '9' }]))).toBe('mutability');
    expect(scimTypeOf(() => patch(doc, [{ op: 'add', path: 'groups', value: [{ value: '1' }] }]))).toBe('mutability');
    expect(scimTypeOf(() => patch(doc, [{ op: 'remove', path: 'userName' }]))).toBe('mutability');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'active', value: 'maybe' }]))).toBe('invalidValue');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'name', value: 5 }]))).toBe('invalidValue');
    expect(scimTypeOf(() => patch(doc, [{ op: 'jump', path: 'active', value: true }]))).toBe('invalidSyntax');
    expect(scimTypeOf(() => parsePatchBody({ Operations: [] }))).toBe('invalidSyntax');
    expect(scimTypeOf(() => patch(doc, [{ op: 'replace', path: 'active', value: false }, { op: 'replace', path: 'bogus', value: 1 }]))).toBe('invalidPath');
    expect(doc['active']).toBe(true);
  });
});
