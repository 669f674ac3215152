// The Plan: a plain, serializable value. `plan --json` prints it, `--out` saves it, renderers and
// apply consume it. The fields fixed by the spec (docs/commands.md#plan) are format_version, config, baseline,
// groups[{name, zone, status, items}], requests[{zone, zone_id, groups, body}] and summary.
import type { PlanTier } from '../cloudflare/limits.js';
import type { GroupRecordData } from '../reconcile/record.js';
import type { PurgeBody } from './files.js';
import type { FastlyBody } from '../providers/fastly.js';
import type { CloudFrontBody } from '../providers/cloudfront.js';
import type { ProviderName } from '../providers/types.js';

export type GroupStatus = 'new' | 'changed' | 'revised' | 'content' | 'forced' | 'unchanged' | 'removed';
export const DUE_STATUSES: readonly GroupStatus[] = ['new', 'changed', 'revised', 'content', 'forced'];

export type { FileEntry, PurgeBody, WireBody } from './files.js';

/** Request kinds in the order requests are sent within a zone (docs/purge-yaml.md). */
const REQUEST_KINDS = ['purge_everything', 'hosts', 'prefixes', 'tags', 'files'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** What a request does: `purge` deletes, `invalidate` marks stale (`/invalidate_cache`). */
import type { Action } from '../vocabulary.js';
export type { Action };

/** A request body: Cloudflare's, or a Fastly or CloudFront zone's in its provider's form (docs/providers.md). */
export type RequestBody = PurgeBody | FastlyBody | CloudFrontBody;

export interface PlannedRequest {
  readonly zone: string;
  /** Which CDN the request goes to; present in every request of a plan that has a Fastly or CloudFront zone. */
  readonly provider?: ProviderName;
  readonly zone_id: string | null;
  /** Which endpoint the body goes to: purge_cache or invalidate_cache. */
  readonly action: Action;
  /** Every group this request purges, in file order: those that asked for its items and those whose items it covers. */
  readonly groups: readonly string[];
  readonly kind: RequestKind;
  /** Items in the body (purge_everything counts as one). */
  readonly size: number;
  /**
   * Exactly the JSON that apply POSTs to /zones/{zone_id}/purge_cache (or invalidate_cache). Always
   * the last key. In a Fastly or CloudFront zone's request it is that provider's form (a
   * `RequestBody`: `provider` says which), held under this type so that Cloudflare's readers
   * stay as they are; they skip other providers' requests (providers/plan.ts).
   */
  readonly body: PurgeBody;
}

export interface PlanZone {
  /** The local name from purge.yaml. */
  readonly name: string;
  /** Present in every zone of a plan that has a Fastly or CloudFront zone. */
  readonly provider?: ProviderName;
  /** A Fastly or CloudFront zone's requests in flight at most. */
  readonly concurrency?: number;
  /** A CloudFront zone's invalidation paths and their price beyond the monthly free paths (an estimate). */
  readonly invalidation_cost?: { readonly paths: number; readonly free_paths_per_month: number; readonly usd_per_path: number; readonly usd_beyond_free: number; readonly usd_without_free: number };
  readonly zone_id: string | null;
  /** The Cloudflare zone name (`zones.X.name`), looked up at apply when zone_id is null. */
  readonly zone_name: string | null;
  readonly account_id: string | null;
  readonly plan: PlanTier;
  readonly token_env: string;
  /** The cache key profile name, or null for Cloudflare's default cache key. */
  readonly cache_key: string | null;
  readonly files_per_request: number;
  readonly items_per_request: number;
  /** The zone uses Cache Reserve (docs/purge-yaml.md): the plan warns what its purges refill. Absent: it does not. */
  readonly cache_reserve?: true;
}

/**
 * A group escalated over a budget (docs/purge-yaml.md, "Budgets and escalation"): its file items
 * (`from`: how many were due after dedupe and coverage, and their own estimated send time at the
 * zone's tier) are purged by `to` instead, which takes `requests` requests.
 */
export interface Escalation {
  readonly from: { readonly files: number; readonly seconds: number };
  readonly to: { readonly prefixes: readonly string[] } | { readonly hosts: readonly string[] } | { readonly everything: true };
  /** Which budget, in words. */
  readonly reason: string;
  /** The budget that was exceeded: the group's items, or its zone's seconds or items. */
  readonly budget: { readonly group: string; readonly items: number } | { readonly zone: string; readonly seconds: number } | { readonly zone: string; readonly items: number };
  readonly requests: number;
}

export interface GroupDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly added_count: number;
  readonly removed_count: number;
}

/** Removed file items: each URL with each variant (its headers; `{}` for none). */
export interface RemovedFiles {
  readonly urls: readonly string[];
  readonly variants: readonly Readonly<Record<string, string>>[];
}

/**
 * Items a group lost since the baseline, in one zone (where they were cached): a changed group
 * purges them one last time, with its current ones (README "Only what changed").
 */
export interface RemovedItems {
  readonly zone: string;
  readonly hosts?: readonly string[];
  readonly prefixes?: readonly string[];
  readonly tags?: readonly string[];
  readonly files?: readonly RemovedFiles[];
}

/** What a build or sitemap group's content was compared with (docs/commands.md, "plan --json"). */
export type SourceBaseline =
  | { readonly kind: 'none' }
  | { readonly kind: 'state' | 'build-base'; readonly path: string };

/** Keys added, changed and removed since the baseline: file paths relative to the build directory, or a sitemap's URLs. */
export interface SourceChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/** A build or sitemap group's content: where it was read, how much, against what, and what is due. */
export interface PlanSource {
  readonly kind: 'build' | 'sitemap';
  /** The build directory or the sitemap, relative to purge.yaml. */
  readonly path: string;
  /** Files (build) or entries (sitemap) now. */
  readonly count: number;
  /** Names the content read (paths and digests): a saved plan is stale when it changes. */
  readonly digest: string;
  readonly baseline: SourceBaseline;
  /** `all`: every URL of the group is due; `changes`: those of the changed keys; `none`: not due. */
  readonly due: 'all' | 'changes' | 'none';
  /** Sitemap entries without <lastmod> (purged only when added or removed). */
  readonly without_lastmod?: number;
  /** A build's URL mapping (docs/purge-yaml.md), for reviewers: each changed file is shown with its URLs. */
  readonly base_url?: string;
  readonly index?: string | null;
  readonly clean_urls?: boolean | 'both';
  /** Keys of `changes` whose URLs are not purged: `immutable` files added or removed. */
  readonly not_purged?: readonly string[];
}

export interface PlanGroup {
  readonly name: string;
  /** The zone its items go to; null for a routed group (docs/purge-yaml.md) that sends to several zones. */
  readonly zone: string | null;
  /** The zones the group's items went to, in file order (docs/purge-yaml.md). */
  readonly zones: readonly string[];
  /** For a routed group (no `zone` in a file of several zones): its items and preview per zone. */
  readonly routes?: readonly PlanRoute[];
  readonly status: GroupStatus;
  /** Items the group expands to (URLs x schemes x header variants, plus hosts, prefixes, tags). */
  readonly items: number;
  readonly due: boolean;
  readonly description?: string;
  readonly revision?: number;
  /** sha256 of the group's sorted expanded items (what reconciliation compares). */
  readonly fingerprint?: string;
  /** sha256 over the group's watched files, when it has `watch`. */
  readonly watch_digest?: string;
  /** For `changed` groups: items added and removed since the baseline (lists may be cut). */
  readonly diff?: GroupDiff;
  /** Items the group lost since the baseline, by zone: due with its current ones, purged one last time. */
  readonly removed_items?: readonly RemovedItems[];
  /** The first item keys of the group (`URL [h=v, …]`, `host X`, …), for reviewers. */
  readonly preview?: readonly string[];
  /** The group's cache key profile (null: Cloudflare's default key). */
  readonly cache_key?: string | null;
  /** What the group's items go to (docs/purge-yaml.md): purge_cache or invalidate_cache. Absent for removed groups. */
  readonly action?: Action;
  /** Over a budget: what replaced its file items (docs/purge-yaml.md, "Budgets and escalation"). */
  readonly escalated?: Escalation;
  /** A build or sitemap group's content (docs/purge-yaml.md, "Groups from the deploy"). */
  readonly source?: PlanSource;
  /** A build or sitemap group's keys added, changed and removed since its baseline (whole lists). */
  readonly changes?: SourceChanges;
  /** For due groups: the state record a successful apply writes (apply copies it). */
  readonly record?: GroupRecordData;
}

/** What a routed group sends to one zone, with the cache key its items were expanded with there. */
export interface PlanRoute {
  readonly zone: string;
  readonly cache_key: string | null;
  /** What the group's items do in this zone: its own action, else this zone's (docs/purge-yaml.md). */
  readonly action: Action;
  readonly items: number;
  readonly preview: readonly string[];
}

export interface CoverageEntry {
  readonly zone: string;
  /** `same`: invalidations of items that are purged too, so only purged (docs/purge-yaml.md); `value` is empty. */
  readonly kind: 'everything' | 'host' | 'prefix' | 'same';
  readonly value: string;
  /** How many items this covering item absorbed. */
  readonly covered: number;
  /** `invalidate` when the covering item is an invalidation (absent: a purge). */
  readonly action?: 'invalidate';
}

export interface PlanSummary {
  readonly requests: number;
  readonly files: number;
  readonly hosts: number;
  readonly prefixes: number;
  readonly tags: number;
  readonly everything: number;
  readonly covered: number;
  readonly duplicates: number;
  /** Seconds apply needs at the zones' documented limits (apply/pacing.ts's model). */
  readonly estimated_seconds?: number;
}

export type Baseline =
  | { readonly kind: 'none' }
  | { readonly kind: 'state'; readonly path: string; readonly digest: string }
  | { readonly kind: 'git'; readonly ref: string; readonly commit: string };

export interface Plan {
  readonly format_version: 1;
  readonly config: { readonly path: string; readonly digest: string; readonly inputs_digest: string };
  readonly baseline: Baseline;
  readonly groups: readonly PlanGroup[];
  readonly requests: readonly PlannedRequest[];
  readonly summary: PlanSummary;
  readonly zones: readonly PlanZone[];
  readonly coverage: readonly CoverageEntry[];
  /** What each cache key profile in use varies on, for reviewers (e.g. "device type, country"). */
  readonly cache_keys: Readonly<Record<string, string>>;
  /** The state file the plan was made against (relative to purge.yaml) and its digest then. */
  readonly state: { readonly path: string; readonly digest: string | null };
  /** Planned with --ignore-budget: budgets were not applied (nothing escalated, nothing refused). */
  readonly ignore_budget?: true;
  /** sha256 of the requests and of every input that made a group due: names the plan in the journal. */
  readonly plan_id: string;
}

/** How many items removed items stand for. */
export function removedCount(removed: readonly RemovedItems[] | undefined): number {
  let n = 0;
  for (const zone of removed ?? []) {
    n += (zone.hosts?.length ?? 0) + (zone.prefixes?.length ?? 0) + (zone.tags?.length ?? 0);
    for (const block of zone.files ?? []) n += block.urls.length * block.variants.length;
  }
  return n;
}

export function requestKind(body: RequestBody): RequestKind {
  if ('purge_everything' in body || 'purge_all' in body) return 'purge_everything';
  if ('surrogate_keys' in body) return 'tags';
  if ('url' in body) return 'files';
  if ('paths' in body) return body.paths.length === 1 && body.paths[0] === '/*' ? 'purge_everything' : body.paths.every((path) => path.endsWith('*')) ? 'prefixes' : 'files';
  if ('hosts' in body) return 'hosts';
  if ('prefixes' in body) return 'prefixes';
  if ('tags' in body) return 'tags';
  return 'files';
}
