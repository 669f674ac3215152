// What explain and coverage compare requests with: every group (as with --all), a saved plan's
// requests (--plan FILE), or the due groups against a baseline (--base/--state, coverage). The
// configuration is read in every case: it holds the zones, cache keys and declared variants.
import { hasErrors } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { closest } from '../suggest.js';
import type { CacheKey, Config } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import type { Plan } from '../plan/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { Inspector } from '../inspect/inspector.js';
import { PurgeIndex } from '../inspect/items.js';
import { dirname, relative, resolve } from 'node:path';
import { readPlanFile } from '../plan/planfile.js';
import { reconcile } from '../reconcile/baseline.js';
import { everyUrlExpansions, sourceExpansions } from '../reconcile/sources.js';
import { statePaths } from '../reconcile/state.js';
import type { Io } from './io.js';
import { printDiagnostics, summarizeProblems } from './io.js';
import { DEFAULT_MAX_ITEMS } from '../defaults.js';
import { checkAndExpand, loadWorkingConfig } from './pipeline.js';
import { readGroupSources } from './sources.js';
import type { SourcesRead } from '../sources/read.js';

export interface TargetOptions {
  readonly config: string;
  /** Whether -c was given (with --plan, the plan names its configuration otherwise). */
  readonly configGiven: boolean;
  readonly plan?: string;
  readonly base?: string;
  readonly state?: string;
  readonly cacheKey?: string;
  /**
   * How the plan is seen (coverage --graphql: through what the data can observe); the configuration
   * the target returns stays the file's.
   */
  readonly view?: (seen: InspectedParts) => InspectedParts;
  /** Build and sitemap groups as another thread already read them (coverage's workers): not read again. */
  readonly sources?: SourcesRead;
}

/** What an inspector compares requests with. */
export interface InspectedParts {
  readonly config: Config;
  readonly expansions: readonly GroupExpansion[];
  readonly plan?: Plan;
}

export interface Target {
  readonly config: Config;
  readonly inspector: Inspector;
  /** In words, for reports: "every group", "plan release.plan", "groups due against …". */
  readonly against: { readonly kind: 'all' | 'plan' | 'due'; readonly label: string; readonly groups: readonly string[] };
  /** `--cache-key`'s profile, when given: every entry is built with it. */
  readonly cacheKey: CacheKey | undefined;
  /** Build and sitemap groups as read (undefined with a saved plan, or when there are none to read). */
  readonly sources?: SourcesRead;
}

/** Loads the configuration and builds the inspector; 1 when the configuration is invalid. */
export async function loadTarget(options: TargetOptions, io: Io): Promise<Target | 1> {
  if (options.plan !== undefined && (options.base !== undefined || options.state !== undefined)) {
    throw new UserError('--plan cannot be combined with --base or --state', { hint: 'a saved plan already decided which groups are due' });
  }
  const plan = options.plan !== undefined ? readPlanFile(options.plan, io.cwd) : undefined;
  // A saved plan names its configuration relative to itself.
  const configPath = plan && !options.configGiven ? relative(io.cwd, resolve(dirname(resolve(io.cwd, options.plan!)), plan.config.path)) || plan.config.path : options.config;
  const checked = loadWorkingConfig(configPath, io.cwd, DEFAULT_MAX_ITEMS);
  if (!checked.config || !checked.expansions || !checked.baseDir || hasErrors(checked.diagnostics)) {
    printDiagnostics(io, checked.diagnostics);
    io.stderr(`${io.stderrStyle.red(`${configPath} is invalid`)}: ${summarizeProblems(checked.diagnostics)}.\n`);
    return 1;
  }
  const config = checked.config;
  // Build and sitemap groups: their URLs are their files' and entries' (docs/purge-yaml.md).
  const stateFile = statePaths(checked.baseDir, io.cwd, configPath, options.state).absolutePath;
  const sources = plan ? undefined : options.sources ?? await readGroupSources(config, checked.baseDir, stateFile, undefined, io, 'nothing was checked');
  if (sources === 1) return 1;
  const cacheKey = options.cacheKey === undefined ? undefined : profile(config, options.cacheKey);
  const view = options.view ?? ((seen: InspectedParts) => seen);
  let seen: InspectedParts;
  let index: PurgeIndex;
  let against: Target['against'];
  if (plan) {
    if (config.inputsDigest !== plan.config.inputs_digest) {
      io.stderr(`${io.stderrStyle.yellow('warning')}: the plan ${options.plan} was made from another version of ${configPath}; its requests are used as saved\n`);
    }
    seen = view({ config, expansions: checked.expansions, plan });
    index = PurgeIndex.fromPlan(seen.config, seen.expansions, seen.plan!);
    against = { kind: 'plan', label: `the plan ${options.plan}`, groups: plan.groups.filter((g) => g.due).map((g) => g.name) };
  } else if (options.base !== undefined || options.state !== undefined) {
    const reconciled = reconcile(config, checked.expansions, checked.baseDir, configPath, io.cwd, { all: false, groups: [], base: options.base, state: options.state, maxItems: DEFAULT_MAX_ITEMS },
      (file, bytes, reader) => checkAndExpand(file, bytes, reader, DEFAULT_MAX_ITEMS), undefined, sources);
    printDiagnostics(io, [...(sources?.diagnostics ?? []), ...reconciled.diagnostics]);
    const due = new Set(reconciled.decisions.filter((d) => d.due).map((d) => d.name));
    seen = view({ config, expansions: sources ? sourceExpansions(checked.expansions, reconciled.decisions, sources.current, config.zones) : checked.expansions });
    index = PurgeIndex.fromExpansions(seen.config, seen.expansions, due);
    const baseline = options.base !== undefined ? `--base ${options.base}` : `the state ${reconciled.state.path}`;
    against = { kind: 'due', label: `the groups due against ${baseline}`, groups: config.groups.filter((g) => due.has(g.name)).map((g) => g.name) };
  } else {
    printDiagnostics(io, sources?.diagnostics ?? []);
    seen = view({ config, expansions: sources ? everyUrlExpansions(checked.expansions, sources.current, config.zones) : checked.expansions });
    index = PurgeIndex.fromExpansions(seen.config, seen.expansions, null);
    against = { kind: 'all', label: 'every group', groups: config.groups.map((g) => g.name) };
  }
  printDiagnostics(io, checked.diagnostics);
  return { config, inspector: new Inspector(seen.config, index, cacheKey ? { cacheKey } : {}), against, cacheKey: cacheKey?.key, ...(sources ? { sources } : {}) };
}

/** `--cache-key NAME`: a profile of cache_keys, or `default` for Cloudflare's default key. */
function profile(config: Config, name: string): { name: string | null; key: CacheKey } {
  const key = config.cacheKeys.get(name);
  if (key) return { name, key };
  if (name === 'default') return { name: null, key: DEFAULT_CACHE_KEY };
  const suggestion = closest(name, config.cacheKeys.keys());
  throw new UserError(`--cache-key: no cache key profile "${name}" in ${config.file}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
    hint: config.cacheKeys.size ? `profiles: ${[...config.cacheKeys.keys()].join(', ')}, or default for Cloudflare's default key` : 'define it under cache_keys, or use default',
  });
}
