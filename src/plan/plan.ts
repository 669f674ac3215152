// Assembles the Plan value from the expanded groups, the reconciliation decisions and the batches.
import { createHash } from 'node:crypto';
import type { Config, Group } from '../config/types.js';
import { describeCacheKey } from '../config/describe.js';
import type { GroupExpansion } from '../expand/group.js';
import { byGroup, groupItemKeys } from '../expand/group.js';
import { compare } from '../vocabulary.js';
import { groupRecord, partsItems } from '../reconcile/record.js';
import { estimatedSeconds, namesProviders, providerCounts, providerRequests, providerZone } from '../providers/plan.js';
import type { GroupRecordData } from '../reconcile/record.js';
import { budgetedBatch } from './escalate.js';
import { CompactFiles } from './files.js';
import { makeVariant } from '../expand/variants.js';
import type { Variant } from '../expand/variants.js';
import type { Baseline, GroupDiff, GroupStatus, Plan, PlanGroup, PlannedRequest, PlanSource, PlanZone, RemovedItems, SourceChanges } from './types.js';
import { sourceExpansions } from '../reconcile/sources.js';
import type { ContentRead } from '../reconcile/sources.js';

export interface GroupDecision {
  readonly name: string;
  readonly zone: string;
  readonly status: GroupStatus;
  readonly due: boolean;
  readonly diff?: GroupDiff;
  /** Items the group lost since the baseline, by zone: due with its current ones (purged one last time). */
  readonly removed_items?: readonly RemovedItems[];
  /** A build or sitemap group's content and what changed in it (docs/purge-yaml.md, "Groups from the deploy"). */
  readonly source?: PlanSource;
  readonly changes?: SourceChanges;
}

export interface PlanInput {
  readonly config: Config;
  /** The configuration's path as the plan records it (relative to the plan file when saved). */
  readonly configPath: string;
  readonly expansions: readonly GroupExpansion[];
  readonly decisions: readonly GroupDecision[];
  readonly baseline: Baseline;
  readonly state: { readonly path: string; readonly digest: string | null };
  readonly watchDigests: ReadonlyMap<string, string>;
  /** The content of build and sitemap groups, as read (their due URLs are made from it). */
  readonly sources?: ReadonlyMap<string, ContentRead>;
  /** --ignore-budget: budgets are not applied this run (docs/commands.md). */
  readonly ignoreBudget?: boolean;
  /** Each group's fingerprint (reconcile's, or groupFingerprints() where nothing was reconciled). */
  readonly fingerprints: ReadonlyMap<string, string>;
}

/** How many item keys a plan keeps per group for reviewers. */
export const PREVIEW_ITEMS = 50;

/**
 * The expansions a plan is made from and lists its items from: a due build or sitemap group's are
 * its due files' and entries' URLs (docs/purge-yaml.md); every other group's as expanded.
 */
export function plannedExpansions(input: Pick<PlanInput, 'config' | 'expansions' | 'sources'> & { readonly decisions: Parameters<typeof sourceExpansions>[1] }): readonly GroupExpansion[] {
  return input.sources?.size ? sourceExpansions(input.expansions, input.decisions, input.sources, input.config.zones) : input.expansions;
}

export function buildPlan(input: PlanInput): Plan {
  return buildListedPlan(input).plan;
}

/** The plan, and the expansions it was made from (for the human and markdown plans). */
export function buildListedPlan(input: PlanInput): { readonly plan: Plan; readonly expansions: readonly GroupExpansion[] } {
  const { config, decisions } = input;
  const expansions = plannedExpansions(input);
  const byName = new Map(byGroup(expansions).map((g) => [g.group.name, g.parts]));
  const zonesByName = new Map(config.zones.map((z) => [z.name, z]));
  const dueDecisions = new Map(decisions.filter((d) => d.due).map((d) => [d.name, d]));
  // A due group's items, then the items it lost since the baseline (in the zones they were cached in).
  const due = byGroup(expansions).flatMap(({ group, parts }) => {
    const decision = dueDecisions.get(group.name);
    return decision === undefined ? [] : [...parts, ...removedExpansions(group, parts, decision.removed_items ?? [])];
  });
  const batched = budgetedBatch(config, due, input.ignoreBudget === true);
  const { escalations } = batched;
  // Fastly and CloudFront zones' requests in their provider's forms (providers/plan.ts).
  const provided = providerRequests(config.zones, batched.requests, config.groups.map((g) => g.name));
  const { requests } = provided;
  const coverage = [...batched.coverage, ...provided.coverage];
  const counts = namesProviders(config.zones) ? providerCounts(batched.counts, requests, coverage, provided.duplicates) : batched.counts;

  const groups: PlanGroup[] = decisions.map((decision) => {
    const parts = byName.get(decision.name);
    if (!parts) {
      const zones = decision.zone === '' ? [] : decision.zone.split(',');
      return { name: decision.name, zone: zones.length === 1 ? zones[0] : null, zones, status: decision.status, items: 0, due: false };
    }
    const group = parts[0].group;
    const watchDigest = input.watchDigests.get(group.name);
    const fingerprint = input.fingerprints.get(group.name);
    if (fingerprint === undefined) throw new Error(`no fingerprint for the group ${group.name}`);
    return {
      name: group.name,
      zone: parts.length === 1 ? parts[0].zone : null,
      zones: parts.map((p) => p.zone),
      ...(group.routes !== null ? { routes: parts.map((p) => ({ zone: p.zone, cache_key: p.cacheKeyName, action: p.action, items: p.items, preview: groupItemKeys(p, PREVIEW_ITEMS) })) } : {}),
      status: decision.status,
      items: partsItems(parts),
      due: decision.due,
      ...(group.description !== null ? { description: group.description } : {}),
      cache_key: group.cacheKeyName,
      // A routed group sending to zones of different actions shows its own (docs/purge-yaml.md default: purge).
      action: parts.every((p) => p.action === parts[0].action) ? parts[0].action : group.action,
      ...(escalations.has(group.name) ? { escalated: escalations.get(group.name)! } : {}),
      revision: group.revision,
      fingerprint,
      ...(watchDigest !== undefined ? { watch_digest: watchDigest } : {}),
      ...(decision.diff ? { diff: decision.diff } : {}),
      ...(decision.due && decision.removed_items?.length ? { removed_items: decision.removed_items } : {}),
      preview: parts.flatMap((p) => groupItemKeys(p, PREVIEW_ITEMS)).slice(0, PREVIEW_ITEMS),
      ...(decision.source ? { source: decision.source, changes: decision.changes } : {}),
      ...(decision.due ? { record: sourceRecord(groupRecord(parts, zonesByName, fingerprint, watchDigest), decision.source) } : {}),
    };
  });

  const named = namesProviders(config.zones);
  const zones: PlanZone[] = config.zones.map((zone) => providerZone(zone, {
    name: zone.name, zone_id: zone.id, zone_name: zone.zoneName, account_id: zone.accountId, plan: zone.plan, token_env: zone.tokenEnv,
    cache_key: zone.cacheKey, files_per_request: zone.filesPerRequest, items_per_request: zone.itemsPerRequest,
    ...(zone.cacheReserve ? { cache_reserve: true as const } : {}),
  }, requests, named));
  const estimated = estimatedSeconds(zones, requests);
  const cacheKeys: Record<string, string> = {};
  for (const { cacheKeyName, cacheKey } of expansions) cacheKeys[cacheKeyName ?? 'default'] ??= describeCacheKey(cacheKey);
  const plan: Omit<Plan, 'plan_id'> = {
    format_version: 1,
    config: { path: input.configPath, digest: config.digest, inputs_digest: config.inputsDigest },
    baseline: input.baseline,
    groups,
    requests,
    summary: { requests: requests.length, ...counts, estimated_seconds: estimated },
    zones,
    coverage,
    cache_keys: Object.fromEntries(Object.entries(cacheKeys).sort(([a], [b]) => compare(a, b))),
    state: input.state,
    ...(input.ignoreBudget ? { ignore_budget: true as const } : {}),
  };
  return { plan: { ...plan, plan_id: planId(plan) }, expansions };
}

/** A due build or sitemap group's record names the content applied (apply adds the packed snapshot to the state). */
function sourceRecord(record: GroupRecordData, source: PlanSource | undefined): GroupRecordData {
  return source === undefined ? record : { ...record, source: { kind: source.kind, count: source.count, digest: source.digest } };
}

/**
 * The items a group lost since the baseline, as expansions batch() sends like any other (deduped,
 * covered, chunked, credited to the group): one per block of files, hosts, prefixes and tags with
 * the first. In a zone the group still sends to, they take what the group does there (purge or
 * invalidate); in a zone it left, what it would do there.
 */
function removedExpansions(group: Group, parts: readonly GroupExpansion[], removed: readonly RemovedItems[]): GroupExpansion[] {
  const variants = new Map<string, Variant>();
  const variantOf = (headers: Readonly<Record<string, string>>): Variant => {
    const pairs = Object.entries(headers).sort(([a], [b]) => compare(a, b));
    const key = JSON.stringify(pairs);
    let variant = variants.get(key);
    if (variant === undefined) variants.set(key, (variant = makeVariant(pairs)));
    return variant;
  };
  return removed.flatMap((zone) => {
    const part = parts.find((p) => p.zone === zone.zone);
    const route = group.routes?.get(zone.zone);
    const common = {
      group, zone: zone.zone, action: part?.action ?? route?.action ?? group.action,
      cacheKeyName: part?.cacheKeyName ?? route?.cacheKeyName ?? group.cacheKeyName, cacheKey: part?.cacheKey ?? route?.cacheKey ?? group.cacheKey, everything: false,
    };
    const hosts = zone.hosts ?? [];
    const prefixes = zone.prefixes ?? [];
    const tags = zone.tags ?? [];
    const blocks = zone.files?.length ? zone.files : [{ urls: [], variants: [] }];
    return blocks.map((block, index): GroupExpansion => {
      const first = index === 0;
      const blockVariants = block.urls.length ? block.variants.map(variantOf).sort((a, b) => compare(a.key, b.key)) : [];
      return {
        ...common,
        urls: block.urls,
        variants: blockVariants,
        hosts: first ? hosts : [],
        prefixes: first ? prefixes : [],
        tags: first ? tags : [],
        items: block.urls.length * blockVariants.length + (first ? hosts.length + prefixes.length + tags.length : 0),
      };
    });
  });
}

/**
 * The plan's identity (README "Plan ids"): a digest of the whole document but its own id and the
 * configuration's path (which is relative to where the plan is printed or saved). That is the
 * request bodies and every input that made a group due (configuration and vars digests, the
 * baseline and the state it was planned against, each group's status, fingerprint, revision and
 * watched-content digest, the zones), and what a reviewer reads (diffs, previews, descriptions,
 * the summary). Two plans share an id only when they are the same document: the journal resumes
 * only that plan, and `show` refuses a saved plan whose content no longer gives its id. A plan
 * read back from a file is digested by the same function: its files bodies are lists of entries,
 * not the compact runs of a plan made here, and give the same text.
 */
export function planId(plan: Omit<Plan, 'plan_id'>): string {
  const hash = createHash('sha256');
  const { path: _path, ...config } = plan.config;
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(plan)) {
    if (key !== 'config' && key !== 'requests' && key !== 'plan_id') rest[key] = value;
  }
  // Keys in sorted order: a plan read back from a file digests the same whatever order its writer used.
  hash.update(`${canonicalJson({ purgeplan: 'plan id v4', config, rest })}\n`);
  digestRequests(plan.requests, (text) => hash.update(text));
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with every object's keys sorted (undefined members left out, as JSON.stringify does). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.keys(value).sort(compare).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
    return `{${members.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A files entry's headers as the digest names them: their JSON, or 'null' for a URL sent without headers. */
function entryHeadersJson(entry: unknown): string {
  const headers = typeof entry === 'object' && entry !== null ? (entry as { headers?: unknown }).headers : undefined;
  return headers === undefined ? 'null' : JSON.stringify(headers);
}

/** A files entry's URL (a string entry is its URL). */
function entryUrl(entry: unknown): string {
  return typeof entry === 'string' ? entry : String((entry as { url?: unknown } | null)?.url);
}

/**
 * The requests as text that names every item once, for the digest: a request's head as JSON,
 * then a files body URL by URL, each URL (length-prefixed) and its items' headers by number (a
 * headers JSON written at its first use only, which defines its number). Each line decodes
 * unambiguously, so different requests never give the same text; and it is a tenth the size of
 * the plan's JSON, which a million-item plan would otherwise write twice (once to digest, once to
 * print). A compact body (its runs) and the same body read back (its entries) give the same text:
 * consecutive items of one URL make one line either way.
 */
function digestRequests(requests: readonly PlannedRequest[], update: (text: string) => void): void {
  const numbers = new Map<string, number>();
  /** ` N`, or at the first use of its headers ` N=headers` (which defines N). */
  const referenceOf = (headers: string): string => {
    const number = numbers.get(headers);
    if (number !== undefined) return ` ${number}`;
    numbers.set(headers, numbers.size);
    return ` ${numbers.size - 1}=${headers}`;
  };
  // A variant's headers JSON is looked up once; many items share a variant object.
  const variantHeaders = new Map<Variant, string>();
  const headersOf = (variant: Variant): string => {
    let headers = variantHeaders.get(variant);
    if (headers === undefined) variantHeaders.set(variant, (headers = variant.objectJson ?? 'null'));
    return headers;
  };
  let text = '';
  let url: string | null = null;
  const item = (itemUrl: string, headers: string) => {
    if (itemUrl !== url) {
      text += `${url === null ? '' : '\n'}${itemUrl.length}:${itemUrl}`;
      url = itemUrl;
    }
    text += referenceOf(headers);
  };
  for (const request of requests) {
    const compact = request.body instanceof CompactFiles ? request.body : undefined;
    const files = compact === undefined && 'files' in request.body && Array.isArray(request.body.files) ? request.body.files as readonly unknown[] : undefined;
    if (compact === undefined && files === undefined) {
      text += `R${JSON.stringify(request)}\n`;
    } else {
      const { body: _body, ...head } = request;
      text += `F${JSON.stringify(head)}\n`;
      url = null;
      if (compact !== undefined) {
        for (const run of compact.runs) for (const variant of run.variants) item(run.url, headersOf(variant));
      } else {
        for (const entry of files!) item(entryUrl(entry), entryHeadersJson(entry));
      }
      if (url !== null) text += '\n';
    }
    // A request holds at most a few hundred items: its text is hashed with the next ones'.
    if (text.length > 1 << 16) { update(text); text = ''; }
  }
  update(text);
}
