/*
 * The one check of every address the server redirects a browser back to (SSO returnTo and
 * RelayState, the OAuth sign-in's hand-off to SSO). The value is normalised first, the way a
 * browser would read it, and only then judged: a path on this server, nothing else.
 */

/** Where a browser lands when the requested return path is refused or absent. */
export const DEFAULT_RETURN_PATH = '/account';

const BASE = 'http://return-path.invalid';
const MAX_LENGTH = 2000;
// C0 controls, DEL, and the whitespace a browser strips from a URL before reading it ("/\t/x" is "//x").
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * `value` as a path on this server (`/path?query#fragment`, dot segments resolved), or null.
 *
 * Refused: anything that is not a string of 1–2000 characters; control characters, tabs and
 * newlines; backslashes; any value that, once dot segments are resolved (`/..//x`, `/.//x`,
 * `/%2e%2e//x`) or percent-decoding is undone (`/%2f%2fx`, `/%5cx`, also twice encoded), starts
 * with `//` or `/\` (a browser reads both as another host); and absolute URLs, except those on
 * `sameOrigin` (the server's public origin), which are returned as their path.
 */
export function safeReturnPath(value: unknown, options: { sameOrigin?: string } = {}): string | null {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_LENGTH) return null;
  let candidate = value;
  if (options.sameOrigin && !value.startsWith('/')) {
    const absolute = parse(value, undefined);
    if (!absolute || absolute.origin !== new URL(options.sameOrigin).origin || absolute.username || absolute.password) return null;
    candidate = `${absolute.pathname}${absolute.search}${absolute.hash}`;
  }
  // Every form a browser, proxy or router might decode it into must stay a path here.
  let layer = candidate;
  for (let depth = 0; depth < 4; depth += 1) {
    if (!isLocalPath(layer)) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      return null;
    }
    if (decoded === layer) break;
    layer = decoded;
    if (depth === 3) return null;
  }
  const url = parse(candidate, BASE)!;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Whether `value` is a path that stays on the base origin, before and after normalisation. */
function isLocalPath(value: string): boolean {
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || CONTROL.test(value)) return false;
  const url = parse(value, BASE);
  if (!url || url.origin !== BASE) return false;
  return !url.pathname.startsWith('//');
}

function parse(value: string, base: string | undefined): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}
