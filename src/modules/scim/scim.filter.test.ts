import { describe, expect, it } from 'vitest';
import { ScimError } from './scim.errors.js';
import { checkFilter, matches, parseFilter, requiredEquality } from './scim.filter.js';
import { GROUP_TYPE, USER_TYPE } from './scim.schema.js';

const user = {
  id: '7',
  userName: 'Barbara.Jensen@example.com',
  externalId: 'AbC-1',
  active: false,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@home.example', type: 'home' },
    { value: 'barbara@work.example', type: 'work', primary: true },
  ],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Estimating', manager: { value: '3' } },
  meta: { created: '2026-01-02T03:04:05.000Z', lastModified: '2026-02-01T00:00:00.000Z', resourceType: 'User' },
};

const check = (filter: string) => {
  const parsed = parseFilter(filter);
  checkFilter(USER_TYPE, parsed);
  return matches(USER_TYPE, parsed, user);
};

function scimTypeOf(fn: () => unknown): string | null | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  return undefined;
}

describe('SCIM filters', () => {
  it('compares userName case-insensitively and externalId exactly', () => {
    expect(check('userName eq "barbara.jensen@example.com"')).toBe(true);
    expect(check('USERNAME Eq "BARBARA.JENSEN@EXAMPLE.COM"')).toBe(true);
    expect(check('externalId eq "AbC-1"')).toBe(true);
    expect(check('externalId eq "abc-1"')).toBe(false);
  });

  it('supports every operator, pr, booleans, and/or/not with precedence', () => {
    expect(check('userName sw "barbara" and userName ew ".com" and userName co "jensen"')).toBe(true);
    expect(check('name.familyName ne "Smith"')).toBe(true);
    expect(check('active eq false')).toBe(true);
    expect(check('title pr')).toBe(false);
    expect(check('name.givenName pr')).toBe(true);
    expect(check('meta.lastModified gt "2026-01-15T00:00:00Z"')).toBe(true);
    expect(check('userName eq "x" or userName sw "b" and active eq false')).toBe(true);
    expect(check('(userName eq "x" or userName sw "b") and active eq true')).toBe(false);
    expect(check('not (active eq true)')).toBe(true);
  });

  it('matches value paths, also followed by a sub-attribute comparison', () => {
    expect(check('emails[type eq "work"].value eq "barbara@work.example"')).toBe(true);
    expect(check('emails[type eq "home"].value eq "barbara@work.example"')).toBe(false);
    expect(check('emails[type eq "work" and primary eq true]')).toBe(true);
    expect(check('emails.value eq "bjensen@home.example"')).toBe(true);
    expect(check('emails eq "bjensen@home.example"')).toBe(true);
  });

  it('reads extension attributes by their full path', () => {
    expect(check('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "estimating"')).toBe(true);
    expect(check('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "3"')).toBe(true);
  });

  it('refuses bad syntax and unknown attributes with invalidFilter', () => {
    for (const bad of ['userName eq', 'userName equals "x"', 'userName eq "x" and', 'userName eq x', '(userName eq "x"', 'nope eq "x"', 'name.nope eq "x"', 'password eq "x"', 'emails[type eq "work"', '', 'userName eq "unterminated']) {
      expect(scimTypeOf(() => check(bad)), bad).toBe('invalidFilter');
    }
  });

  it('finds equalities a store can narrow on', () => {
    expect(requiredEquality(parseFilter('userName eq "a" and active eq true'), 'userName')).toBe('a');
    expect(requiredEquality(parseFilter('active eq true and externalId eq "e"'), 'externalId')).toBe('e');
    expect(requiredEquality(parseFilter('userName eq "a" or userName eq "b"'), 'userName')).toBeUndefined();
    expect(requiredEquality(parseFilter('not (userName eq "a")'), 'userName')).toBeUndefined();
  });

  it('filters groups by displayName and member', () => {
    const group = { id: '1', displayName: 'Site Managers', members: [{ value: '7' }, { value: '9' }] };
    expect(matches(GROUP_TYPE, parseFilter('displayName eq "site managers"'), group)).toBe(true);
    expect(matches(GROUP_TYPE, parseFilter('members[value eq "9"]'), group)).toBe(true);
    expect(matches(GROUP_TYPE, parseFilter('members.value eq "8"'), group)).toBe(false);
  });
});
