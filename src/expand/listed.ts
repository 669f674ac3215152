// The URLs of a build or sitemap group (docs/purge-yaml.md, "Groups from the deploy"): a build's
// files mapped to URLs, and a group's expansion made from listed URLs. Pure: paths in, URLs out.
import type { BuildMapping } from '../config/source-types.js';
import type { Scheme } from '../config/types.js';
import { compare } from '../vocabulary.js';
import type { GroupExpansion } from './group.js';
import { normalizeUrl } from './normalize.js';

/**
 * A file name as a URL path segment. `%`, `#`, `?` (which would end the path) and `\` (which the
 * WHATWG parser reads as "/") are written `%25`, `%23`, `%3F`, `%5C`; every other character is
 * left to the WHATWG URL serializer, which percent-encodes spaces, quotes, `<>`, backquotes,
 * braces and non-ASCII characters (as UTF-8, upper-case hex) when the URL is normalized.
 */
function encodeSegment(name: string): string {
  return name.replace(/[%#?\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

const HTML = '.html';

/**
 * The URLs a file of a build serves at, before normalization: an index file its directory's URL
 * only (whatever `clean_urls` says); another `.html` file per `clean_urls` (false `a/x.html`,
 * true `a/x`, both: the two); any other file its own path. `path` is relative to the build
 * directory, with "/" separators.
 */
export function fileUrls(path: string, mapping: BuildMapping): string[] {
  const segments = path.split('/');
  const name = segments[segments.length - 1]!;
  const encoded = segments.map(encodeSegment);
  if (mapping.index !== null && name === mapping.index) {
    encoded.pop();
    return [`${mapping.baseUrl}${encoded.length ? `${encoded.join('/')}/` : ''}`];
  }
  const full = `${mapping.baseUrl}${encoded.join('/')}`;
  if (mapping.cleanUrls === false || !name.endsWith(HTML) || name.length === HTML.length) return [full];
  const clean = full.slice(0, -HTML.length);
  return mapping.cleanUrls === 'both' ? [clean, full] : [clean];
}

/**
 * A group's expansion with these URLs (raw, normalized here per its cache key and its zone's
 * schemes): its hosts, prefixes, tags and variants as they were. A URL that is not an http(s)
 * URL is left out and returned in `refused` (a sitemap's <loc> may be anything).
 */
export function withListedUrls(part: GroupExpansion, rawUrls: Iterable<string>, schemes: readonly Scheme[] | null): { expansion: GroupExpansion; refused: string[] } {
  const urls = new Set<string>();
  const refused: string[] = [];
  for (const raw of rawUrls) {
    const result = normalizeUrl(raw, part.cacheKey, schemes);
    if ('problem' in result) refused.push(raw);
    else for (const url of result.urls) urls.add(url);
  }
  const sorted = [...urls].sort(compare);
  const others = part.hosts.length + part.prefixes.length + part.tags.length + (part.everything ? 1 : 0);
  return { expansion: { ...part, urls: sorted, items: sorted.length * part.variants.length + others }, refused };
}
