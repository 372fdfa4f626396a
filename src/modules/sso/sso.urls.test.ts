import { describe, expect, it } from 'vitest';
import { emailDomain } from './sso.service.js';
import { ssoUrls } from './sso.urls.js';

describe('emailDomain', () => {
  it('is the lower-case domain of an address, or null', () => {
    expect(emailDomain('Ada@Example.COM')).toBe('example.com');
    expect(emailDomain('a@b@example.com')).toBe('example.com');
    expect(emailDomain('ada@localhost')).toBeNull();
    expect(emailDomain('ada@')).toBeNull();
    expect(emailDomain('@example.com')).toBeNull();
    expect(emailDomain('ada@exa mple.com')).toBeNull();
  });
});

describe('ssoUrls', () => {
  it('builds every URL on the public base', () => {
    expect(ssoUrls('https://trestle.example.com/', 7)).toEqual({
      login: 'https://trestle.example.com/sso/7/login',
      spEntityId: 'https://trestle.example.com/sso/saml/7/metadata',
      metadata: 'https://trestle.example.com/sso/saml/7/metadata',
      acs: 'https://trestle.example.com/sso/saml/7/acs',
      oidcCallback: 'https://trestle.example.com/sso/oidc/7/callback',
    });
  });
});
