// Cache key profiles (docs/purge-yaml.md `cache_keys`): a profile resolved into the CacheKey the planner
// uses, with the rules a schema cannot express, and which of its features are Enterprise-only.
import { UNINCLUDABLE_HEADERS } from '../cloudflare/limits.js';
import { displayPath } from './path.js';
import type { PathSegment, Report } from './path.js';
import { flag, record, strings } from './raw.js';
import type { Raw } from './raw.js';
import type { CacheKey } from './types.js';

export function resolveCacheKey(raw: Raw, path: readonly PathSegment[], error: Report, warning: Report = error): CacheKey {
  const query = record(raw.query_string) ?? {};
  const headers = record(raw.headers) ?? {};
  const cookies = record(raw.cookies) ?? {};
  const modes = ['ignore', 'include', 'exclude'].filter((mode) => (mode === 'ignore' ? query.ignore === true : Array.isArray(query[mode]) || query[mode] === '*'));
  if (modes.length > 1) {
    error([...path, 'query_string', modes[1]], 'key', `${displayPath([...path, 'query_string'])}: ${modes.map((m) => `"${m}"`).join(' and ')} cannot be used together`, 'Cloudflare keys a query string by one of: ignore it, include only some parameters, or exclude some parameters');
  }
  // A refused header or cookie is reported here and left out of the key, so that groups are not
  // also told to list values for it.
  /**
   * A name listed twice would be two dimensions of one header or cookie, crossed with each other:
   * every item repeated, and `a=1; a=1` in the cookie header. It is kept once, with a warning.
   */
  const repeated = (seen: Set<string>, id: string, name: string, at: readonly PathSegment[], what: string): boolean => {
    if (!seen.has(id)) { seen.add(id); return false; }
    warning(at, 'value', `${displayPath(at)}: ${what} "${name}" is listed twice${what === 'header' ? ' (header names are case-insensitive)' : ''}`, 'remove this entry');
    return true;
  };
  const acceptedHeaders = (list: 'include' | 'check_presence', seen = new Set<string>()): string[] => strings(headers[list]).flatMap((name, i) => {
    const header = name.toLowerCase();
    if (repeated(seen, header, name, [...path, 'headers', list, i], 'header')) return [];
    // lang: true keys accept-language by its value already: listed again it would be a second
    // dimension of the same header, crossed with the first (duplicate and contradictory items).
    if (header === 'accept-language' && raw.lang === true) {
      const at = [...path, 'headers', list, i];
      warning(at, 'value', `${displayPath(at)}: header "${name}" is in the key already, by lang: true`, 'remove it here; lang: true keys the accept-language value, and groups list the languages under variants.lang');
      return [];
    }
    if (!(UNINCLUDABLE_HEADERS as readonly string[]).includes(header) && !header.startsWith('cf-')) return [header];
    const why = header === 'origin' ? 'Origin is in the key already unless exclude_origin is true' : header === 'cookie' ? 'use cookies.include for cookies' : header.startsWith('cf-') ? 'Cloudflare sets its cf-* headers itself; use device_type or geo for cf-device-type and cf-ipcountry' : 'Cloudflare does not allow this header in a custom cache key';
    const at = [...path, 'headers', list, i];
    error(at, 'value', `${displayPath(at)}: header "${name}" cannot be part of a custom cache key`, why);
    return [];
  });
  const headerInclude = acceptedHeaders('include');
  const headerPresence = acceptedHeaders('check_presence');
  headerInclude.filter((h) => headerPresence.includes(h)).forEach((h) => error([...path, 'headers', 'check_presence'], 'key', `${displayPath([...path, 'headers'])}: header "${h}" is in both include and check_presence`, 'keep it in one of them'));
  const acceptedCookies = (list: 'include' | 'check_presence', seen = new Set<string>()): string[] => strings(cookies[list]).flatMap((cookie, i) => {
    if (repeated(seen, cookie, cookie, [...path, 'cookies', list, i], 'cookie')) return [];
    if (!cookie.toLowerCase().startsWith('__cf')) return [cookie];
    const at = [...path, 'cookies', list, i];
    error(at, 'value', `${displayPath(at)}: cookie "${cookie}" cannot be part of a cache key`, 'Cloudflare refuses its own __cf* cookies in cache keys');
    return [];
  });
  const cookieInclude = acceptedCookies('include');
  const cookiePresence = acceptedCookies('check_presence');
  cookieInclude.filter((c) => cookiePresence.includes(c)).forEach((c) => error([...path, 'cookies', 'check_presence'], 'key', `${displayPath([...path, 'cookies'])}: cookie "${c}" is in both include and check_presence`, 'keep it in one of them'));
  return {
    querySort: query.sort === true,
    // `*` means every parameter, as in Cloudflare's rules (docs/purge-yaml.md): include all = the whole
    // query string as if include were absent; exclude all = ignore the query string.
    queryIgnore: query.ignore === true || allParameters(query.exclude),
    queryInclude: Array.isArray(query.include) && !allParameters(query.include) ? strings(query.include) : null,
    queryExclude: Array.isArray(query.exclude) && !allParameters(query.exclude) ? strings(query.exclude) : null,
    deviceType: flag(raw.device_type), geo: flag(raw.geo), lang: flag(raw.lang),
    headerInclude, headerPresence, excludeOrigin: flag(headers.exclude_origin),
    cookieInclude, cookiePresence,
    hostResolved: flag(record(raw.host)?.resolved),
  };
}

/** `"*"` or a list holding `"*"`: every query parameter. */
function allParameters(value: unknown): boolean {
  return value === '*' || (Array.isArray(value) && value.includes('*'));
}

/** Cache key features that Cloudflare offers on Enterprise only (docs/cloudflare.md). */
export function enterpriseFeatures(key: CacheKey): string[] {
  const features: string[] = [];
  if (key.queryInclude || key.queryExclude) features.push('query_string include/exclude');
  if (key.geo) features.push('geo');
  if (key.lang) features.push('lang');
  if (key.headerInclude.length || key.headerPresence.length || key.excludeOrigin) features.push('headers');
  if (key.cookieInclude.length || key.cookiePresence.length) features.push('cookies');
  if (key.hostResolved) features.push('host.resolved');
  return features;
}
