import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

/*
 * Password strength as NIST SP 800-63B (5.1.1.2) asks of a verifier: no composition rules, but
 * refuse values from lists of commonly used or compromised passwords, repetitive or sequential
 * characters and context-specific words (the e-mail, the person's name). zxcvbn-ts, a maintained
 * estimator, does all of it with its common-password and common-name dictionaries: it estimates
 * the guesses an attacker needs, and a score below 3 (fewer than 10^8 guesses) is refused.
 * "aaaaaaaaaaaa" and "password1234" score 0 and 1; four ordinary words score 4.
 */

export const MIN_PASSWORD_SCORE = 3;
/** Letters and digits a password must have besides the words of its e-mail address and name. */
const MIN_OWN_CHARACTERS = 8;

let estimator: ZxcvbnFactory | undefined;

/** Built on first use: the dictionaries cost a few megabytes that only sign-up paths need. */
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  return estimator;
}

/** Why a password is too weak, in words a person can act on; null when it is strong enough. */
export function passwordWeakness(password: string, context: Array<string | null | undefined> = []): string | null {
  const words = context.flatMap((value) => (value ? value.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3) : []));
  // zxcvbn counts each context word as a cheap guess, yet rates a few of them joined (the e-mail's
  // parts and a year) as strong: what is left without them must stand on its own.
  let rest = password.toLowerCase();
  for (const word of [...words].sort((a, b) => b.length - a.length)) rest = rest.split(word).join('');
  if (words.length && rest.replace(/[^\p{L}\p{N}]/gu, '').length < MIN_OWN_CHARACTERS) return weak('it contains your e-mail address or name');
  // zxcvbn's cost grows with the length; beyond 100 characters a password is strong by length.
  const result: ZxcvbnResult = zxcvbn().check(password.slice(0, 100), words);
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const reason =
    result.feedback.warning === 'simpleRepeat' || result.feedback.warning === 'extendedRepeat'
      ? 'it repeats characters'
      : result.feedback.warning === 'sequences'
        ? 'it is a sequence of characters'
        : result.feedback.warning === 'keyPattern' || result.feedback.warning === 'straightRow'
          ? 'it is a keyboard pattern'
          : result.feedback.warning === 'userInputs'
            ? 'it contains your e-mail address or name'
            : result.feedback.warning === 'dates' || result.feedback.warning === 'recentYears'
              ? 'it is built on a date or year'
              : 'it is common or close to a common password';
  return weak(reason);
}

function weak(reason: string): string {
  return `password is too easy to guess: ${reason}; use a longer phrase of unrelated words`;
}
