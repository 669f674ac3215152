// URL normalization: the cache key's view of a URL (spec §2.2). WHATWG serialization for scheme,
// host (punycode), port and path; the query string is kept byte-exact unless the cache key sorts,
// ignores, includes or excludes parameters, which move whole `name=value` pairs and re-encode nothing.
import type { CacheKey, Scheme } from '../config/types.js';

export type NormalizeResult = { readonly urls: readonly string[]; readonly host: string } | { readonly problem: string; readonly hint?: string };

export function normalizeUrl(raw: string, key: CacheKey, schemes: readonly Scheme[] | null): NormalizeResult {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `"${raw}" is not an absolute URL`, hint: 'write the full URL with scheme and host, e.g. https://www.example.com/path' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `"${raw}" is not an http or https URL` };
  if (url.username || url.password) return { problem: `"${raw}" carries a user name or password`, hint: 'remove the credentials from the URL' };
  if (!url.hostname) return { problem: `"${raw}" has no host` };
  const query = normalizeQuery(url.search.slice(1), key);
  const suffix = `${url.pathname}${query ? `?${query}` : ''}`;
  if (!schemes) return { urls: [`${url.protocol}//${url.host}${suffix}`], host: url.hostname };
  const urls = schemes.map((scheme) => {
    // The WHATWG setter drops a port that is the new scheme's default; a fresh copy per scheme,
    // so that a port dropped under one scheme is kept under the other (https://x:80 -> http://x, https://x:80).
    const copy = new URL(url.href);
    copy.protocol = `${scheme}:`;
    return `${copy.protocol}//${copy.host}${suffix}`;
  });
  return { urls, host: url.hostname };
}

/** The query string as the cache key sees it ('' when none is left). */
export function normalizeQuery(query: string, key: CacheKey): string {
  if (query === '' || key.queryIgnore) return '';
  if (!key.querySort && !key.queryInclude && !key.queryExclude) return query;
  let pairs = query.split('&').filter((pair) => pair !== '');
  const nameOf = (pair: string) => {
    const eq = pair.indexOf('=');
    return eq === -1 ? pair : pair.slice(0, eq);
  };
  if (key.queryInclude) {
    const include = new Set(key.queryInclude);
    pairs = pairs.filter((pair) => include.has(nameOf(pair)));
  } else if (key.queryExclude) {
    const exclude = new Set(key.queryExclude);
    pairs = pairs.filter((pair) => !exclude.has(nameOf(pair)));
  }
  if (key.querySort) {
    const valueOf = (pair: string) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? '' : pair.slice(eq + 1);
    };
    // Array.prototype.sort is stable: equal name and value keep their written order.
    pairs = pairs
      .map((pair) => ({ pair, name: nameOf(pair), value: valueOf(pair) }))
      .sort((a, b) => compare(a.name, b.name) || compare(a.value, b.value))
      .map((entry) => entry.pair);
  }
  return pairs.join('&');
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
