import { describe, expect, it } from 'vitest';
import { HOSTILE_RETURN_PATHS } from '../../../test/support/hostile-return-paths.js';
import { safeReturnPath } from './return-path.js';

describe('safeReturnPath', () => {
  it('keeps paths on this server, normalised', () => {
    expect(safeReturnPath('/account')).toBe('/account');
    expect(safeReturnPath('/oauth/interaction/abc?x=1#top')).toBe('/oauth/interaction/abc?x=1#top');
    expect(safeReturnPath('/a/../b')).toBe('/b');
    expect(safeReturnPath('/a/./b')).toBe('/a/b');
    expect(safeReturnPath('/search?next=%2Faccount')).toBe('/search?next=%2Faccount');
  });

  it('turns an absolute URL on the server\'s own origin into its path, and only that origin', () => {
    const sameOrigin = 'http://localhost:3000';
    expect(safeReturnPath('http://localhost:3000/oauth/interaction/abc', { sameOrigin })).toBe('/oauth/interaction/abc');
    expect(safeReturnPath('http://localhost:3000//evil.test/x', { sameOrigin })).toBeNull();
    expect(safeReturnPath('http://localhost:3000@evil.test/', { sameOrigin })).toBeNull();
    expect(safeReturnPath('http://user@localhost:3000/', { sameOrigin })).toBeNull();
    expect(safeReturnPath('https://localhost:3000/', { sameOrigin })).toBeNull();
    expect(safeReturnPath('http://localhost:3000/account')).toBeNull();
  });

  it.each(HOSTILE_RETURN_PATHS.map((v) => [JSON.stringify(v), v]))('refuses %s', (_label, value) => {
    expect(safeReturnPath(value)).toBeNull();
    expect(safeReturnPath(value, { sameOrigin: 'http://localhost:3000' })).toBeNull();
  });

  it('refuses what is not a string, empty or too long', () => {
    for (const value of [undefined, null, 42, ['/a'], {}, '', `/${'x'.repeat(2000)}`]) expect(safeReturnPath(value)).toBeNull();
  });
});
