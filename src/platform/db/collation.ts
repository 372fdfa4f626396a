const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Combining diacritical marks (accents): the collation ignores them; other scripts' marks it does not. */
const ACCENTS = /[\u0300-\u036f]+/g;

/**
 * How MariaDB's utf8mb4_unicode_ci (the records' collation) compares text, as nearly as a key
 * can say: two values with the same key are equal to it. Printable ASCII is exact: the
 * collation tells it apart as lower-casing does (a test checks every pair against the server).
 * Beyond ASCII the key also folds compatibility forms (ﬁ, fullwidth letters), drops accents
 * and spells ß as ss, as the collation's primary strength does ("Café" = "CAFE", "Straße" = "STRASSE"); the collation has
 * rarer equivalences still, so callers that must be exact ask the database about non-ASCII text.
 */
export function collationKey(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(ACCENTS, '').toLowerCase().replaceAll('ß', 'ss');
}

/** Whether `text` is printable ASCII, where collationKey is exact. */
export function isPrintableAscii(text: string): boolean {
  return PRINTABLE_ASCII.test(text);
}
