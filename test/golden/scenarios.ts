// The plans whose human and markdown renderings are kept as golden files beside this module
// (`<name>.txt`, `<name>.md`). Shared by test/render-human.test.ts, test/render-markdown.test.ts
// and scripts/update-golden.mjs, which is the only writer of the golden files: after a deliberate
// change to the output, run `npm run build && node scripts/update-golden.mjs` and review the diff.
//
// Each plan goes through the real pipeline in process (load -> schema -> check -> expand ->
// reconcile's `decide` -> buildPlan); only the baseline is given as a second purge.yaml text
// instead of a state file or a git commit.
import { checkAndExpand } from '../../src/commands/pipeline.js';
import { plainStyle } from '../../src/diagnostics.js';
import type { Config } from '../../src/config/types.js';
import type { GroupExpansion } from '../../src/expand/group.js';
import { buildPlan } from '../../src/plan/plan.js';
import { expansionKeys, groupFingerprint, groupFingerprintOf, groupFingerprints, partsKeys, zonesKey } from '../../src/reconcile/record.js';
import { byGroup } from '../../src/expand/group.js';
import type { Baseline, Plan } from '../../src/plan/types.js';
import { decide } from '../../src/reconcile/due.js';
import { expansionBaseline, withRemovedItems } from '../../src/reconcile/removed.js';
import type { BaselineSource } from '../../src/reconcile/removed.js';
import type { BaselineGroup, CurrentGroup } from '../../src/reconcile/due.js';
import { renderHuman } from '../../src/render/human.js';
import type { ListedPlan } from '../../src/render/items.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { memoryReader } from '../support/config-builder.js';

export const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
const OTHER_ZONE_ID = '9a7806061c88ada191ed06f989cc3dac';

type Json = Record<string, unknown>;

/** A purge.yaml text (JSON is YAML). */
export function yamlOf(doc: Json): string {
  return JSON.stringify({ version: 1, ...doc }, null, 2);
}

/** Validates and expands `yaml`, failing loudly on errors (a scenario must be a valid file). */
function checked(yaml: string): { config: Config; expansions: readonly GroupExpansion[] } {
  const result = checkAndExpand('purge.yaml', Buffer.from(yaml), memoryReader(), 1_000_000);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.config || !result.expansions || errors.length) throw new Error(`invalid scenario:\n${errors.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n')}\n${yaml}`);
  return { config: result.config, expansions: result.expansions };
}

export interface ReconcileInput {
  /** purge.yaml as it was at the baseline; absent: no baseline, every group is new. */
  readonly before?: string;
  /** Watched-content digests now and at the baseline, by group name. */
  readonly watchNow?: Record<string, string>;
  readonly watchBefore?: Record<string, string>;
  /** `--group NAME...` */
  readonly only?: readonly string[];
  /** Groups treated as unchanged whatever their expansion (when no baseline is given). */
  readonly notDue?: readonly string[];
}

/** The plan of `yaml` against an optional baseline, as `purgeplan plan --base origin/main` makes it. */
export function planFor(yaml: string, input: ReconcileInput = {}): Plan {
  return listedFor(yaml, input).plan;
}

/** `planFor`'s plan with the expansions it was made from, as `plan` renders it (each group's items are listed from them). */
export function listedFor(yaml: string, input: ReconcileInput = {}): ListedPlan {
  const { config, expansions } = checked(yaml);
  const watchNow = new Map(Object.entries(input.watchNow ?? {}));
  const zones = new Map(config.zones.map((z) => [z.name, z]));
  const current: CurrentGroup[] = byGroup(expansions).map(({ group, parts }) => ({
    name: group.name, zone: zonesKey(parts), fingerprint: parts.length === 1 ? groupFingerprint(parts[0]) : groupFingerprintOf(parts, zones), revision: group.revision,
    ...(watchNow.has(group.name) ? { watch_digest: watchNow.get(group.name) } : {}),
    items: partsKeys(parts),
  }));
  let baselineGroups: Map<string, BaselineGroup> | null = null;
  const sources = new Map<string, () => BaselineSource>();
  let baseline: Baseline = { kind: 'none' };
  if (input.before !== undefined) {
    baseline = { kind: 'git', ref: 'origin/main', commit: '0123456789abcdef0123456789abcdef01234567' };
    const watchBefore = input.watchBefore ?? {};
    const old = checked(input.before).expansions;
    baselineGroups = new Map(old.map((e) => [e.group.name, {
      zone: e.group.zone, fingerprint: groupFingerprint(e), revision: e.group.revision,
      ...(watchBefore[e.group.name] !== undefined ? { watch_digest: watchBefore[e.group.name] } : {}),
      items: expansionKeys(e),
    }]));
    for (const { group, parts } of byGroup(old)) sources.set(group.name, () => expansionBaseline(parts));
  }
  const notDue = new Set(input.notDue ?? []);
  const decided = decide(current, baselineGroups, { only: input.only ?? [] })
    .map((d) => (notDue.has(d.name) ? { name: d.name, zone: d.zone, status: 'unchanged' as const, due: false } : d));
  // Items that left a changed group are purged one last time, as `plan` does.
  const { decisions } = withRemovedItems({
    decisions: decided, current: new Map(byGroup(expansions).map(({ group, parts }) => [group.name, { parts, position: group.position }])),
    baseline: sources, expansionChanged: () => false, zones: config.zones, file: 'purge.yaml',
  });
  const plan = buildPlan({
    config,
    configPath: 'purge.yaml',
    expansions,
    decisions,
    baseline,
    state: { path: '.purgeplan/state.json', digest: null },
    watchDigests: watchNow,
    fingerprints: groupFingerprints(config.zones, expansions),
  });
  return { plan, expansions };
}

/** Two zones on different plans; a group with its own cache key; coverage, duplicates and a cut list. */
/** docs/purge-yaml.md: groups without zone, routed by host; each zone's cache key applies to its items. */
function routed(): ListedPlan {
  return listedFor(yamlOf({
    zones: {
      www: { id: ZONE_ID, name: 'example.com', plan: 'business', cache_key: 'pages' },
      shop: { id: OTHER_ZONE_ID, name: 'shop.example.com', plan: 'pro', schemes: ['https', 'http'] },
      cdn: { name: 'example-cdn.net', plan: 'pro' },
    },
    cache_keys: { pages: { device_type: true } },
    groups: {
      release: {
        description: 'Routed by host: www, shop and cdn items in one group',
        urls: ['https://www.example.com/{pricing,features}/', 'https://shop.example.com/cart'],
        variants: { device_type: ['mobile', 'desktop'] },
        hosts: ['img{1..2}.example-cdn.net'],
        prefixes: ['shop.example.com/p/'],
      },
      fonts: { zone: 'cdn', tags: ['fonts'] },
      home: { urls: ['https://www.example.com/'] },
    },
  }));
}

function multiZone(): ListedPlan {
  return listedFor(yamlOf({
    zones: {
      www: { id: ZONE_ID, name: 'example.com', plan: 'free', cache_key: 'pages' },
      cdn: { name: 'example-cdn.net', plan: 'pro' },
    },
    cache_keys: {
      pages: { device_type: true },
      prices: { geo: true, query_string: { include: ['currency'] } },
    },
    groups: {
      posts: {
        description: 'Blog posts',
        zone: 'www',
        urls: ['https://www.example.com/posts/{slug}/'],
        vars: { slug: ['hello-world', 'release-notes', 'roadmap', 'pricing-update', 'faq'] },
      },
      home: {
        zone: 'www',
        urls: ['https://www.example.com/', 'https://www.example.com/posts/faq/'],
        variants: { device_type: ['mobile', 'desktop'] },
      },
      prices: {
        zone: 'www',
        cache_key: 'prices',
        urls: ['https://www.example.com/api/prices?currency={eur,usd}&utm_source=x'],
        variants: { geo: ['JP', 'US'] },
      },
      images: {
        zone: 'cdn',
        urls: ['https://img.example-cdn.net/logo.png', 'https://img.example-cdn.net/hero.jpg', 'https://static.example-cdn.net/app.js'],
      },
      assets: {
        zone: 'cdn',
        hosts: ['img.example-cdn.net'],
        prefixes: ['static.example-cdn.net/'],
        tags: ['fonts', 'Icons'],
      },
    },
  }));
}

/** Against a baseline: changed (with a diff, cut), revised, content, unchanged, removed and new groups. */
function reconciled(): ListedPlan {
  const group = (pages: string, extra: Json = {}): Json => ({ urls: [`https://www.example.com/docs/{${pages}}/`], ...extra });
  const common = { zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'business', cache_key: 'pages' } }, cache_keys: { pages: { device_type: true } } };
  const before = yamlOf({
    ...common,
    groups: {
      docs: group('intro,setup,old-api'),
      guides: group('1..2'),
      legal: { urls: ['https://www.example.com/terms/'], revision: 1 },
      blog: { urls: ['https://www.example.com/blog/'], watch: ['content/blog/**'] },
      about: { urls: ['https://www.example.com/about/'] },
      'spring-campaign': { urls: ['https://www.example.com/spring/'] },
    },
  });
  const now = yamlOf({
    ...common,
    groups: {
      docs: group('intro,setup,api'),
      guides: group('1..8'),
      legal: { urls: ['https://www.example.com/terms/'], revision: 2 },
      blog: { urls: ['https://www.example.com/blog/'], watch: ['content/blog/**'] },
      about: { urls: ['https://www.example.com/about/'] },
      careers: { tags: ['careers'] },
    },
  });
  return listedFor(now, {
    before,
    watchNow: { blog: 'sha256:2222222222222222222222222222222222222222222222222222222222222222' },
    watchBefore: { blog: 'sha256:1111111111111111111111111111111111111111111111111111111111111111' },
  });
}

/** `everything: true` in one zone, covering that zone's other items; another zone untouched. */
function purgeEverything(): ListedPlan {
  return listedFor(yamlOf({
    zones: {
      www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', allow_purge_everything: true },
      cdn: { id: OTHER_ZONE_ID, name: 'example-cdn.net' },
    },
    groups: {
      incident: { zone: 'www', description: 'Leaked draft pages', everything: true },
      posts: { zone: 'www', urls: ['https://www.example.com/posts/', 'https://www.example.com/'], tags: ['posts'] },
      fonts: { zone: 'cdn', tags: ['fonts'] },
    },
  }));
}

/** The smallest plan: one URL, one request; every count singular. */
function singleFile(): ListedPlan {
  return listedFor(yamlOf({
    zones: { www: { id: ZONE_ID } },
    groups: { home: { urls: ['https://www.example.com/'] } },
  }));
}

/** `--group` on a file where other groups exist: forced groups only. */
function forced(): ListedPlan {
  return listedFor(yamlOf({
    zones: { www: { id: ZONE_ID, name: 'example.com' } },
    groups: {
      feeds: { prefixes: ['https://WWW.example.com/feeds/'], hosts: ['rss.example.com'] },
      home: { urls: ['https://www.example.com/'] },
    },
  }), { only: ['feeds'] });
}

/** Nothing due: every group unchanged against the baseline. */
function nothingDue(): ListedPlan {
  const yaml = yamlOf({ zones: { www: { id: ZONE_ID } }, groups: { home: { urls: ['https://www.example.com/'] }, feeds: { tags: ['feeds'] } } });
  return listedFor(yaml, { before: yaml });
}

/**
 * `action` (docs/purge-yaml.md): a zone that invalidates by default, a group that purges (its purge wins over the
 * same invalidated URL, and its host covers another group's invalidations whole), and a group whose
 * action was switched since the baseline.
 */
function invalidate(): ListedPlan {
  const zones = { www: { id: ZONE_ID, name: 'example.com', plan: 'pro', action: 'invalidate' } };
  const now = yamlOf({
    zones,
    groups: {
      docs: { description: 'Rebuilt on every deploy', urls: ['https://www.example.com/docs/{intro,setup,api}/'], prefixes: ['www.example.com/blog/'] },
      takedown: { description: 'Removed for legal reasons', action: 'purge', urls: ['https://www.example.com/docs/api/'], hosts: ['old.example.com'] },
      archive: { prefixes: ['old.example.com/2019/'] },
      feeds: { tags: ['feeds'] },
    },
  });
  // At the baseline the feeds were purged: switching them to invalidate makes them changed.
  const before = yamlOf({ zones, groups: { feeds: { action: 'purge', tags: ['feeds'] } } });
  return listedFor(now, { before });
}

/**
 * Factored item lists (docs/commands.md, "How the plan lists items"): the spec's 2 URLs × 24
 * variants; a product of more than 20 URLs; one that coverage cut short (a URL covered by a
 * prefix); one whose variants differ per URL (an invalidation partly purged by another group);
 * and the items a changed group lost, factored under their own `-` line.
 */
function factored(): ListedPlan {
  const zones = { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } };
  const cacheKeys = { pages: { device_type: true, geo: true, lang: true } };
  const home = (urls: string[]): Json => ({ description: 'Home and about', urls, variants: { geo: ['JP', 'US'], lang: ['en-US', 'ja', 'fr'] } });
  const before = yamlOf({ zones, cache_keys: cacheKeys, groups: { home: home(['https://www.example.com/', 'https://www.example.com/about/', 'https://www.example.com/old/']) } });
  const now = yamlOf({
    zones,
    cache_keys: cacheKeys,
    groups: {
      home: home(['https://www.example.com/', 'https://www.example.com/about/']),
      news: { urls: ['https://www.example.com/news/{1..25}/'], variants: { geo: ['JP'], lang: { values: ['ja'], absent: false } } },
      archive: { prefixes: ['www.example.com/news/2/'] },
      sale: { action: 'invalidate', urls: ['https://www.example.com/sale/', 'https://www.example.com/'], variants: { geo: ['JP', 'US', 'DE'], lang: { values: ['ja'], absent: false } } },
    },
  });
  return listedFor(now, { before });
}

/**
 * A group over its budget escalated to a prefix (one line says what stands in for its files)
 * beside a group listed factored: the escalated prefix covers none of the other's URLs.
 */
function escalated(): ListedPlan {
  return listedFor(yamlOf({
    zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'pro', cache_key: 'k' } },
    cache_keys: { k: { device_type: true } },
    groups: {
      posts: { urls: ['https://www.example.com/blog/{1..40}/'], budget: { items: 100 }, escalate: ['auto', 'host'] },
      home: { urls: ['https://www.example.com/', 'https://www.example.com/about/'] },
    },
  }));
}

export const SCENARIOS: readonly { readonly name: string; readonly plan: () => ListedPlan }[] = [
  { name: 'factored', plan: factored },
  { name: 'factored-expand', plan: factored },
  { name: 'escalated', plan: escalated },
  { name: 'multi-zone', plan: multiZone },
  { name: 'routed', plan: routed },
  { name: 'reconciled', plan: reconciled },
  { name: 'purge-everything', plan: purgeEverything },
  { name: 'single-file', plan: singleFile },
  { name: 'forced', plan: forced },
  { name: 'nothing-due', plan: nothingDue },
  { name: 'invalidate', plan: invalidate },
];

/** Scenarios rendered with --expand (every item flat). */
const EXPANDED = new Set(['factored-expand']);

/** What each golden file holds: the plan rendered without colour (`.txt`) and as markdown (`.md`). */
export function goldenFiles(listed: ListedPlan, name = ''): { txt: string; md: string } {
  const expand = EXPANDED.has(name);
  return { txt: renderHuman(listed, { style: plainStyle, expand }), md: renderMarkdown(listed, undefined, { expand }) };
}
