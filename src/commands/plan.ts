// `purgeplan plan`: validate, expand, reconcile, batch, then render (human, --json, --markdown)
// and optionally save the plan (--out). Also the planning half of `apply` without a plan file.
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { hasErrors } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { writeChunksAtomic, writeTarget } from '../fsutil.js';
import type { Locator } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { buildListedPlan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { reconcile } from '../reconcile/baseline.js';
import { statePaths } from '../reconcile/state.js';
import type { SourcesRead } from '../sources/read.js';
import type { Reconciled, ReconcileOptions } from '../reconcile/baseline.js';
import { renderHuman } from '../render/human.js';
import { jsonChunks } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { cacheReserveWarnings } from '../render/budget.js';
import type { Io } from './io.js';
import { printDiagnostics, summarizeProblems } from './io.js';
import { checkAndExpand, loadWorkingConfig } from './pipeline.js';
import { readGroupSources } from './sources.js';
import type { Checked } from './pipeline.js';

export interface PlanningOptions extends ReconcileOptions {
  readonly config: string;
  readonly strict: boolean;
  /** --ignore-budget (docs/commands.md). */
  readonly ignoreBudget?: boolean;
}

export interface PlanOptions extends PlanningOptions {
  readonly out?: string;
  readonly json: boolean;
  readonly markdown: boolean;
  /** Every item flat, one a line (docs/commands.md, "plan"). */
  readonly expand?: boolean;
  readonly detailedExitcode: boolean;
}

export interface Planned {
  readonly plan: Plan;
  /** The content of build and sitemap groups, as read for this plan (apply records it). */
  readonly sources: SourcesRead;
  readonly config: Config;
  readonly expansions: readonly GroupExpansion[];
  readonly baseDir: string;
  readonly reconciled: Reconciled;
}

export type Loaded = Checked & { readonly config: Config; readonly locate: Locator; readonly expansions: readonly GroupExpansion[]; readonly baseDir: string; readonly listFiles?: () => readonly string[] };

/** Loads and checks the configuration, printing diagnostics; 1 when it is invalid. */
export function loadValid(config: string, options: { maxItems: number; strict: boolean }, io: Io, what = 'nothing was planned'): Loaded | 1 {
  const checked = loadWorkingConfig(config, io.cwd, options.maxItems);
  if (!checked.config || !checked.expansions || !checked.baseDir || hasErrors(checked.diagnostics, options.strict)) {
    printDiagnostics(io, checked.diagnostics);
    io.stderr(`${io.stderrStyle.red(`${config} is invalid`)}: ${summarizeProblems(checked.diagnostics)}; ${what}.\n`);
    return 1;
  }
  return checked as Loaded;
}

/** Reconciles a loaded configuration with its baseline and builds the plan (reads the state). */
export function planLoaded(loaded: Loaded, options: PlanningOptions, io: Io, sources: SourcesRead): Planned {
  const reconciled = reconcile(loaded.config, loaded.expansions, loaded.baseDir, options.config, io.cwd, options,
    (file, bytes, reader) => checkAndExpand(file, bytes, reader, options.maxItems), loaded.listFiles, sources);
  printDiagnostics(io, [...loaded.diagnostics, ...sources.diagnostics, ...reconciled.diagnostics]);
  if (hasErrors(reconciled.diagnostics)) throw new UserError(`${options.config}: ${summarizeProblems(reconciled.diagnostics)}; nothing was planned`);
  const { plan, expansions } = buildListedPlan({
    config: loaded.config, configPath: options.config, expansions: loaded.expansions, decisions: reconciled.decisions, baseline: reconciled.baseline,
    state: { path: reconciled.state.path, digest: reconciled.state.digest },
    watchDigests: reconciled.watchDigests,
    sources: sources.current,
    ignoreBudget: options.ignoreBudget === true,
    fingerprints: reconciled.fingerprints,
  });
  return { plan, sources, config: loaded.config, expansions, baseDir: loaded.baseDir, reconciled };
}

/** The content of the loaded configuration's build and sitemap groups (1: one cannot be read, reported). */
function loadSources(loaded: Loaded, options: PlanningOptions, io: Io, what?: string): Promise<SourcesRead | 1> {
  const stateFile = statePaths(loaded.baseDir, io.cwd, options.config, options.state).absolutePath;
  return readGroupSources(loaded.config, loaded.baseDir, stateFile, options.buildBase, io, what, options.strict);
}

/** Plans, printing diagnostics; returns the exit code 1 when the configuration is invalid. */
export async function makePlan(options: PlanningOptions, io: Io): Promise<Planned | 1> {
  const loaded = loadValid(options.config, options, io);
  if (loaded === 1) return 1;
  const sources = await loadSources(loaded, options, io);
  return sources === 1 ? 1 : planLoaded(loaded, options, io, sources);
}

/**
 * `--out` names a regular file (or a link to one; the plan is written to where it leads) in a
 * directory that exists, and not the configuration itself (docs/commands.md, "plan").
 */
function checkOutPath(out: string, outPath: string, configPath: string, config: string): void {
  const target = writeTarget(outPath, `--out ${out}`, 'to write the plan to stdout, use --out -; else name a regular file');
  let same = target === resolve(configPath);
  try {
    same ||= realpathSync(target) === realpathSync(configPath);
  } catch {
    // A new file, which cannot be the configuration.
  }
  if (same) throw new UserError(`--out ${out} is the configuration ${config}: saving the plan there would overwrite it`, { hint: 'save the plan to a file of its own, e.g. --out release.plan' });
}

/** The plan as saved by --out: its configuration's path is relative to the plan file. */
function savedPlan(plan: Plan, outPath: string, configPath: string): Plan {
  const path = relative(dirname(outPath), configPath).split('\\').join('/') || basename(configPath);
  return { ...plan, config: { ...plan.config, path } };
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function planCommand(options: PlanOptions, io: Io): Promise<number> {
  const planned = await makePlan(options, io);
  if (planned === 1) return 1;
  // `planned` carries the expansions the human and markdown plans list items from (docs/commands.md, "How the plan lists items").
  const { plan } = planned;
  const configPath = resolve(io.cwd, options.config);
  if (options.out === '-') {
    // The plan document is the whole of stdout (as if saved in the current directory); what a
    // person reads goes to stderr.
    await io.stdoutChunks(jsonChunks(savedPlan(plan, join(io.cwd, '-'), configPath)));
    if (options.markdown) io.stderr(renderMarkdown(planned, undefined, { expand: options.expand }));
    else if (!options.json) io.stderr(renderHuman(planned, { style: io.stderrStyle, expand: options.expand }));
    return options.detailedExitcode && plan.requests.length > 0 ? 2 : 0;
  }
  if (options.out) {
    const outPath = resolve(io.cwd, options.out);
    checkOutPath(options.out, outPath, configPath, options.config);
    writeChunksAtomic(outPath, jsonChunks(savedPlan(plan, outPath, configPath)), `--out ${options.out}`);
  }
  // The document has no words: what the human plan warns is said on stderr.
  if (options.json) for (const warning of cacheReserveWarnings(plan)) io.stderr(`warning: ${warning}\n`);
  if (options.json) await io.stdoutChunks(jsonChunks(plan));
  else if (options.markdown) io.stdout(renderMarkdown(planned, undefined, { expand: options.expand }));
  else {
    io.stdout(renderHuman(planned, { style: io.stdoutStyle, expand: options.expand }));
    if (options.out) io.stdout(`\nSaved this plan to ${options.out}. Apply exactly it with: purgeplan apply ${options.out}\n`);
  }
  return options.detailedExitcode && plan.requests.length > 0 ? 2 : 0;
}
