// Assembles the Plan value from the expanded groups, the reconciliation decisions and the batches.
import { createHash } from 'node:crypto';
import type { Config } from '../config/types.js';
import { describeCacheKey } from '../config/describe.js';
import type { GroupExpansion } from '../expand/group.js';
import { groupItemKeys } from '../expand/group.js';
import { batch } from './batch.js';
import type { Baseline, GroupDiff, GroupStatus, Plan, PlanGroup, PlanZone } from './types.js';

export interface GroupDecision {
  readonly name: string;
  readonly zone: string;
  readonly status: GroupStatus;
  readonly due: boolean;
  readonly diff?: GroupDiff;
}

export interface PlanInput {
  readonly config: Config;
  readonly configPath: string;
  readonly expansions: readonly GroupExpansion[];
  readonly decisions: readonly GroupDecision[];
  readonly baseline: Baseline;
  readonly state: { readonly path: string; readonly digest: string | null };
  readonly watchDigests: ReadonlyMap<string, string>;
  /** Fingerprints already computed (by reconciliation), by group name. */
  readonly fingerprints?: ReadonlyMap<string, string>;
}

/** How many item keys a plan keeps per group for reviewers. */
export const PREVIEW_ITEMS = 50;

/**
 * sha256 naming a group's item set. A group's file items are exactly its URLs x its variants, so
 * hashing the two lists (plus hosts, prefixes, tags, everything) names the same set as hashing
 * every item, at a fraction of the cost for a million-item group.
 */
export function groupFingerprint(expansion: GroupExpansion): string {
  const hash = createHash('sha256');
  const section = (name: string, values: readonly string[]) => {
    hash.update(`${name} ${values.length}\n`);
    for (let start = 0; start < values.length; start += 4096) hash.update(`${values.slice(start, start + 4096).join('\n')}\n`);
  };
  section('everything', expansion.everything ? ['everything'] : []);
  section('hosts', expansion.hosts);
  section('prefixes', expansion.prefixes);
  section('tags', expansion.tags);
  section('urls', expansion.urls);
  section('variants', expansion.urls.length ? expansion.variants.map((v) => v.key) : []);
  return `sha256:${hash.digest('hex')}`;
}

export function buildPlan(input: PlanInput): Plan {
  const { config, expansions, decisions } = input;
  const byName = new Map(expansions.map((e) => [e.group.name, e]));
  const dueNames = new Set(decisions.filter((d) => d.due).map((d) => d.name));
  const due = expansions.filter((e) => dueNames.has(e.group.name));
  const { requests, coverage, counts } = batch(config.zones, due);

  const groups: PlanGroup[] = decisions.map((decision) => {
    const expansion = byName.get(decision.name);
    if (!expansion) return { name: decision.name, zone: decision.zone, zones: decision.zone === null ? [] : [decision.zone], status: decision.status, items: 0, due: false };
    const group = expansion.group;
    const watchDigest = input.watchDigests.get(group.name);
    return {
      name: group.name,
      zone: group.zone,
      zones: [group.zone],
      status: decision.status,
      items: expansion.items,
      due: decision.due,
      ...(group.description !== null ? { description: group.description } : {}),
      cache_key: group.cacheKeyName,
      revision: group.revision,
      fingerprint: input.fingerprints?.get(group.name) ?? groupFingerprint(expansion),
      ...(watchDigest !== undefined ? { watch_digest: watchDigest } : {}),
      ...(decision.diff ? { diff: decision.diff } : {}),
      preview: groupItemKeys(expansion, PREVIEW_ITEMS),
    };
  });

  const zones: PlanZone[] = config.zones.map((zone) => ({
    name: zone.name, zone_id: zone.id, zone_name: zone.zoneName, account_id: zone.accountId, plan: zone.plan, token_env: zone.tokenEnv,
    cache_key: zone.cacheKey, files_per_request: zone.filesPerRequest, items_per_request: zone.itemsPerRequest,
  }));
  // The requests are a function of the inputs and the due groups, so hashing those names the
  // plan without serializing a million items twice.
  const planId = createHash('sha256')
    .update(JSON.stringify({ inputs: config.inputsDigest, zones, due: [...dueNames], summary: counts, requests: requests.length }))
    .digest('hex');
  const cacheKeys: Record<string, string> = {};
  for (const { group } of expansions) cacheKeys[group.cacheKeyName ?? 'default'] ??= describeCacheKey(group.cacheKey);
  return {
    format_version: 1,
    config: { path: input.configPath, digest: config.digest, inputs_digest: config.inputsDigest },
    baseline: input.baseline,
    groups,
    requests,
    summary: { requests: requests.length, ...counts },
    zones,
    coverage,
    cache_keys: Object.fromEntries(Object.entries(cacheKeys).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    state: input.state,
    plan_id: `sha256:${planId}`,
  };
}
