// The storage GraphiQL writes to (localStorage, keys "graphiql:…"), with request headers kept
// out of it. GraphiQL's shouldPersistHeaders: false covers only the headers editor and the
// tabs; its history plugin still saves each run's headers (API keys and bearer tokens) with the
// query. Every value is checked on its way in: request headers are removed wherever they appear,
// so a secret never reaches the disk, whichever GraphiQL feature wrote it.

/** Keys GraphiQL uses for the headers editor itself; never stored. */
const HEADER_KEYS = /(^|:)headers$/;

/** `value` without any `headers` member, at any depth (history items, favorites, tabs). */
function withoutHeaders(value) {
  if (Array.isArray(value)) return value.map(withoutHeaders);
  if (value === null || typeof value !== 'object') return value;
  const copy = {};
  for (const [name, member] of Object.entries(value)) {
    if (name === 'headers') continue;
    copy[name] = withoutHeaders(member);
  }
  return copy;
}

/** The value to store for `key`, or null when nothing may be stored. */
export function scrubbed(key, value) {
  if (HEADER_KEYS.test(key)) return null;
  if (typeof value !== 'string') return value;
  let parsed;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value; // the query and variables editors' text: no headers in it
  }
  return JSON.stringify(withoutHeaders(parsed));
}

/** A Storage (GraphiQL's `storage` prop) over `backing`, scrubbing every write. */
export function headerFreeStorage(backing) {
  const namespaced = () => Object.keys(backing).filter((key) => key.startsWith('graphiql:'));
  return {
    getItem: (key) => backing.getItem(key),
    setItem(key, value) {
      const safe = scrubbed(key, value);
      if (safe === null) backing.removeItem(key);
      else backing.setItem(key, safe);
    },
    removeItem: (key) => backing.removeItem(key),
    clear() {
      for (const key of namespaced()) backing.removeItem(key);
    },
    get length() {
      return namespaced().length;
    },
  };
}

/** Removes headers an earlier version of the page left in `backing`. */
export function scrubExisting(backing) {
  for (const key of Object.keys(backing).filter((k) => k.startsWith('graphiql:'))) {
    const value = backing.getItem(key);
    const safe = scrubbed(key, value);
    if (safe === null) backing.removeItem(key);
    else if (safe !== value) backing.setItem(key, safe);
  }
}
