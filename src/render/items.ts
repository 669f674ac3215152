// Each due group's items in one zone as the plan sends them, for the human and markdown plans to
// factor (docs/commands.md, "How the plan lists items"): the group's items (from the expansions
// the plan was made from, else from what the plan file records of the group) that its zone's
// requests carry; the others were covered by a broader item. Pure: a ListedPlan in, items out.
import type { GroupExpansion } from '../expand/group.js';
import { makeVariant, parseVariantKey } from '../expand/variants.js';
import { CompactFiles } from '../plan/files.js';
import type { Plan, PlanGroup, RemovedItems } from '../plan/types.js';
import { removedCount } from '../plan/types.js';
import type { DeclaredDimension, UrlRun, VariantLike } from './factor.js';
import { providerItems } from './provider.js';

/**
 * A plan as the human and markdown renderers take it: the Plan and, when known, the expansions it
 * was made from (kept beside it, never in it: `plan --json` and the saved plan stay as they are).
 * A plan read back from a file has them only when its purge.yaml, unchanged, was expanded again.
 */
export interface ListedPlan {
  readonly plan: Plan;
  readonly expansions?: readonly GroupExpansion[];
}

/** A group's items in one zone, as sent: file items by URL, the others as keys (`host X`, …). */
export interface ZoneItems {
  readonly files: readonly UrlRun[];
  /** `everything`, `host X`, `prefix X`, `tag X`: the group's other items this zone sends. */
  readonly others: readonly string[];
  /** The group's items in this zone (before dedupe and coverage). */
  readonly total: number;
  /** Items the plan does not send for the group: a broader item covers them. */
  readonly covered: number;
  /** Every item of the group here, sent or covered, in item order (what --expand lists). */
  readonly all: { readonly files: readonly UrlRun[]; readonly others: readonly string[] };
  /** The items the group lost since the baseline, purged one last time here: as sent, and all of them. */
  readonly removed: {
    readonly files: readonly UrlRun[]; readonly others: readonly string[]; readonly total: number; readonly covered: number;
    readonly all: { readonly files: readonly UrlRun[]; readonly others: readonly string[] };
  };
  /** The group's variant dimensions as purge.yaml declares them (empty when not known). */
  readonly declared: readonly DeclaredDimension[];
  /**
   * True when only the first items of the group are known: a saved plan records a large group's
   * items only as a preview, unless its purge.yaml, unchanged, is expanded again.
   */
  readonly partial: boolean;
}

/** What one zone sends for one action: its hosts, prefixes, tags, and file items by URL. */
interface Sent {
  everything: boolean;
  readonly hosts: Set<string>;
  readonly prefixes: Set<string>;
  readonly tags: Set<string>;
  /** A URL's variants, one list per run of its items in the requests. */
  readonly files: Map<string, (readonly VariantLike[])[]>;
}

const NO_HEADERS = makeVariant([]);

/** Headers seen so far, name by name and value by value, each path ending in its variant. */
interface HeadersNode { next?: Map<string, Map<string, HeadersNode>>; variant?: VariantLike }

/** The items `plan` sends in each zone for each action, built when first asked for. */
function sentIndex(plan: Plan): (zone: string, action: string) => Sent {
  const built = new Map<string, Sent>();
  // A plan file holds a million entries: each one's headers are looked up, name by name, in a
  // tree of those seen (no text is built per entry), and sorted only the first time.
  const root: HeadersNode = {};
  const variantOf = (headers: Readonly<Record<string, string>> | undefined): VariantLike => {
    if (headers === undefined) return NO_HEADERS;
    let node = root;
    const names = Object.keys(headers);
    for (let i = 0; i < names.length; i++) {
      const next = (node.next ??= new Map());
      let byValue = next.get(names[i]);
      if (byValue === undefined) next.set(names[i], (byValue = new Map()));
      let child = byValue.get(headers[names[i]]);
      if (child === undefined) byValue.set(headers[names[i]], (child = {}));
      node = child;
    }
    return (node.variant ??= makeVariant(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  };
  return (zone, action) => {
    const id = `${zone}\n${action}`;
    let sent = built.get(id);
    if (sent !== undefined) return sent;
    sent = { everything: false, hosts: new Set(), prefixes: new Set(), tags: new Set(), files: new Map() };
    built.set(id, sent);
    const add = (url: string, list: readonly VariantLike[]) => {
      const lists = sent!.files.get(url);
      if (lists === undefined) sent!.files.set(url, [list]);
      else lists.push(list);
    };
    for (const request of plan.requests) {
      if (request.zone !== zone || (request.action ?? 'purge') !== action) continue;
      const body = request.body;
      const provided = providerItems(body, plan.zones.find((z) => z.name === zone)?.zone_name ?? null);
      if (provided !== null) {
        // A Fastly or CloudFront request: the items it stands for (render/provider.ts).
        sent.everything ||= provided.everything;
        for (const tag of provided.tags) sent.tags.add(tag);
        for (const prefix of provided.prefixes) sent.prefixes.add(prefix);
        for (const url of provided.urls) add(url, [NO_HEADERS]);
      } else if ('purge_everything' in body) sent.everything = true;
      else if ('hosts' in body) for (const host of body.hosts) sent.hosts.add(host);
      else if ('prefixes' in body) for (const prefix of body.prefixes) sent.prefixes.add(prefix);
      else if ('tags' in body) for (const tag of body.tags) sent.tags.add(tag);
      else if (body instanceof CompactFiles) for (const run of body.runs) add(run.url, run.variants);
      else {
        // A plan read back from a file: entries, consecutive ones of a URL making one run.
        let url: string | null = null;
        let run: VariantLike[] = [];
        for (const entry of body.files) {
          const entryUrl = typeof entry === 'string' ? entry : entry.url;
          const variant = typeof entry === 'string' ? NO_HEADERS : variantOf(entry.headers);
          if (entryUrl !== url) {
            if (url !== null) add(url, run);
            url = entryUrl;
            run = [];
          }
          run.push(variant);
        }
        if (url !== null) add(url, run);
      }
    }
    return sent;
  };
}

/** The same variants in the same order (usually the very same list). */
function sameKeys(a: readonly VariantLike[], b: readonly VariantLike[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].key !== b[i].key) return false;
  return true;
}

/** The items of `candidate` that `sent` carries. */
function sentRuns(candidate: readonly UrlRun[], sent: Sent): UrlRun[] {
  const runs: UrlRun[] = [];
  for (const run of candidate) {
    const lists = sent.files.get(run.url);
    if (lists === undefined) continue;
    if (lists.length === 1 && sameKeys(lists[0], run.variants)) { runs.push(run); continue; }
    const keys = new Set<string>();
    for (const list of lists) for (const variant of list) keys.add(variant.key);
    const kept = run.variants.filter((v) => keys.has(v.key));
    if (kept.length) runs.push(kept.length === run.variants.length ? run : { url: run.url, variants: kept });
  }
  return runs;
}

/** The other items (`host X`, …) of a candidate that `sent` carries. */
function sentOthers(keys: readonly string[], sent: Sent): string[] {
  return keys.filter((key) => {
    if (key === 'everything') return sent.everything;
    const space = key.indexOf(' ');
    const value = key.slice(space + 1);
    switch (key.slice(0, space)) {
      case 'host': return sent.hosts.has(value);
      case 'prefix': return sent.prefixes.has(value);
      default: return sent.tags.has(value);
    }
  });
}

const runsCount = (runs: readonly UrlRun[]): number => runs.reduce((n, r) => n + r.variants.length, 0);

/** A group's items in one zone before dedupe and coverage, and what is known of them. */
interface Candidate { readonly files: readonly UrlRun[]; readonly others: readonly string[]; readonly declared: readonly DeclaredDimension[]; readonly partial: boolean }

function otherKeys(items: { readonly everything?: boolean; readonly hosts?: readonly string[]; readonly prefixes?: readonly string[]; readonly tags?: readonly string[] }): string[] {
  return [
    ...(items.everything ? ['everything'] : []),
    ...(items.hosts ?? []).map((h) => `host ${h}`),
    ...(items.prefixes ?? []).map((p) => `prefix ${p}`),
    ...(items.tags ?? []).map((t) => `tag ${t}`),
  ];
}

function fromExpansion(part: GroupExpansion): Candidate {
  const declared = part.group.routes?.get(part.zone)?.dimensions ?? part.group.dimensions;
  return { files: part.urls.map((url) => ({ url, variants: part.variants })), others: otherKeys(part), declared, partial: false };
}

/** The host of a normalized URL (`scheme://host[:port]/…`) or of a prefix (`host/…`), without its port. */
function hostOf(value: string): string {
  const start = value.includes('://') ? value.indexOf('://') + 3 : 0;
  let end = start;
  while (end < value.length && !'/?#:'.includes(value[end])) end++;
  return value.slice(start, end);
}

/**
 * The group's items as its state record in the plan keeps them (every due group up to 10,000
 * items). A routed group's record may merge its zones' lists: each URL, host and prefix is then
 * kept in the zone its host routes to (the zone whose name is the host or its longest parent).
 */
function fromRecord(plan: Plan, group: PlanGroup, zone: string): Candidate | null {
  const recorded = group.record?.items;
  const items = recorded?.zones !== undefined ? recorded.zones[zone] : recorded;
  if (items === undefined) return null;
  const variants: VariantLike[] = [];
  for (const key of items.urls?.length ? items.variants ?? [] : []) {
    const headers = parseVariantKey(key);
    if (headers === null) return null;
    variants.push(makeVariant(headers));
  }
  let here = (_value: string) => true;
  if (recorded?.zones === undefined && group.zones.length > 1) {
    const names = plan.zones.filter((z) => group.zones.includes(z.name) && z.zone_name !== null);
    here = (value) => {
      const host = hostOf(value);
      const owner = names.filter((z) => host === z.zone_name || host.endsWith(`.${z.zone_name}`)).sort((a, b) => b.zone_name!.length - a.zone_name!.length)[0];
      return owner?.name === zone;
    };
  }
  const others = otherKeys(items).filter((key) => !/^(host|prefix) /.test(key) || here(key.slice(key.indexOf(' ') + 1)));
  return { files: (items.urls ?? []).filter(here).map((url) => ({ url, variants })), others, declared: [], partial: false };
}

/** The first items of a group, from the plan's preview of it (`URL [h=v, …]`, `host X`, …). */
function fromPreview(keys: readonly string[], total: number): Candidate {
  const others: string[] = [];
  const files: UrlRun[] = [];
  for (const key of keys) {
    if (key === 'everything' || /^(host|prefix|tag) /.test(key)) { others.push(key); continue; }
    const space = key.indexOf(' ');
    const url = space === -1 ? key : key.slice(0, space);
    const headers = space === -1 ? [] : parseVariantKey(key.slice(space + 2, -1));
    const variant = headers === null ? null : makeVariant(headers);
    if (variant === null) continue;
    const last = files[files.length - 1];
    if (last?.url === url) (last.variants as VariantLike[]).push(variant);
    else files.push({ url, variants: [variant] });
  }
  const partial = keys.length < total;
  // The preview stops inside a URL's variants: that URL's first ones alone are not its items.
  if (partial && files.length > 1 && files[files.length - 1].variants.length < files[0].variants.length) files.pop();
  return { files, others, declared: [], partial };
}

/** The items a group lost in a zone: a URL in several blocks (other variants) is one run. */
function removedCandidate(removed: readonly RemovedItems[]): { files: UrlRun[]; others: string[] } {
  const byUrl = new Map<string, VariantLike[]>();
  const others: string[] = [];
  for (const zone of removed) {
    others.push(...otherKeys(zone));
    for (const block of zone.files ?? []) {
      const variants = block.variants.map((headers) => makeVariant(Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
      for (const url of block.urls) {
        const list = byUrl.get(url);
        if (list === undefined) byUrl.set(url, [...variants]);
        else list.push(...variants);
      }
    }
  }
  return { files: [...byUrl].map(([url, variants]) => ({ url, variants })), others };
}

/**
 * A function giving each due group's items in a zone. The candidates come from the expansions
 * the plan was made from; for a plan read back from a file, from the group's state record (up to
 * 10,000 items), else from its preview (the first items only: `partial`).
 */
export function zoneItems({ plan, expansions }: ListedPlan): (group: PlanGroup, zone: string) => ZoneItems {
  const sentIn = sentIndex(plan);
  const parts = new Map<string, GroupExpansion>();
  for (const part of expansions ?? []) parts.set(`${part.group.name}\n${part.zone}`, part);
  return (group, zone) => {
    const route = group.routes?.find((r) => r.zone === zone);
    const action = route?.action ?? group.action ?? 'purge';
    const sent = sentIn(zone, action);
    const total = route?.items ?? group.items;
    const part = parts.get(`${group.name}\n${zone}`);
    const candidate = part !== undefined ? fromExpansion(part)
      : fromRecord(plan, group, zone) ?? fromPreview(route?.preview ?? group.preview ?? [], total);
    const files = sentRuns(candidate.files, sent);
    const others = sentOthers(candidate.others, sent);
    const lost = (group.removed_items ?? []).filter((r) => r.zone === zone);
    const removed = removedCandidate(lost);
    const removedFiles = sentRuns(removed.files, sent);
    const removedOthers = sentOthers(removed.others, sent);
    const removedTotal = removedCount(lost);
    return {
      files, others, total,
      covered: candidate.partial ? 0 : Math.max(0, total - runsCount(files) - others.length),
      all: { files: candidate.files, others: candidate.others },
      removed: { files: removedFiles, others: removedOthers, total: removedTotal, covered: removedTotal - runsCount(removedFiles) - removedOthers.length, all: removed },
      declared: candidate.declared,
      partial: candidate.partial,
    };
  };
}
