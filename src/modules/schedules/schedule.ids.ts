/*
 * Numeric identifiers for formats that need them (MSPDI UIDs, XER and P6 XML object ids): an
 * identifier that is already a small positive integer is kept, so a file exported from MS Project
 * or P6 comes back with the same ids; any other gets the next free number.
 */

const MAX = 2_000_000_000;

export function numericIds(uids: readonly string[], start = 1): Map<string, number> {
  const ids = new Map<string, number>();
  const used = new Set<number>();
  for (const uid of uids) {
    if (!/^\d{1,10}$/.test(uid)) continue;
    const n = Number(uid);
    if (n >= start && n <= MAX && !used.has(n)) {
      ids.set(uid, n);
      used.add(n);
    }
  }
  let next = Math.max(start - 1, ...used) + 1;
  for (const uid of uids) {
    if (ids.has(uid)) continue;
    while (used.has(next)) next++;
    ids.set(uid, next);
    used.add(next);
  }
  return ids;
}

/** Minutes as an ISO 8601 duration of hours, minutes and seconds (`PT8H30M0S`). */
export function isoDuration(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const total = Math.round(Math.abs(minutes) * 60);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}PT${h}H${m}M${s}S`;
}

/** A number without float noise: 4 decimals at most, no trailing zeros. */
export function decimal(value: number): string {
  return String(Math.round(value * 10_000) / 10_000);
}

/** Up to ten identifiers of a list, for a warning: `A1, A2 and 14 more`. */
export function fewOf(ids: readonly string[]): string {
  return `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}`;
}

/** Names, in `warnings`, the identifiers of each kind a format had to renumber (those numericIds did not keep). */
export function warnRenumbered(format: string, kinds: ReadonlyArray<readonly [string, ReadonlyMap<string, number>]>, warnings: string[]): void {
  for (const [kind, ids] of kinds) {
    const changed = [...ids].filter(([uid, n]) => String(n) !== uid).map(([uid, n]) => `${uid} → ${n}`);
    if (changed.length) warnings.push(`${format} needs whole-number ids: ${changed.length} ${kind} id(s) renumbered (${fewOf(changed)})`);
  }
}
