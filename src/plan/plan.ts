// Assembles the Plan value from the expanded groups, the reconciliation decisions and the batches.
import { createHash } from 'node:crypto';
import type { Config } from '../config/types.js';
import { describeCacheKey } from '../config/describe.js';
import type { GroupExpansion } from '../expand/group.js';
import { fileKey, groupItemKeys } from '../expand/group.js';
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
}

/** How many item keys a plan keeps per group for reviewers. */
export const PREVIEW_ITEMS = 50;

/** sha256 over a group's item keys in canonical order, streamed: groups can have a million items. */
export function groupFingerprint(expansion: GroupExpansion): string {
  const hash = createHash('sha256');
  let buffer = '';
  const add = (key: string) => {
    buffer += `${key}\n`;
    if (buffer.length > 1 << 16) { hash.update(buffer); buffer = ''; }
  };
  if (expansion.everything) add('everything');
  expansion.hosts.forEach((h) => add(`host ${h}`));
  expansion.prefixes.forEach((p) => add(`prefix ${p}`));
  expansion.tags.forEach((t) => add(`tag ${t}`));
  for (const url of expansion.urls) for (const variant of expansion.variants) add(fileKey(url, variant));
  hash.update(buffer);
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
    if (!expansion) return { name: decision.name, zone: decision.zone, status: decision.status, items: 0, due: false };
    const group = expansion.group;
    const watchDigest = input.watchDigests.get(group.name);
    return {
      name: group.name,
      zone: group.zone,
      status: decision.status,
      items: expansion.items,
      due: decision.due,
      ...(group.description !== null ? { description: group.description } : {}),
      cache_key: group.cacheKeyName,
      revision: group.revision,
      fingerprint: groupFingerprint(expansion),
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
