// From a request to its cache entry (spec §8, §9): the URL normalized per the cache key (§2.2)
// and, per dimension of the key, the request's value or its absence, in exactly the header form
// the planner gives its file items (§2.3). explain, coverage and the property tests compare an
// entry with the planner's items through one key function, `entryKey`, which is the planner's
// own item identity (`fileKey`): the three can never disagree on what "the same entry" means.
import { DEFAULT_KEY_HEADERS } from '../cloudflare/limits.js';
import type { CacheKey } from '../config/types.js';
import { fileKey } from '../expand/group.js';
import { compare, normalizeUrl } from '../expand/normalize.js';
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
    if (headers.has(name)) return; // a default-key header also listed in the key is one dimension (§6a)
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

/** A request as explain builds it from flags, or coverage from a Logpush record. */
export interface CacheRequest {
  /** The absolute URL requested (scheme, host, path and query). */
  readonly url: string;
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
  /** The URL as the cache key sees it (§2.2). */
  readonly url: string;
  /** The URL's host name (lower case, punycode, no port). */
  readonly host: string;
  /** The key's request headers, in the planner's form: what a file item must carry to purge it. */
  readonly variant: Variant;
  /** The request's value per dimension of the key (parallel to the key's dimensions), null = absent. */
  readonly values: readonly (string | null)[];
  /** entryKey(url, variant). */
  readonly key: string;
}

export type EntryResult =
  | { readonly entry: CacheEntry }
  /** A dimension's value is not known: the fields that would tell it, and a key naming the entry's known part. */
  | { readonly unknown: readonly RequestField[]; readonly url: string; readonly host: string; readonly key: string }
  | { readonly problem: string; readonly hint?: string };

/** The one identity of a cache entry and of a planner's file item: `URL [h=v, …]`. */
export function entryKey(url: string, variant: Variant): string {
  return fileKey(url, variant);
}

const ABSENT = '\u0001';
const UNKNOWN = '\u0002';

/**
 * Builds entries under one cache key. URL normalizations and variants are memoized, so a log
 * of many requests costs a map lookup per repeated URL and header combination.
 */
export class EntryBuilder {
  readonly dimensions: readonly KeyDimension[];
  private readonly urls = new Map<string, { url: string; host: string } | { problem: string; hint?: string }>();
  private readonly variants = new Map<string, Variant>();

  constructor(readonly key: CacheKey) {
    this.dimensions = keyDimensions(key);
  }

  /** The URL as the key sees it (its own scheme kept: a request has one). */
  normalize(raw: string): { url: string; host: string } | { problem: string; hint?: string } {
    let found = this.urls.get(raw);
    if (found === undefined) {
      const result = normalizeUrl(raw, this.key, null);
      found = 'problem' in result ? { problem: result.problem, ...(result.hint ? { hint: result.hint } : {}) } : { url: result.urls[0]!, host: result.host };
      this.urls.set(raw, found);
    }
    return found;
  }

  entry(request: CacheRequest): EntryResult {
    const normalized = this.normalize(request.url);
    if ('problem' in normalized) return normalized;
    let cookies = request.cookies;
    if (cookies === null && request.headers !== null && typeof request.headers.cookie === 'string') cookies = parseCookieHeader(request.headers.cookie);
    const values: (string | null)[] = [];
    let unknown: RequestField[] | undefined;
    let memo = '';
    for (const dimension of this.dimensions) {
      const value = dimensionValue(dimension, request, cookies);
      if (value === undefined) {
        unknown ??= [];
        if (!unknown.includes(dimension.field!)) unknown.push(dimension.field!);
      }
      values.push(value ?? null);
      memo += `${value === undefined ? UNKNOWN : value === null ? ABSENT : value}\u0000`;
    }
    if (unknown) {
      // Unknown entries are told apart by what is known of them, `?` standing for the rest.
      const known = this.dimensions.map((d, i) => (memo.split('\u0000')[i] === UNKNOWN ? `${d.name}=?` : values[i] === null ? '' : `${d.name}=${values[i]}`)).filter(Boolean).join(', ');
      return { unknown, url: normalized.url, host: normalized.host, key: `${normalized.url} [${known}]` };
    }
    let variant = this.variants.get(memo);
    if (variant === undefined) {
      variant = variantOf(this.dimensions, values);
      this.variants.set(memo, variant);
    }
    return { entry: { url: normalized.url, host: normalized.host, variant, values, key: entryKey(normalized.url, variant) } };
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

/** The request's value for one dimension: a string, null when absent, undefined when unknown. */
function dimensionValue(dimension: KeyDimension, request: CacheRequest, cookies: CacheRequest['cookies']): string | null | undefined {
  switch (dimension.source) {
    case 'device':
      return request.deviceType === undefined ? undefined : request.deviceType;
    case 'country':
      return request.country === undefined ? undefined : request.country.toUpperCase();
    case 'header': {
      if (request.headers === null) return dimension.field === null ? null : undefined;
      const value = request.headers[dimension.name];
      // Cloudflare keys a missing header as an empty value: an empty header is the absent entry.
      return typeof value === 'string' && value !== '' ? value : null;
    }
    case 'presence':
      if (request.headers === null) return undefined;
      return typeof request.headers[dimension.name] === 'string' ? '1' : null;
    case 'cookie': {
      if (cookies === null) return undefined;
      const value = cookies[dimension.name];
      return typeof value === 'string' && value !== '' ? value : null;
    }
    case 'cookie-presence':
      if (cookies === null) return undefined;
      return typeof cookies[dimension.name] === 'string' ? '1' : null;
  }
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
