// `purgeplan explain URL` (docs/coverage.md), the pure part: one request -> its entry, what purges it,
// the zone's tags (conditional), and when nothing purges it, the near misses. Rendering below.
import { describeCacheKey } from '../config/describe.js';
import type { Zone } from '../config/types.js';
import { itemLine } from '../render/human.js';
import type { Styler } from '../diagnostics.js';
import type { CacheEntry, CacheRequest } from './entry.js';
import type { Inspector, NearMiss } from './inspector.js';
import type { Purger, TagItem } from './items.js';
import { jsonText, plural } from '../format.js';
import { printable, quoted } from './text.js';

export interface Explanation {
  readonly request: string;
  readonly entry: CacheEntry;
  readonly zone: Zone;
  readonly keyName: string | null;
  readonly keyDescription: string;
  readonly purgedBy: readonly Purger[];
  readonly tags: readonly TagItem[];
  readonly nearMisses: readonly NearMiss[];
}

export type ExplainResult = { readonly explanation: Explanation } | { readonly problem: string; readonly hint?: string };

export function explain(inspector: Inspector, request: CacheRequest): ExplainResult {
  const resolved = inspector.resolve(request);
  if ('problem' in resolved) return resolved;
  if ('noZone' in resolved) {
    return { problem: `no zone takes the host "${resolved.noZone}"`, hint: 'explain looks at the zone whose `name` is the host or a parent domain of it: check zones.*.name in purge.yaml' };
  }
  const { zone, keyName, builder, result } = resolved;
  // explain reads Cloudflare's cache keys; a Fastly or CloudFront zone purges every variant of a URL (docs/providers.md).
  if (zone.provider !== 'cloudflare') return { problem: `explain reads Cloudflare's cache keys, and zone ${zone.name} is on ${zone.provider === 'fastly' ? 'Fastly' : 'CloudFront'}`, hint: 'there a URL purge reaches every cached variant of the URL: nothing to explain (docs/providers.md)' };
  const keyLabel = keyName === null ? "Cloudflare's default cache key" : `cache key "${keyName}"`;
  if ('problem' in result) return result;
  if ('unknown' in result) {
    // Only the country has no default (the device type is desktop unless told, headers absent).
    return { problem: `${keyLabel} of zone ${zone.name} varies on country (geo): pass --country CC, the country the request came from`, hint: 'e.g. --country FR; XX is unknown, T1 is Tor' };
  }
  const entry = result.entry;
  const { purgers } = inspector.classify(zone.name, entry);
  return {
    explanation: {
      request: request.url, entry, zone, keyName, keyDescription: describeCacheKey(builder.key),
      purgedBy: purgers,
      tags: inspector.index.tagsOf(zone.name),
      nearMisses: purgers.length ? [] : inspector.nearMisses(zone.name, entry, builder, keyName, true),
    },
  };
}

/** The `--json` document: the fields docs/coverage.md describes, plus `format_version` and `purged`. */
export function explanationJson(e: Explanation): string {
  return `${jsonText({
    format_version: 1,
    entry: { url: e.entry.url, headers: e.entry.variant.object ?? {} },
    zone: e.zone.name,
    cache_key: e.keyName,
    purged: e.purgedBy.length > 0,
    purged_by: e.purgedBy.map((p) => ({ group: p.group, kind: p.kind, item: p.item, action: p.action })),
    tags: e.tags.map((t) => ({ group: t.group, tag: t.tag, action: t.action })),
    near_misses: e.nearMisses.map((m) => ({ group: m.group, dimension: m.dimension, value: m.value, declared: m.declared, fix: m.fix })),
  }, 2)}\n`;
}

export function renderExplanation(e: Explanation, style: Styler): string {
  const lines: string[] = [];
  const entryLine = printable(itemLine(e.entry.key));
  if (e.request !== e.entry.url) lines.push(`${style.dim('request')}  ${printable(e.request)}`);
  lines.push(`${style.bold('entry')}    ${entryLine}`);
  const zoneName = [e.zone.zoneName, e.zone.id].filter(Boolean).join(', ');
  lines.push(`${style.dim('zone')}     ${e.zone.name}${zoneName ? ` (${zoneName})` : ''} — cache key ${e.keyName === null ? 'default' : `"${e.keyName}"`} (${e.keyDescription})`);
  lines.push('');
  if (e.purgedBy.length) {
    lines.push(style.green(`Purged by ${plural(e.purgedBy.length, 'item')}:`));
    const width = Math.max(...e.purgedBy.map((p) => p.group.length));
    for (const p of e.purgedBy) {
      const symbol = p.action === 'invalidate' ? '~' : '+';
      lines.push(`  ${style.green(symbol)} ${p.group.padEnd(width)}  ${printable(itemLine(p.item))}${p.action === 'invalidate' ? style.dim('  (invalidated)') : ''}`);
    }
  } else {
    lines.push(style.red('Not purged: no item of the plan reaches this entry.'));
  }
  if (e.tags.length) {
    lines.push('');
    lines.push(style.dim(`Tags in zone ${e.zone.name} (they purge this entry only if its response carried the tag):`));
    for (const t of e.tags.slice(0, 20)) lines.push(style.dim(`  ? ${t.group}: ${t.action === 'invalidate' ? 'invalidated' : 'purged'} if the response carries Cache-Tag: ${printable(t.tag)}`));
    if (e.tags.length > 20) lines.push(style.dim(`  … and ${plural(e.tags.length - 20, 'more tag')}`));
  }
  if (!e.purgedBy.length) {
    lines.push('');
    if (e.nearMisses.length === 0) {
      lines.push('No group purges this URL under any variant.');
    } else {
      const otherUrl = e.nearMisses.some((m) => m.dimension === 'scheme' || m.dimension === 'query');
      lines.push(style.bold(otherUrl
        ? 'Near misses (groups that purge this URL under another scheme or query, which is another cache entry):'
        : 'Near misses (groups that purge this URL, but not this variant):'));
      for (const m of e.nearMisses) {
        lines.push(`  ${m.group}: ${nearMissText(m)}`);
        lines.push(`    ${style.cyan('fix:')} ${printable(m.fix)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** What differs between the request and what the group purges. */
function nearMissText(m: NearMiss): string {
  const list = (values: readonly string[]) => values.map(quoted).join(', ');
  switch (m.dimension) {
    case 'scheme':
      return `the request's scheme is ${quoted(m.value ?? '')}; the group purges this URL under ${list(m.declared)} only`;
    case 'query':
      return `the query parameter ${quoted(m.value ?? '')} differs; the group's URLs at this path ${m.declared.length ? `give it ${list(m.declared)}` : 'do not have it'}`;
    default:
      return `${m.dimension} is ${m.value === null ? 'absent' : quoted(m.value)}; the group declares ${m.declared.length ? list(m.declared) : 'no value (only its absence)'}`;
  }
}
