// One escalate step applied to a due group (docs/purge-yaml.md, "Budgets and escalation"): the
// prefixes, hosts or purge of everything that stand in for its file items. The file items stay in
// the group's expansions: the added items cover them (plan/cover.ts), so they dedupe, cover and
// chunk like declared ones, and whatever a step does not cover is still sent.
import { MAX_PREFIX_SEPARATORS } from '../cloudflare/limits.js';
import { CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS } from '../providers/cloudfront.js';
import { zoneForHost } from '../config/route.js';
import type { EscalateStep, Zone } from '../config/types.js';
import { normalizeHost, normalizePrefix } from '../config/values.js';
import type { GroupExpansion } from '../expand/group.js';
import { compare } from '../vocabulary.js';
import { hostOf, hostPathOf } from './cover.js';
import type { Escalation } from './types.js';

/** A step applied: the group's expansions with the added items, what they are, and how many requests they take. */
export interface AppliedStep {
  readonly parts: GroupExpansion[];
  readonly to: Escalation['to'];
  readonly requests: number;
}

/** A step that cannot stand in for the group: why, for the message. */
export interface UnfitStep {
  readonly unfit: string;
}

/** The step's name as purge.yaml writes it. */
export function stepLabel(step: EscalateStep): string {
  return step.kind === 'prefixes' || step.kind === 'hosts' ? `{ ${step.kind}: [...] }` : step.kind;
}

/** `parts`: the group's due expansions (its items, then those it lost), in order. */
export function applyStep(step: EscalateStep, parts: readonly GroupExpansion[], zones: readonly Zone[]): AppliedStep | UnfitStep {
  switch (step.kind) {
    case 'auto': return withValues('prefixes', autoPrefixes(parts), parts, zones);
    case 'host': return withValues('hosts', urlHosts(parts), parts, zones);
    case 'prefixes':
    case 'hosts': return withValues(step.kind, explicitValues(step.kind, step.values, parts, zones), parts, zones);
    case 'everything': {
      const [first, ...rest] = parts;
      // purge.yaml's check refuses it where the zone cannot purge everything (Fastly cannot invalidate it).
      const fastly = zones.find((z) => z.name === first!.zone && z.provider === 'fastly');
      if (fastly !== undefined && first!.action === 'invalidate') return { unfit: `zone ${fastly.name} is a Fastly service, whose purge_all has no soft form` };
      return { parts: [{ ...first!, everything: true, items: first!.items + (first!.everything ? 0 : 1) }, ...rest], to: { everything: true }, requests: 1 };
    }
  }
}

/** Values by the zone they go to, or why the step does not fit. */
type Placed = Map<string, string[]> | UnfitStep;

/** The parts with each zone's values added to its first part (a new one where the group had none), skipping what the group already asks for there. */
function withValues(kind: 'prefixes' | 'hosts', placed: Placed, parts: readonly GroupExpansion[], zones: readonly Zone[]): AppliedStep | UnfitStep {
  if ('unfit' in placed) return placed;
  // Fastly purges URLs, surrogate keys or a whole service, never a host or a prefix (docs/providers.md).
  const fastly = [...placed.keys()].map((name) => zones.find((z) => z.name === name)).find((z) => z?.provider === 'fastly');
  if (fastly !== undefined) return { unfit: `zone ${fastly.name} is a Fastly service, which cannot purge ${kind === 'prefixes' ? 'a prefix' : 'a host'}` };
  const out = [...parts];
  let requests = 0;
  const all: string[] = [];
  for (const [zone, values] of placed) {
    let index = out.findIndex((p) => p.zone === zone);
    if (index === -1) {
      // A routed group whose explicit step names a host of a zone it has no items in: its route there says how.
      const route = parts[0]!.group.routes?.get(zone);
      out.push({ ...parts[0]!, zone, cacheKeyName: route?.cacheKeyName ?? null, cacheKey: route?.cacheKey ?? parts[0]!.cacheKey, action: route?.action ?? parts[0]!.action, urls: [], variants: [], hosts: [], prefixes: [], tags: [], everything: false, items: 0 });
      index = out.length - 1;
    }
    const asked = new Set(out.filter((p) => p.zone === zone).flatMap((p) => p[kind]));
    const added = [...new Set(values)].filter((v) => !asked.has(v)).sort(compare);
    if (added.length === 0) continue;
    const part = out[index]!;
    out[index] = { ...part, [kind]: [...part[kind], ...added], items: part.items + added.length };
    requests += requestsFor(kind, added.length, zones.find((z) => z.name === zone));
    all.push(...added);
  }
  if (all.length === 0) return { unfit: `the group already asks for ${kind === 'prefixes' ? 'these prefixes' : 'these hosts'}` };
  all.sort(compare);
  return { parts: out, to: kind === 'prefixes' ? { prefixes: all } : { hosts: all }, requests };
}

/**
 * The requests `n` added prefixes or hosts take in a zone: Cloudflare's chunked to its limit; on
 * CloudFront a host is `/*` (one path, whatever the hosts) and prefixes are wildcard paths, 15 a batch.
 */
function requestsFor(kind: 'prefixes' | 'hosts', n: number, zone: Zone | undefined): number {
  if (zone?.provider === 'cloudfront') return kind === 'hosts' ? 1 : Math.ceil(n / CLOUDFRONT_MAX_WILDCARDS_IN_PROGRESS);
  return Math.ceil(n / (zone?.itemsPerRequest ?? 100));
}

/** `www.example.com` and `/blog/a/` of a normalized URL (its path without the query). */
function hostAndPath(url: string): { host: string; path: string } {
  const hostPath = hostPathOf(url);
  const host = hostOf(hostPath);
  const rest = hostPath.slice(host.length);
  const query = rest.indexOf('?');
  return { host, path: query === -1 ? rest : rest.slice(0, query) };
}

/**
 * `auto`: per host, the longest common path prefix of the group's due URLs in whole segments,
 * ending in `/`. It does not fit when, for some host, that is shallower than one segment (the
 * host's root: a host purge, which `host` says explicitly), or the URLs carry a port (a prefix
 * has none).
 */
function autoPrefixes(parts: readonly GroupExpansion[]): Placed {
  const common = new Map<string, { dir: string; zone: string }>();
  for (const part of parts) {
    for (const url of part.urls) {
      const { host, path } = hostAndPath(url);
      const dir = path.slice(0, path.lastIndexOf('/') + 1) || '/';
      const seen = common.get(host);
      if (seen === undefined) { common.set(host, { dir, zone: part.zone }); continue; }
      let prefix = seen.dir;
      // Back to the last whole segment both share.
      while (!dir.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
      seen.dir = prefix;
    }
  }
  if (common.size === 0) return { unfit: 'the group has no URLs due' };
  const placed = new Map<string, string[]>();
  for (const [host, { dir, zone }] of [...common].sort(([a], [b]) => compare(a, b))) {
    if (host.includes(':') || host.includes('[')) return { unfit: `the URLs of ${host} carry a port, and a prefix purge has none` };
    if (dir === '/') return { unfit: `the URLs of ${host} share no path segment (their common prefix is ${host}/)` };
    const prefix = normalizePrefix(cutDepth(host + dir));
    if ('problem' in prefix) return { unfit: prefix.problem };
    placed.set(zone, [...(placed.get(zone) ?? []), prefix.value]);
  }
  return placed;
}

/** A prefix cut back to Cloudflare's deepest (docs/cloudflare.md): a shorter prefix covers the same URLs and more. */
function cutDepth(prefix: string): string {
  let slashes = 0;
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] === '/' && ++slashes === MAX_PREFIX_SEPARATORS) return prefix.slice(0, i + 1);
  }
  return prefix;
}

/** `host`: each host of the group's due URLs (a URL with a port is not covered by a host purge, and stays a file item). */
function urlHosts(parts: readonly GroupExpansion[]): Placed {
  const placed = new Map<string, string[]>();
  for (const part of parts) {
    const hosts = new Set<string>();
    for (const url of part.urls) {
      const host = normalizeHost(hostAndPath(url).host);
      if ('value' in host) hosts.add(host.value);
    }
    if (hosts.size) placed.set(part.zone, [...(placed.get(part.zone) ?? []), ...hosts]);
  }
  return placed.size ? placed : { unfit: 'the group has no URL whose host a host purge reaches' };
}

/** Explicit prefixes or hosts: to the group's zone, or for a routed group to the zone of each value's host. */
function explicitValues(kind: 'prefixes' | 'hosts', values: readonly string[], parts: readonly GroupExpansion[], zones: readonly Zone[]): Placed {
  const group = parts[0]!.group;
  const placed = new Map<string, string[]>();
  for (const value of values) {
    const zone = group.routes === null ? group.zone : zoneForHost(zones, kind === 'prefixes' ? value.split('/')[0]! : value)?.name;
    if (zone === undefined) continue; // refused when the file was checked
    placed.set(zone, [...(placed.get(zone) ?? []), value]);
  }
  return placed;
}
