// Stage 3: one group -> its purge items, kept compact: the sorted unique URLs and the sorted
// header variants whose cross product the file items are (URL-major order is the spec's item
// order, so nothing has to be sorted item by item), plus hosts, prefixes, tags and everything.
import type { Diagnostic } from '../diagnostics.js';
import type { Group, Zone } from '../config/types.js';
import { expandPattern, parsePattern } from './patterns.js';
import { compare, normalizeUrl } from './normalize.js';
import { expandVariants } from './variants.js';
import type { Variant } from './variants.js';

export interface GroupExpansion {
  readonly group: Group;
  readonly urls: readonly string[];
  readonly variants: readonly Variant[];
  readonly hosts: readonly string[];
  readonly prefixes: readonly string[];
  readonly tags: readonly string[];
  readonly everything: boolean;
  /** Items before deduplication: URLs x variants + hosts + prefixes + tags + everything. */
  readonly items: number;
}

/** The URLs of a group, normalized per its cache key, sorted and unique; problems as diagnostics. */
export function expandUrls(group: Group, zone: Zone | undefined, file: string): { urls: string[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const urls = new Set<string>();
  for (const { pattern, index, position } of group.urls) {
    const parsed = parsePattern(pattern, group.vars);
    if ('problem' in parsed) continue; // reported by the checker
    let reported = false;
    let outside = false;
    expandPattern(parsed.pattern, (raw) => {
      if (reported) return;
      const result = normalizeUrl(raw, group.cacheKey, zone?.schemes ?? null);
      if ('problem' in result) {
        reported = true;
        diagnostics.push({ file, ...position, severity: 'error', message: `groups.${group.name}.urls[${index}]: ${result.problem}${raw === pattern ? '' : ` (expanded from "${pattern}")`}`, hint: result.hint });
        return;
      }
      if (!outside && zone?.zoneName && result.host !== zone.zoneName && !result.host.endsWith(`.${zone.zoneName}`)) {
        outside = true;
        // A host typed with non-ASCII letters is sent in punycode: name both, or the two look unrelated.
        const typed = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#]*)/iu.exec(raw)?.[1] ?? '';
        const shown = /[^\x00-\x7f]/u.test(typed) ? `"${typed}" (sent as "${result.host}", its punycode form)` : `"${result.host}"`;
        diagnostics.push({ file, ...position, severity: 'warning', message: `groups.${group.name}.urls[${index}]: host ${shown} is not in zone "${zone.name}" (${zone.zoneName})`, hint: 'a purge only reaches URLs of the zone it is sent to: check the zone or the URL' });
      }
      for (const url of result.urls) urls.add(url);
    });
  }
  return { urls: [...urls].sort(compare), diagnostics };
}

export function expandGroup(group: Group, zone: Zone | undefined, file: string): { expansion: GroupExpansion; diagnostics: Diagnostic[] } {
  const { urls, diagnostics } = expandUrls(group, zone, file);
  const variants = urls.length ? expandVariants(group.dimensions) : [];
  const expansion: GroupExpansion = {
    group,
    urls,
    variants,
    hosts: [...group.hosts].sort(compare),
    prefixes: [...group.prefixes].sort(compare),
    tags: [...new Set(group.tags)].sort(compare),
    everything: group.everything,
    items: urls.length * variants.length + group.hosts.length + group.prefixes.length + new Set(group.tags).size + (group.everything ? 1 : 0),
  };
  return { expansion, diagnostics };
}

/** Item keys as shown to reviewers and compared by reconciliation: `URL [h=v, …]`, `host X`, … */
export function fileKey(url: string, variant: Variant): string {
  return variant.key ? `${url} [${variant.key}]` : url;
}

export function groupItemKeys(expansion: GroupExpansion, limit = Infinity): string[] {
  const keys: string[] = [];
  const push = (key: string) => keys.length < limit && keys.push(key);
  if (expansion.everything) push('everything');
  for (const host of expansion.hosts) push(`host ${host}`);
  for (const prefix of expansion.prefixes) push(`prefix ${prefix}`);
  for (const tag of expansion.tags) push(`tag ${tag}`);
  outer: for (const url of expansion.urls) {
    for (const variant of expansion.variants) {
      if (keys.length >= limit) break outer;
      keys.push(fileKey(url, variant));
    }
  }
  return keys;
}
