import { describe, expect, it } from 'vitest';
import { hasScope, scopesNotCovered } from './scopes.js';

describe('scopes', () => {
  it('grants everything to *, and read to the matching write', () => {
    expect(hasScope(['*'], 'keys:write')).toBe(true);
    expect(hasScope(['keys:write'], 'keys:read')).toBe(true);
    expect(hasScope(['keys:read'], 'keys:write')).toBe(false);
    expect(hasScope(['imports:write'], 'keys:read')).toBe(false);
  });

  it('lists what a grantor cannot pass on', () => {
    expect(scopesNotCovered(['*'], ['*', 'keys:write'])).toEqual([]);
    expect(scopesNotCovered(['keys:write'], ['keys:read', 'keys:write'])).toEqual([]);
    expect(scopesNotCovered(['keys:write'], ['*', 'imports:write'])).toEqual(['*', 'imports:write']);
  });
});
