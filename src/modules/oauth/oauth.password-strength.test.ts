import { describe, expect, it } from 'vitest';
import { passwordWeakness } from './oauth.password-strength.js';

describe('password strength (NIST SP 800-63B: common, repetitive, sequential and context words refused)', () => {
  it.each([
    ['aaaaaaaaaaaa', /repeats characters/],
    ['password1234', /common/],
    ['Password12345!', /common/],
    ['qwertyuiop123', /common|keyboard pattern/],
    ['abcdefghijklmnop', /sequence|common/],
    ['123456789012', /common|sequence/],
  ])('refuses %s', (password, reason) => {
    expect(passwordWeakness(password)).toMatch(reason);
  });

  it('refuses a password built on the e-mail address or the name it is for', () => {
    expect(passwordWeakness('riverside.builders', [])).toBeNull();
    expect(passwordWeakness('riverside.builders', ['jane@riverside-builders.com'])).toMatch(/e-mail address or name/);
  });

  it('accepts phrases of unrelated words and long random strings, without composition rules', () => {
    for (const password of ['correct horse battery staple', 'a long enough password', 'trestle-builder-2026', 'x7#Lq9!vT2@mZ', 'é'.repeat(3) + ' façade grue béton']) {
      expect(passwordWeakness(password), password).toBeNull();
    }
  });

  it('judges a very long password by its first 100 characters and does not take long over it', () => {
    expect(passwordWeakness('a'.repeat(10_000))).toMatch(/repeats/);
    expect(passwordWeakness('correct horse battery staple '.repeat(100))).toBeNull();
  });
});
