// What a host or prefix purge covers (docs/coverage.md, "What purges an entry"): the one rule the
// planner drops covered items by, and explain and coverage say what reaches a cache entry by.
// Strings are `host[:port]/path?query` (a URL without its scheme) and `host/path` prefixes.

/** Something that answers "is this one of the items": a Set of values, or a Map keyed by them. */
export interface ItemSet {
  has(value: string): boolean;
  readonly size: number;
}

/**
 * The `host[:port]` part of a `host[:port]/path` string. A URL with an explicit port is not
 * taken as covered by a host purge: whether Cloudflare's host purge reaches other ports is
 * undocumented (docs/cloudflare.md), and sending such a URL costs far less than a stale entry.
 */
export function hostOf(hostPath: string): string {
  for (let i = 0; i < hostPath.length; i++) {
    const c = hostPath.charCodeAt(i);
    if (c === 0x2f || c === 0x3f) return hostPath.slice(0, i); // '/' or '?'
  }
  return hostPath;
}

/**
 * The broadest other prefix in `prefixes` that purges `prefix`, if any. Only the boundaries of
 * `prefix` itself can end such a prefix (before a '/' or '?', or just after a '/'), so each is
 * one lookup, shortest first: linear in the length of the prefix, not in the number of prefixes.
 */
export function broadestCovering(prefix: string, prefixes: ItemSet): string | undefined {
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    if (c !== 0x2f && c !== 0x3f) continue;
    const before = prefix.slice(0, i);
    if (prefixes.has(before)) return before;
    if (c === 0x2f && i + 1 < prefix.length && prefixes.has(prefix.slice(0, i + 1))) return prefix.slice(0, i + 1);
  }
  return undefined;
}

/**
 * Visits the prefixes in `prefixes` that cover a URL's host+path+query, broadest first, until
 * `visit` returns false. A prefix covers the URL when it ends at a path-segment boundary: just
 * before or just after a '/', or at the end of the path (before '?' or the end).
 */
function eachCoveringPrefix(hostPath: string, prefixes: ItemSet, visit: (prefix: string) => boolean): void {
  if (prefixes.size === 0) return;
  const queryAt = hostPath.indexOf('?');
  const path = queryAt === -1 ? hostPath : hostPath.slice(0, queryAt);
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const before = path.slice(0, i);
    if (prefixes.has(before) && !visit(before)) return;
    const through = path.slice(0, i + 1);
    if (prefixes.has(through) && !visit(through)) return;
  }
  // The end of the path is a boundary too: prefix `host/foo` purges `https://host/foo` itself.
  if (!path.endsWith('/') && prefixes.has(path)) visit(path);
}

/** The broadest prefix in `prefixes` that covers a file's host+path+query, if any. */
export function coveringPrefix(hostPath: string, prefixes: ItemSet): string | undefined {
  let found: string | undefined;
  eachCoveringPrefix(hostPath, prefixes, (prefix) => {
    found = prefix;
    return false;
  });
  return found;
}

/** Every prefix in `prefixes` that covers a file's host+path+query, broadest first. */
export function coveringPrefixes(hostPath: string, prefixes: ItemSet): string[] {
  const found: string[] = [];
  eachCoveringPrefix(hostPath, prefixes, (prefix) => {
    found.push(prefix);
    return true;
  });
  return found;
}

/** `host[:port]/path?query` of an absolute URL. */
export function hostPathOf(url: string): string {
  return url.slice(url.indexOf('//') + 2);
}
