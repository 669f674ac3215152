// From a request to its cache entry (docs/coverage.md, docs/coverage.md): the URL normalized per the cache key (docs/purge-yaml.md)
// and, per dimension of the key, the request's value or its absence, in exactly the header form
// the planner gives its file items (docs/purge-yaml.md). explain, coverage and the property tests compare an
// entry with the planner's items through one key function, `entryKey`, which is the planner's
// own item identity (`fileKey`): the three can never disagree on what "the same entry" means.
import { DEFAULT_KEY_HEADERS } from '../cloudflare/limits.js';
import type { CacheKey } from '../config/types.js';
import { fileKey } from '../expand/group.js';
import { normalizeUrl } from '../expand/normalize.js';
import { compare } from '../vocabulary.js';
import { makeVariant } from '../expand/variants.js';
import type { Variant } from '../expand/variants.js';

/** Where a dimension's value comes from in a request, and so in a Logpush record. */
export type DimensionSource = 'device' | 'country' | 'header' | 'presence' | 'cookie' | 'cookie-presence';

/** The Logpush field (or explain flag) a dimension's value is read from when it is unknown. */
export type RequestField = 'ClientDeviceType' | 'ClientCountry' | 'RequestHeaders' | 'Cookies';

export interface KeyDimension {
  /** As in the planner's dimensions: a header of its own, or part of the `cookie` header. */
  readonly kind: 'header' | 'cookie';
  /** Header name (lower case), or cookie name as written. */
  readonly name: string;
  readonly source: DimensionSource;
  /** Its path under a group's `variants` (device_type, geo, lang, headers.x-tenant, cookies.ab). */
  readonly path: string;
  /**
   * The field without which the value is unknown; null for Origin and the other headers of
   * Cloudflare's default key, taken as absent when the log has no RequestHeaders (docs/coverage.md).
   */
  readonly field: RequestField | null;
}

/** The dimensions a cache key has, in the planner's order (headers, then cookies in key order). */
export function keyDimensions(key: CacheKey): KeyDimension[] {
  const dimensions: KeyDimension[] = [];
  const headers = new Set<string>();
  const header = (name: string, source: DimensionSource, path: string, field: RequestField | null) => {
    if (headers.has(name)) return; // a default-key header also listed in the key is one dimension (docs/purge-yaml.md)
    headers.add(name);
    dimensions.push({ kind: 'header', name, source, path, field });
  };
  if (key.deviceType) header('cf-device-type', 'device', 'device_type', 'ClientDeviceType');
  if (key.geo) header('cf-ipcountry', 'country', 'geo', 'ClientCountry');
  if (key.lang) header('accept-language', 'header', 'lang', 'RequestHeaders');
  for (const name of key.headerInclude) header(name, 'header', `headers.${name}`, 'RequestHeaders');
  for (const name of key.headerPresence) header(name, 'presence', `headers.${name}`, 'RequestHeaders');
  if (!key.excludeOrigin) header('origin', 'header', 'headers.origin', null);
  for (const name of DEFAULT_KEY_HEADERS) header(name, 'header', `headers.${name}`, null);
  const cookies = new Set<string>();
  const cookie = (name: string, source: DimensionSource) => {
    if (cookies.has(name)) return;
    cookies.add(name);
    dimensions.push({ kind: 'cookie', name, source, path: `cookies.${name}`, field: 'Cookies' });
  };
  for (const name of key.cookieInclude) cookie(name, 'cookie');
  for (const name of key.cookiePresence) cookie(name, 'cookie-presence');
  return dimensions;
}

/** How many raw URLs an EntryBuilder memoizes before it starts over. */
export const RAW_MEMO_LIMIT = 1 << 17;

/** A request as explain builds it from flags, or coverage from a Logpush record. */
export interface CacheRequest {
  /** The absolute URL requested (scheme, host, path and query). */
  readonly url: string;
  /**
   * The URL's parts as a log gives them, when it does (lower-case host, path and query): URL
   * normalizations are then memoized by host and path, without hashing the whole URL.
   */
  readonly parts?: { readonly scheme: 'http' | 'https'; readonly host: string; readonly target: string } | undefined;
  /** cf-device-type; undefined when not known. */
  readonly deviceType: string | undefined;
  /** cf-ipcountry in any case; undefined when not known. */
  readonly country: string | undefined;
  /** Request headers by lower-case name; null when not known (a log without RequestHeaders). */
  readonly headers: Readonly<Record<string, string>> | null;
  /** Cookies by name; null when not known. */
  readonly cookies: Readonly<Record<string, string>> | null;
}

export interface CacheEntry {
  /** The URL as the cache key sees it (docs/purge-yaml.md). */
  readonly url: string;
  /** The URL's host name (lower case, punycode, no port). */
  readonly host: string;
  /** The key's request headers, in the planner's form: what a file item must carry to purge it. */
  readonly variant: Variant;
  /** The request's value per dimension of the key (parallel to the key's dimensions), null = absent. */
  readonly values: readonly (string | null)[];
  /** entryKey(url, variant). */
  readonly key: string;
  /**
   * The entry's number within its builder (0, 1, … in the order entries are first built): a
   * dense index, so a consumer counting requests per entry (coverage) needs no lookup by key.
   */
  readonly ordinal: number;
}

export type EntryResult =
  | { readonly entry: CacheEntry }
  /** A dimension's value is not known: the fields that would tell it, and a key naming the entry's known part. */
  | { readonly unknown: readonly RequestField[]; readonly url: string; readonly host: string; readonly key: string }
  | { readonly problem: string; readonly hint?: string };

/** The one identity of a cache entry and of a planner's file item: `URL [h=v, …]`. */
function entryKey(url: string, variant: Variant): string {
  return fileKey(url, variant);
}

interface NormalizedUrl {
  readonly url: string;
  readonly host: string;
  /** This URL's entries by their variant's number: a repeated entry is the same object, built once. */
  readonly entries: ({ readonly entry: CacheEntry } | undefined)[];
}

/**
 * Builds entries under one cache key. URL normalizations, variants and entry keys are memoized,
 * so a log of many requests costs a few map lookups per repeated URL and header combination.
 */
export class EntryBuilder {
  readonly dimensions: readonly KeyDimension[];
  private readonly urls = new Map<string, NormalizedUrl | { problem: string; hint?: string }>();
  private readonly variants = new Map<string, { variant: Variant; values: readonly (string | null)[]; index: number }>();
  private entryCount = 0;
  /** Dimension index by header name (value and presence headers), and by cookie name. */
  private readonly headerIndex = new Map<string, number>();
  private readonly cookieIndex = new Map<string, number>();
  /** The dimension of the key's language (`lang`), -1 when it has none. */
  private readonly langIndex: number;
  private readonly httpsHosts = new Map<string, Map<string, NormalizedUrl | { problem: string; hint?: string }>>();
  private readonly httpHosts = new Map<string, Map<string, NormalizedUrl | { problem: string; hint?: string }>>();
  /** Normalized URLs by their text: the identity of an entry's URL. */
  private readonly byUrl = new Map<string, NormalizedUrl>();
  private rawMemoized = 0;

  constructor(readonly key: CacheKey) {
    this.dimensions = keyDimensions(key);
    this.langIndex = this.dimensions.findIndex((d) => d.path === 'lang');
    this.dimensions.forEach((d, i) => {
      if (d.source === 'header' || d.source === 'presence') this.headerIndex.set(d.name, i);
      else if (d.source === 'cookie' || d.source === 'cookie-presence') this.cookieIndex.set(d.name, i);
    });
  }

  /** The URL as the key sees it (its own scheme kept: a request has one). */
  private normalizeParts(parts: NonNullable<CacheRequest['parts']>, raw: string): NormalizedUrl | { problem: string; hint?: string } {
    const byHost = parts.scheme === 'https' ? this.httpsHosts : this.httpHosts;
    let targets = byHost.get(parts.host);
    if (targets === undefined) byHost.set(parts.host, (targets = new Map()));
    let found = targets.get(parts.target);
    if (found === undefined) {
      const normalized = (found = this.normalize(raw, false));
      this.remember(() => {
        let again = byHost.get(parts.host);
        if (again === undefined) byHost.set(parts.host, (again = new Map()));
        again.set(parts.target, normalized);
      });
    }
    return found;
  }

  normalize(raw: string, memoize = true): NormalizedUrl | { problem: string; hint?: string } {
    let found = this.urls.get(raw);
    if (found === undefined) {
      const result = normalizeUrl(raw, this.key, null);
      if ('problem' in result) found = { problem: result.problem, ...(result.hint ? { hint: result.hint } : {}) };
      else {
        // Requests whose URLs differ only in what the key drops or reorders share one URL, and so
        // one entry per variant: an entry is counted once however its requests spelled the URL.
        const url = result.urls[0]!;
        found = this.byUrl.get(url);
        if (found === undefined) this.byUrl.set(url, (found = { url, host: result.host, entries: [] }));
      }
      if (memoize) this.remember(() => this.urls.set(raw, found!));
    }
    return found;
  }

  /**
   * Memoizes a raw URL's normalization. Raw URLs may be many more than entries (a cache-busting
   * query under a key that drops it): past RAW_MEMO_LIMIT the raw memo starts over, so memory
   * follows distinct entries, not lines (docs/coverage.md).
   */
  private remember(set: () => void): void {
    if (++this.rawMemoized > RAW_MEMO_LIMIT) {
      this.urls.clear();
      this.httpsHosts.clear();
      this.httpHosts.clear();
      this.rawMemoized = 1;
    }
    set();
  }

  entry(request: CacheRequest): EntryResult {
    const normalized = request.parts ? this.normalizeParts(request.parts, request.url) : this.normalize(request.url);
    if ('problem' in normalized) return normalized;
    const dimensions = this.dimensions;
    // undefined: unknown; null: absent.
    const values: (string | null | undefined)[] = new Array(dimensions.length).fill(null);
    const headers = request.headers;
    let cookies = request.cookies;
    if (cookies === null && headers !== null && typeof headers.cookie === 'string') cookies = parseCookieHeader(headers.cookie);
    let unknown = false;
    for (let i = 0; i < dimensions.length; i++) {
      const d = dimensions[i]!;
      if (d.source === 'device') values[i] = request.deviceType;
      else if (d.source === 'country') values[i] = request.country?.toUpperCase();
      else if (d.kind === 'header' ? headers === null && d.field !== null : cookies === null) values[i] = undefined;
      else continue;
      if (values[i] === undefined) unknown = true;
    }
    // Only the headers and cookies the request has are looked at: logs carry few of them.
    if (headers !== null) {
      for (const name in headers) {
        const i = this.headerIndex.get(name);
        if (i === undefined) continue;
        const value = headers[name];
        if (typeof value !== 'string') continue;
        // Cloudflare keys a missing header as an empty value: an empty header is the absent entry.
        const keyed = i === this.langIndex ? firstLanguage(value) : value;
        values[i] = dimensions[i]!.source === 'presence' ? '1' : keyed === '' ? null : keyed;
      }
    }
    if (cookies !== null) {
      for (const name in cookies) {
        const i = this.cookieIndex.get(name);
        if (i === undefined) continue;
        const value = cookies[name];
        if (typeof value !== 'string') continue;
        values[i] = dimensions[i]!.source === 'cookie-presence' ? '1' : value === '' ? null : value;
      }
    }
    if (unknown) {
      // Unknown entries are told apart by what is known of them, `?` standing for the rest.
      const fields: RequestField[] = [];
      const known: string[] = [];
      dimensions.forEach((d, i) => {
        const value = values[i];
        if (value === undefined) {
          if (!fields.includes(d.field!)) fields.push(d.field!);
          known.push(`${d.name}=?`);
        } else if (value !== null) known.push(`${d.name}=${value}`);
      });
      return { unknown: fields, url: normalized.url, host: normalized.host, key: `${normalized.url} [${known.join(', ')}]` };
    }
    let memo = '';
    for (let i = 0; i < values.length; i++) if (values[i] !== null) memo += `${i}\u0001${values[i]}\u0000`;
    let found = this.variants.get(memo);
    if (found === undefined) {
      const known = values as (string | null)[];
      found = { variant: variantOf(dimensions, known), values: known, index: this.variants.size };
      this.variants.set(memo, found);
    }
    let result = normalized.entries[found.index];
    if (result === undefined) {
      const { variant, values } = found;
      result = { entry: new BuiltEntry(normalized.url, normalized.host, variant, values, this.entryCount++) };
      normalized.entries[found.index] = result;
    }
    return result;
  }
}

/** A CacheEntry whose key is built when first asked for: coverage asks only for missed entries'. */
class BuiltEntry implements CacheEntry {
  private builtKey: string | undefined;
  constructor(readonly url: string, readonly host: string, readonly variant: Variant, readonly values: readonly (string | null)[], readonly ordinal: number) {}
  get key(): string {
    return (this.builtKey ??= entryKey(this.url, this.variant));
  }
}

/** The headers of a variant, as the planner builds them: cookies joined in key order, names sorted. */
function variantOf(dimensions: readonly KeyDimension[], values: readonly (string | null)[]): Variant {
  const headers: [string, string][] = [];
  const cookies: string[] = [];
  dimensions.forEach((d, i) => {
    const value = values[i];
    if (value === null) return;
    if (d.kind === 'header') headers.push([d.name, value]);
    else cookies.push(`${d.name}=${value}`);
  });
  if (cookies.length) headers.push(['cookie', cookies.join('; ')]);
  headers.sort((a, b) => compare(a[0], b[0]));
  return makeVariant(headers);
}

/**
 * The language a cache key with `lang` holds: the first language code of Accept-Language, the
 * text before the first `,` or `;`, trimmed, its case kept (Cloudflare matches it case-sensitively).
 * So `ja,en-US;q=0.9` is the entry `ja`. This is our reading of Cloudflare's documentation of the
 * Language cache key setting (docs/coverage.md).
 */
function firstLanguage(header: string): string {
  const end = header.search(/[,;]/);
  return (end === -1 ? header : header.slice(0, end)).trim();
}

/** `a=1; b=2` -> {a: '1', b: '2'} (the first of a repeated name wins, as servers commonly read it). */
export function parseCookieHeader(header: string): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !(name in cookies)) cookies[name] = part.slice(eq + 1).trim();
  }
  return cookies;
}
