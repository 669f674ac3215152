// The configuration after validation: defaults applied, names resolved, vars files read.
// Everything later in the pipeline reads these types, never the raw YAML value.
import type { PlanTier } from '../cloudflare/limits.js';
import type { Diagnostic, Position } from '../diagnostics.js';
import type { ParsedPattern } from '../expand/patterns.js';
import type { Action } from '../vocabulary.js';
import type { ProviderName } from '../providers/types.js';
import type { GroupSource } from './source-types.js';

export type Scheme = 'http' | 'https';

export interface Zone {
  readonly name: string;
  readonly id: string | null;
  readonly zoneName: string | null;
  readonly accountId: string | null;
  readonly plan: PlanTier;
  readonly tokenEnv: string;
  readonly cacheKey: string | null;
  readonly schemes: readonly Scheme[] | null;
  readonly allowPurgeEverything: boolean;
  /** What the zone's groups do by default (docs/purge-yaml.md): purge (delete) or invalidate (mark stale). */
  readonly action: Action;
  readonly filesPerRequest: number;
  readonly itemsPerRequest: number;
  /** The CDN the zone is on (docs/providers.md); `id` is then its service or distribution id. */
  readonly provider: ProviderName;
  /** `limits.concurrency`: its requests in flight at most (Fastly and CloudFront; default per provider). */
  readonly concurrency: number;
  /** The most the zone's plan may send (docs/purge-yaml.md, "Budgets and escalation"); absent: no budget. */
  readonly budget?: ZoneBudget;
  /** The zone uses Cache Reserve: the plan warns what its purges will refill. */
  readonly cacheReserve?: boolean;
}

export interface ZoneBudget {
  /** Estimated send time of the zone's requests at its tier's limits. */
  readonly seconds: number | null;
  /** Due file items of the zone, after dedupe and coverage. */
  readonly items: number | null;
}

/**
 * One `escalate` step (docs/purge-yaml.md, "Budgets and escalation"): what replaces a group's
 * file items when it is over a budget. Explicit values are expanded and normalized; `at` names
 * the step for messages (`groups.posts.escalate[1]`).
 */
export type EscalateStep =
  | { readonly kind: 'auto' | 'host' | 'everything'; readonly at: string }
  | { readonly kind: 'prefixes' | 'hosts'; readonly values: readonly string[]; readonly at: string };

export interface CacheKey {
  readonly querySort: boolean;
  readonly queryIgnore: boolean;
  readonly queryInclude: readonly string[] | null;
  readonly queryExclude: readonly string[] | null;
  readonly deviceType: boolean;
  readonly geo: boolean;
  readonly lang: boolean;
  readonly headerInclude: readonly string[];
  readonly headerPresence: readonly string[];
  readonly excludeOrigin: boolean;
  readonly cookieInclude: readonly string[];
  readonly cookiePresence: readonly string[];
  readonly hostResolved: boolean;
}

export const DEFAULT_CACHE_KEY: CacheKey = {
  querySort: false, queryIgnore: false, queryInclude: null, queryExclude: null,
  deviceType: false, geo: false, lang: false,
  headerInclude: [], headerPresence: [], excludeOrigin: false,
  cookieInclude: [], cookiePresence: [], hostResolved: false,
};

/**
 * One dimension of the header cross product (docs/purge-yaml.md): the values it takes, `null` meaning
 * the request did not carry the header or cookie (the *absent* variant).
 */
export interface Dimension {
  readonly kind: 'header' | 'cookie';
  /** Header name (lower case), or cookie name as written. */
  readonly name: string;
  readonly values: readonly (string | null)[];
}

export interface UrlPattern {
  readonly pattern: string;
  /**
   * The pattern parsed with the group's `vars`, once, when the file is checked: expansion reads
   * this instead of parsing the pattern again.
   */
  readonly parsed: ParsedPattern;
  /** Its index in the group's `urls` list, for messages (`groups.posts.urls[2]`). */
  readonly index: number;
  readonly position: Position;
}

/**
 * How a routed group (docs/purge-yaml.md) is expanded in one zone its items may go to: with that zone's
 * cache key (or the group's own `cache_key`), and the variant dimensions that key gives. The
 * problems of those variants against that key are reported only if items go to the zone.
 */
export interface GroupRoute {
  readonly zone: string;
  readonly cacheKeyName: string | null;
  readonly cacheKey: CacheKey;
  readonly dimensions: readonly Dimension[];
  /** The group's own action, else the zone's (docs/purge-yaml.md). */
  readonly action: Action;
  readonly problems: readonly RouteProblem[];
}

export interface RouteProblem {
  readonly diagnostic: Diagnostic;
  /**
   * Set for "a variant for a dimension the key lacks" (the variant's path): for a routed group
   * that is an error only when no zone its items go to has the dimension.
   */
  readonly notInKey?: string;
}

export interface Group {
  readonly name: string;
  readonly description: string | null;
  /** The group's zone; '' for a routed group (see `routes`). */
  readonly zone: string;
  /**
   * For a group without `zone` in a file with several zones (docs/purge-yaml.md): per zone with a `name`,
   * in file order, how its items are expanded there. Null for a group with a zone.
   */
  readonly routes: ReadonlyMap<string, GroupRoute> | null;
  readonly cacheKeyName: string | null;
  readonly cacheKey: CacheKey;
  readonly urls: readonly UrlPattern[];
  readonly vars: ReadonlyMap<string, readonly string[]>;
  readonly dimensions: readonly Dimension[];
  readonly hosts: readonly string[];
  readonly prefixes: readonly string[];
  readonly tags: readonly string[];
  readonly everything: boolean;
  /** Its own `action`, else its zone's, else purge (docs/purge-yaml.md). */
  readonly action: Action;
  readonly revision: number;
  readonly watch: readonly string[];
  /** Where its URLs come from when not from `urls`: a build directory or a sitemap (docs/purge-yaml.md). */
  readonly source: GroupSource | null;
  readonly position: Position;
  /** The most due file items the group may send; absent: no budget of its own. */
  readonly budget?: { readonly items: number };
  /** Its escalate steps, in order; absent or empty: never escalated. */
  readonly escalate?: readonly EscalateStep[];
}

export interface Config {
  readonly file: string;
  readonly digest: string;
  /** Digest of purge.yaml and every vars file it reads: a plan is stale when this changes. */
  readonly inputsDigest: string;
  readonly zones: readonly Zone[];
  readonly groups: readonly Group[];
  /** The `cache_keys` profiles by name (explain --cache-key NAME). */
  readonly cacheKeys: ReadonlyMap<string, CacheKey>;
}
