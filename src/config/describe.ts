// A cache key in words, for the plan's zone headers.
import type { CacheKey } from './types.js';

/** What a cache key varies on, in words. */
export function describeCacheKey(key: CacheKey): string {
  const parts: string[] = [];
  if (key.deviceType) parts.push('device type');
  if (key.geo) parts.push('country');
  if (key.lang) parts.push('language');
  key.headerInclude.forEach((h) => parts.push(`header ${h}`));
  key.headerPresence.forEach((h) => parts.push(`presence of header ${h}`));
  key.cookieInclude.forEach((c) => parts.push(`cookie ${c}`));
  key.cookiePresence.forEach((c) => parts.push(`presence of cookie ${c}`));
  if (!key.excludeOrigin) parts.push('Origin');
  const query = key.queryIgnore ? 'query ignored'
    : key.queryInclude ? `query: only ${key.queryInclude.join(', ')}${key.querySort ? ', sorted' : ''}`
    : key.queryExclude ? `query without ${key.queryExclude.join(', ')}${key.querySort ? ', sorted' : ''}`
    : key.querySort ? 'query sorted' : 'query as written';
  if (key.hostResolved) parts.push('resolved host');
  return `varies by ${parts.join(', ')}; ${query}`;
}
