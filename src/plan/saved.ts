// A saved plan is checked, not trusted (README "Saved plans are checked, not trusted"): before
// `apply PLANFILE` sends it, its configuration must still give exactly it. The rules of staleness
// and of the rebuild live here; the command only wires them.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import type { Config } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { reconcile, workingWatchDigests } from '../reconcile/baseline.js';
import { groupFingerprints } from '../reconcile/record.js';
import type { ExpandAt, Reconciled } from '../reconcile/baseline.js';
import type { SourceContents } from '../reconcile/sources.js';
import { stateDigest } from '../reconcile/state.js';
import { buildPlan } from './plan.js';
import { inconsistentPlan, planDifference, planInconsistency, readPlanFile, savedDecisions, savedPlanning } from './planfile.js';
import type { Plan } from './types.js';

/** The configuration as loaded now, which a saved or interrupted plan must still agree with. */
export interface LoadedConfig {
  readonly config: Config;
  readonly expansions: readonly GroupExpansion[];
  readonly baseDir: string;
  readonly listFiles?: () => readonly string[];
}

export interface SavedPlanCheck {
  /** The plan file as the user named it (in messages). */
  readonly planfile: string;
  readonly plan: Plan;
  readonly loaded: LoadedConfig;
  /** The configuration file, relative to `cwd` (in messages, and to reconcile against). */
  readonly configFile: string;
  readonly stateFile: string;
  readonly cwd: string;
  readonly maxItems: number;
  /** Expands purge.yaml as another commit had it (for a git baseline). */
  readonly expandAt: ExpandAt;
  /** The interrupted apply the journal records: which plan, and the state digest it left; null without one. */
  readonly interrupted: { readonly planId: string; readonly stateDigest: string | undefined } | null;
  /** The content of build and sitemap groups read now (with the previous build when the plan was made with --build-base). */
  readonly sources: SourceContents;
}

/**
 * A saved plan is sent only when its configuration still gives exactly it: same configuration
 * and vars, same watched content, same state (or the state as this very plan's apply left it),
 * and, rebuilt from those against the same baseline, the same document, every field of it
 * (statuses and diffs too). A file that does not even agree with itself is said to be edited
 * rather than stale. Returns the rebuilt plan.
 */
export function checkSavedPlan(check: SavedPlanCheck): Plan {
  const { planfile, plan, loaded, configFile, stateFile } = check;
  const inconsistency = planInconsistency(plan);
  const stale = (why: string) => (inconsistency !== null ? inconsistentPlan(planfile, inconsistency)
    : new UserError(`the plan ${planfile} is stale: ${why}`, { hint: 'plan again (purgeplan plan --out FILE), review, then apply the new plan' }));
  if (loaded.config.digest !== plan.config.digest) throw stale(`${configFile} changed since it was made`);
  if (loaded.config.inputsDigest !== plan.config.inputs_digest) throw stale(`${configFile}'s vars files changed since it was made`);
  const current = stateDigest(stateFile);
  // The state as this plan's own interrupted apply left it: the statuses it was planned with can
  // no longer be rebuilt from the state, but the journal names this very document (its plan_id).
  let resuming = false;
  if (current !== plan.state.digest) {
    resuming = check.interrupted !== null && check.interrupted.planId === plan.plan_id && check.interrupted.stateDigest === current;
    if (!resuming) throw stale(`the state ${relative(check.cwd, stateFile) || stateFile} changed since it was made (another apply ran)`);
    if (inconsistency !== null) throw inconsistentPlan(planfile, inconsistency);
  }
  const watchDigests = workingWatchDigests(loaded.expansions, loaded.baseDir, loaded.listFiles, stateFile);
  for (const group of plan.groups) {
    if (group.due && watchDigests.get(group.name) !== group.watch_digest) throw stale(`the content group ${printable(group.name)} watches changed since it was made`);
    const read = check.sources.current.get(group.name);
    if (group.source !== undefined && read !== undefined && read.digest !== group.source.digest) throw stale(`the ${group.source.kind} of group ${printable(group.name)} (${printable(group.source.path)}) changed since it was made`);
  }
  const rebuilt = resuming
    ? buildPlan({ config: loaded.config, configPath: plan.config.path, expansions: loaded.expansions, decisions: savedDecisions(plan), baseline: plan.baseline, state: plan.state, watchDigests,
        fingerprints: groupFingerprints(loaded.config.zones, loaded.expansions), ignoreBudget: plan.ignore_budget === true, sources: check.sources.current })
    : rebuildSavedPlan(check, inconsistency, stale);
  const difference = planDifference(plan, rebuilt);
  if (difference !== null) {
    throw new UserError(`refusing the plan ${planfile}: ${difference.sentence ? difference.where : `${difference.where} is not what the configuration gives`}; nothing was sent`, {
      hint: `${difference.detail ? `${difference.detail} from ${configFile}; ` : ''}it was edited or damaged since \`purgeplan plan --out\` wrote it: plan again from ${configFile}`,
    });
  }
  return rebuilt;
}

/** The plan its configuration gives now against the saved plan's baseline, planned as it was (--all, --group, --base). */
function rebuildSavedPlan(check: SavedPlanCheck, inconsistency: string | null, stale: (why: string) => UserError): Plan {
  const { planfile, plan, loaded, configFile } = check;
  const planning = savedPlanning(plan, new Set(loaded.expansions.map((e) => e.group.name)));
  let reconciled: Reconciled;
  try {
    reconciled = reconcile(loaded.config, loaded.expansions, loaded.baseDir, configFile, check.cwd, { ...planning, state: check.stateFile, maxItems: check.maxItems },
      check.expandAt, loaded.listFiles, check.sources);
  } catch (error) {
    if (!(error instanceof UserError) || plan.baseline.kind !== 'git') throw error;
    // A file that does not agree with itself is refused as edited, whatever its ref names.
    if (inconsistency !== null) throw inconsistentPlan(planfile, inconsistency);
    throw new UserError(`cannot check the plan ${planfile} against its git baseline ${printable(plan.baseline.ref)}: ${error.message}; nothing was sent`, {
      hint: `its statuses are checked against ${configFile} at ${printable(plan.baseline.ref)} (commit ${printable(plan.baseline.commit)}): fetch it (e.g. fetch-depth: 0), or plan again here`,
    });
  }
  if (plan.baseline.kind === 'git' && reconciled.baseline.kind === 'git' && reconciled.baseline.commit !== plan.baseline.commit) {
    throw stale(`its git baseline ${printable(plan.baseline.ref)} names commit ${reconciled.baseline.commit} now, not ${printable(plan.baseline.commit)} as when it was made`);
  }
  return buildPlan({
    config: loaded.config, configPath: plan.config.path, expansions: loaded.expansions, decisions: reconciled.decisions,
    baseline: reconciled.baseline, state: { path: reconciled.state.path, digest: reconciled.state.digest }, watchDigests: reconciled.watchDigests,
    sources: check.sources.current,
    ignoreBudget: plan.ignore_budget === true,
    fingerprints: reconciled.fingerprints,
  });
}

/**
 * The previous build a saved plan compared its build and sitemap groups with (`--build-base`,
 * recorded relative to purge.yaml), relative to `cwd`; undefined when it used none.
 */
export function savedBuildBase(plan: Plan, baseDir: string, cwd: string): string | undefined {
  for (const group of plan.groups) {
    const baseline = group.source?.baseline;
    if (baseline?.kind === 'build-base') return relative(cwd, resolve(baseDir, baseline.path)) || '.';
  }
  return undefined;
}

/**
 * A saved plan and where its configuration is: beside the plan file (the path it names is relative
 * to it, and must exist), or -c when given. The planning flags cannot be used with it: the plan already says what
 * to purge and against which state.
 */
export function readSavedPlan(planfile: string, flags: SavedPlanFlags, cwd: string): { plan: Plan; configFile: string } {
  const refused = [
    flags.groups.length > 0 ? '--group' : '', flags.all ? '--all' : '', flags.base !== undefined ? '--base' : '', flags.state !== undefined ? '--state' : '',
    flags.buildBase !== undefined ? '--build-base' : '',
    flags.ignoreBudget ? '--ignore-budget' : '',
  ].filter(Boolean);
  if (refused.length > 0) {
    throw new UserError(`${refused.join(', ')} cannot be used with a plan file: the plan already says what to purge and against which state`, {
      hint: `to plan differently, make a new plan: purgeplan plan ${refused.includes('--group') ? '--group NAME ' : ''}--out FILE`,
    });
  }
  const plan = readPlanFile(planfile, cwd, { consistent: false });
  const configPath = flags.configGiven ? resolve(cwd, flags.config) : resolve(dirname(resolve(cwd, planfile)), plan.config.path);
  const configFile = relative(cwd, configPath) || configPath;
  if (!flags.configGiven && !existsSync(configPath)) {
    // A plan copied away from its configuration: it is found beside the plan file, unless -c says where.
    throw new UserError(`the plan ${planfile} names the configuration ${configFile} (relative to the plan file): no such file`, { hint: `pass -c FILE to say where the plan's purge.yaml is, e.g. purgeplan apply ${planfile} -c path/to/purge.yaml` });
  }
  return { plan, configFile };
}

export interface SavedPlanFlags {
  readonly groups: readonly string[];
  readonly all: boolean;
  readonly base?: string;
  readonly state?: string;
  readonly buildBase?: string;
  /** --ignore-budget: a saved plan says whether it was made with it. */
  readonly ignoreBudget?: boolean;
  readonly config: string;
  readonly configGiven?: boolean;
}
