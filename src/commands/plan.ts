// `purgeplan plan`: validate, expand, reconcile, batch, then render (human, --json, --markdown)
// and optionally save the plan (--out). Also the planning half of `apply` without a plan file.
import { hasErrors } from '../diagnostics.js';
import { writeChunksAtomic } from '../fsutil.js';
import type { Config } from '../config/types.js';
import type { GroupExpansion } from '../expand/group.js';
import { buildPlan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import { renderHuman } from '../render/human.js';
import { jsonChunks } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import { resolve } from 'node:path';
import { reconcile } from './baseline.js';
import type { Reconciled, ReconcileOptions } from './baseline.js';
import type { Io } from './io.js';
import { printDiagnostics, summarizeProblems } from './io.js';
import { loadWorkingConfig } from './pipeline.js';

export interface PlanningOptions extends ReconcileOptions {
  readonly config: string;
  readonly strict: boolean;
}

export interface PlanOptions extends PlanningOptions {
  readonly out?: string;
  readonly json: boolean;
  readonly markdown: boolean;
  readonly detailedExitcode: boolean;
}

export interface Planned {
  readonly plan: Plan;
  readonly config: Config;
  readonly expansions: readonly GroupExpansion[];
  readonly baseDir: string;
  readonly reconciled: Reconciled;
}

/** Plans, printing diagnostics; returns the exit code 1 when the configuration is invalid. */
export function makePlan(options: PlanningOptions, io: Io): Planned | 1 {
  const checked = loadWorkingConfig(options.config, io.cwd, options.maxItems);
  if (!checked.config || !checked.expansions || !checked.baseDir || hasErrors(checked.diagnostics, options.strict)) {
    printDiagnostics(io, checked.diagnostics);
    io.stderr(`${io.stderrStyle.red(`${options.config} is invalid`)}: ${summarizeProblems(checked.diagnostics)}; nothing was planned.\n`);
    return 1;
  }
  const reconciled = reconcile(checked.expansions, checked.baseDir, options.config, io.cwd, options);
  printDiagnostics(io, [...checked.diagnostics, ...reconciled.diagnostics]);
  const plan = buildPlan({
    config: checked.config,
    configPath: options.config,
    expansions: checked.expansions,
    decisions: reconciled.decisions,
    baseline: reconciled.baseline,
    state: { path: reconciled.state.path, digest: reconciled.state.digest },
    watchDigests: reconciled.watchDigests,
    fingerprints: reconciled.fingerprints,
  });
  return { plan, config: checked.config, expansions: checked.expansions, baseDir: checked.baseDir, reconciled };
}

export async function planCommand(options: PlanOptions, io: Io): Promise<number> {
  const planned = makePlan(options, io);
  if (planned === 1) return 1;
  const { plan } = planned;
  if (options.out) writeChunksAtomic(resolve(io.cwd, options.out), jsonChunks(plan));
  if (options.json) await io.stdoutChunks(jsonChunks(plan));
  else if (options.markdown) io.stdout(renderMarkdown(plan));
  else {
    io.stdout(renderHuman(plan, { style: io.stdoutStyle }));
    if (options.out) io.stdout(`\nSaved this plan to ${options.out}. Apply exactly it with: purgeplan apply ${options.out}\n`);
  }
  return options.detailedExitcode && plan.requests.length > 0 ? 2 : 0;
}
