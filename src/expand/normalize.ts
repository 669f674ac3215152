// URL normalization: the cache key's view of a URL (docs/purge-yaml.md). WHATWG serialization for scheme,
// host (punycode), port and path; the query string is kept byte-exact unless the cache key sorts,
// ignores, includes or excludes parameters, which move whole `name=value` pairs and re-encode nothing.
import { compare } from '../vocabulary.js';
import type { CacheKey, Scheme } from '../config/types.js';

export type NormalizeResult =
  | {
    readonly urls: readonly string[];
    readonly host: string;
    /**
     * Set when the zone's `schemes` were not applied because the URL has an explicit port that is
     * not its scheme's default: the port, and the scheme the URL keeps.
     */
    readonly keptScheme?: { readonly port: string; readonly scheme: Scheme };
  }
  | { readonly problem: string; readonly hint?: string };

/**
 * A URL the WHATWG serializer leaves byte-identical: lower-case http(s) scheme and ASCII host
 * name (last label starting with a letter, so never an IPv4 address; no punycode to check), no
 * port, credentials or fragment, and a path and query of characters it never percent-encodes,
 * with no segment starting with a dot (nor %2e). Most URLs of a site are; they skip the parser,
 * which costs more than the rest of a URL's expansion. A property test compares both paths.
 */
const PLAIN_URL = /^(https?):\/\/((?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*)(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@%/?]*))?$/;
const DOT_SEGMENT = /\/\.|%2e/i;

export function normalizeUrl(raw: string, key: CacheKey, schemes: readonly Scheme[] | null): NormalizeResult {
  const plain = PLAIN_URL.exec(raw);
  if (plain === null || plain[2]!.includes('xn--') || DOT_SEGMENT.test(plain[3]!)) return normalizeUrlByParser(raw, key, schemes);
  const host = plain[2]!;
  const query = plain[4] === undefined ? '' : normalizeQuery(plain[4], key);
  // Most often the URL is its own normal form: the string itself is kept (no copy to build and hash).
  const same = plain[4] === undefined || (query !== '' && query === plain[4]);
  const suffix = query ? `${plain[3]}?${query}` : plain[3]!;
  const urlFor = (scheme: string) => (same && scheme === plain[1] ? raw : `${scheme}://${host}${suffix}`);
  return { urls: schemes ? schemes.map(urlFor) : [urlFor(plain[1]!)], host };
}

/** normalizeUrl by the WHATWG parser, for every URL (exported for the test that compares both). */
export function normalizeUrlByParser(raw: string, key: CacheKey, schemes: readonly Scheme[] | null): NormalizeResult {
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
  const own = `${url.protocol}//${url.host}${suffix}`;
  if (!schemes) return { urls: [own], host: url.hostname };
  // A port other than the scheme's default (the parser keeps no other) serves that one protocol:
  // http://host:8080/ under https would be https://host:8080/, an entry no request ever makes. Such
  // a URL keeps the scheme it was written with (docs/purge-yaml.md, `schemes`).
  if (url.port !== '') {
    const scheme = url.protocol.slice(0, -1) as Scheme;
    return { urls: [own], host: url.hostname, ...(schemes.length === 1 && schemes[0] === scheme ? {} : { keptScheme: { port: url.port, scheme } }) };
  }
  return { urls: schemes.map((scheme) => `${scheme}://${url.host}${suffix}`), host: url.hostname };
}

/** Reordered queries by cache key: a site's URLs repeat a few queries many times. */
const reordered = new WeakMap<CacheKey, Map<string, string>>();
const REORDERED_KEPT = 10_000;

/** The query string as the cache key sees it ('' when none is left). */
function normalizeQuery(query: string, key: CacheKey): string {
  if (query === '' || key.queryIgnore) return '';
  if (!key.querySort && !key.queryInclude && !key.queryExclude) return query;
  let memo = reordered.get(key);
  if (memo === undefined) reordered.set(key, (memo = new Map()));
  let result = memo.get(query);
  if (result === undefined) {
    if (memo.size >= REORDERED_KEPT) memo.clear();
    result = reorderQuery(query, key);
    memo.set(query, result);
  }
  return result;
}

/** normalizeQuery's work: the pairs the key keeps, sorted when it sorts. */
function reorderQuery(query: string, key: CacheKey): string {
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
