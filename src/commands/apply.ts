// `purgeplan apply [PLANFILE]` (docs/commands.md "apply"). Order of work: the flags, the API URL, the
// state lock (before the state is read), the plan (a saved one checked, an interrupted one resumed,
// or a new one), the tokens, all before the plan is shown; the tokens verified and the zones read
// back before `yes` is asked; then wait-for, send (and verify), repurge, warm (apply/phases.ts).
// Ctrl-C is a clean stop (130) at any point. The rules live in plan/ and apply/; this wires them.
import { relative, resolve } from 'node:path';
import { DEFAULT_API_URL } from '../cloudflare/limits.js';
import { parseApiUrl } from '../cloudflare/client.js';
import { systemClock } from '../http/policy.js';
import { UserError } from '../errors.js';
import { checkWritable } from '../fsutil.js';
import { checkSavedPlan, readSavedPlan, savedBuildBase } from '../plan/saved.js';
import { plannedExpansions } from '../plan/plan.js';
import { checkStateOwner, journalPathOf, lockPathOf, readState, stateLabel, statePaths } from '../reconcile/state.js';
import { renderHuman } from '../render/human.js';
import { unsentSummaryEvent } from '../apply/events.js';
import { Interrupts } from '../apply/interrupts.js';
import { isJournal, journalOptions, readJournal } from '../apply/journal.js';
import { acquireLock } from '../apply/lock.js';
import { applyOutput } from '../apply/output.js';
import type { ApplyOutput } from '../apply/output.js';
import { phaseSettings } from '../apply/phase-flags.js';
import type { PhaseFlags } from '../apply/phase-flags.js';
import { identityPhase, resumePoint, runPhases } from '../apply/phases.js';
import type { PhaseDeps, PhaseOutput, WarmPhase } from '../apply/phases.js';
import { readZoneTokens, zonesWithRequests } from '../apply/preflight.js';
import { createHumanReporter } from '../apply/progress.js';
import { recordOnly, recordState } from '../apply/record.js';
import { resumedPlan } from '../apply/resume.js';
import { verifySettings } from '../apply/verify-flags.js';
import type { VerifyFlags } from '../apply/verify-flags.js';
import { warmAfterApply, warmSettings } from '../warm/index.js';
import type { WarmFlags } from '../warm/index.js';
import { startVerification } from '../verify/start.js';
import { confirm } from './confirm.js';
import type { Io } from './io.js';
import { loadValid, planLoaded } from './plan.js';
import type { PlanningOptions } from './plan.js';
import { checkAndExpand } from './pipeline.js';
import { readGroupSources } from './sources.js';

export interface ApplyCommandOptions extends PlanningOptions, VerifyFlags, PhaseFlags, WarmFlags {
  readonly autoApprove: boolean;
  readonly apiUrl?: string; readonly fastlyApiUrl?: string;
  /** `--concurrency`, and whether it was given (then it bounds every provider's requests too: docs/providers.md). */
  readonly concurrency: number; readonly concurrencyGiven?: boolean; readonly maxRetries: number;
  /** Whether -c/--config was given (with a plan file, the configuration is found beside it). */
  readonly configGiven?: boolean;
  readonly checkDrift?: boolean;
  /** Record the due groups (and the builds) in the state without sending anything. */
  readonly recordOnly?: boolean;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function applyCommand(planfile: string | undefined, options: ApplyCommandOptions, io: Io, deps: PhaseDeps = {}): Promise<number> {
  const output = applyOutput(options.json, io);
  try {
    return await applyRun(planfile, options, io, output, deps);
  } catch (error) {
    output.refused(error); // the message also goes to stderr
    throw error;
  }
}

async function applyRun(planfile: string | undefined, options: ApplyCommandOptions, io: Io, output: ApplyOutput, deps: PhaseDeps): Promise<number> {
  const apiUrl = options.apiUrl ?? (io.env.PURGEPLAN_API_URL || DEFAULT_API_URL);
  parseApiUrl(apiUrl);
  const settings = phaseSettings(options);
  const verify = verifySettings(options);
  const warm = warmSettings(options);
  const sending = [verify && '--verify', warm && '--warm', settings.waitFor && '--wait-for', settings.repurgeAfterMs !== null && '--repurge-after', options.checkDrift && '--check-drift'].filter(Boolean);
  if (options.recordOnly && sending.length) throw new UserError(`--record-only sends nothing, so ${sending.join(', ')} cannot go with it`, { hint: 'record the build first (apply --record-only), then purge later changes with a plain apply' });
  if (planfile === undefined && !options.autoApprove && !io.stdinIsTTY) {
    // Refused before anything is planned or shown: there is no one to ask.
    throw new UserError('refusing to apply without confirmation: there is no terminal to ask on, and --auto-approve was not given', { hint: 'save the plan with `purgeplan plan --out FILE`, review it, and run `purgeplan apply FILE`; or pass --auto-approve' });
  }
  const saved = planfile === undefined ? undefined : readSavedPlan(planfile, options, io.cwd);
  const configFile = saved?.configFile ?? options.config;
  const loaded = loadValid(configFile, options, io, saved ? 'nothing was sent' : 'nothing was planned');
  if (loaded === 1) {
    if (saved) throw new UserError(`the plan ${planfile} is stale: ${configFile} is no longer valid`, { hint: 'fix the configuration and plan again' });
    return 1;
  }
  if (options.checkDrift && await (await import('./drift.js')).checkDriftBeforeApply(loaded, { apiUrl, strict: options.strict, maxRetries: options.maxRetries }, io) !== 0) return 1;
  const stateFile = saved ? resolve(loaded.baseDir, saved.plan.state.path) : statePaths(loaded.baseDir, io.cwd, configFile, options.state).absolutePath;
  const sources = await readGroupSources(loaded.config, loaded.baseDir, stateFile, saved ? savedBuildBase(saved.plan, loaded.baseDir, io.cwd) : options.buildBase, io, saved ? 'nothing was sent' : 'nothing was planned', options.strict);
  if (sources === 1) return 1;
  const journalPath = journalPathOf(stateFile);

  // The lock comes before the state is read: what is due is decided under it.
  const lock = acquireLock(lockPathOf(stateFile));
  if (lock.tookOverFrom) io.stderr(`note: took over the lock ${lock.path}, left by pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host} (no longer running) since ${lock.tookOverFrom.started_at}\n`);
  const interrupt = new Interrupts(io.stderr, deps.signal);
  const clock = deps.clock ?? systemClock;
  try {
    // Before the state is read (a fifo would block) and long before anything is sent.
    checkWritable(stateFile, stateLabel(stateFile));
    checkWritable(journalPath, `the apply journal ${journalPath}`);
    const state = readState(stateFile);
    checkStateOwner(state, stateFile, resolve(io.cwd, configFile));
    const journal = readJournal(journalPath);
    const plan = saved
      ? checkSavedPlan({
          planfile: planfile!, plan: saved.plan, loaded, configFile, stateFile, cwd: io.cwd, maxItems: options.maxItems,
          expandAt: (file, bytes, reader) => checkAndExpand(file, bytes, reader, options.maxItems),
          interrupted: isJournal(journal) ? { planId: journal.header.plan_id, stateDigest: journal.stateDigest } : null, sources,
        })
      : resumedPlan(journal, loaded, journalOptions(options), configFile, output.note, sources.current)
        ?? planLoaded(options.checkDrift ? { ...loaded, diagnostics: [] } : loaded, { ...options, config: configFile }, io, sources).plan; // --check-drift printed them
    const record = { state, stateFile, configPath: resolve(io.cwd, configFile), journalPath, sources: sources.current };
    const expansions = plannedExpansions({ config: loaded.config, expansions: loaded.expansions, decisions: plan.groups, sources: sources.current });

    // Tokens before the plan is shown and `yes` asked (--record-only sends nothing: no token).
    const tokens = options.recordOnly ? new Map() : readZoneTokens(zonesWithRequests(plan), io.env, options.fastlyApiUrl);
    if (!saved) output.show(renderHuman({ plan, expansions }, { style: options.json ? io.stderrStyle : io.stdoutStyle }));
    if (plan.requests.length === 0 && !options.recordOnly) {
      recordState(plan, [], true, record);
      if (options.json) output.report(unsentSummaryEvent({ ok: true, interrupted: false, requests: 0 }));
      else output.note('Nothing to apply.');
      return 0;
    }
    // WARM: the --warm phase (src/warm/), run by apply/phases.ts once every pass is sent and the state recorded.
    const warmPhase: WarmPhase | null = deps.warm ?? (warm ? (sent, last, signal) => warmAfterApply(sent, last, expansions, warm, io, signal) : null);
    const out: PhaseOutput = { event: output.report, line: options.json ? () => undefined : (text) => io.stdout(`${text}\n`), note: output.note };
    const phase = { settings, warm: warmPhase, out, stderr: io.stderr, requests: plan.requests.length };
    // The tokens verified and the zones' identity read before `yes` is asked (unless every pass was sent already).
    const checked = options.recordOnly || resumePoint(plan, journal, settings.repurgeAfterMs !== null).phase === 'finish' ? undefined
      : await identityPhase([...tokens.values()].filter((t) => t.provider === undefined), { apiUrl, maxRetries: options.maxRetries, signal: interrupt.signal, clock }, phase);
    if (checked === 'interrupted') return 130;
    if (!saved && !options.autoApprove) {
      const refused = await confirm(plan, { json: options.json, recordOnly: options.recordOnly }, io, output, interrupt.signal);
      if (refused !== null) return refused;
    }
    if (options.recordOnly) {
      output.note(recordOnly(plan, record, relative(io.cwd, stateFile) || stateFile));
      if (options.json) output.report(unsentSummaryEvent({ ok: true, interrupted: false, requests: plan.requests.length }));
      return 0;
    }
    return await runPhases({
      plan, settings, warm: warmPhase, journal, record, signal: interrupt.signal, hardSignal: interrupt.hardSignal, clock, out, ...(deps.fetcher ? { fetcher: deps.fetcher } : {}),
      send: { apiUrl, fastlyApiUrl: options.fastlyApiUrl, env: io.env, concurrency: options.concurrency, concurrencyBoundsAll: options.concurrencyGiven === true, maxRetries: options.maxRetries, journalPath, lock, tokens, journalOptions: journalOptions(options), ...(checked ? { checked } : {}) },
      verify: verify ? () => startVerification(plan, expansions, journal, verify, io) : null,
      reporter: () => (options.json ? output.report : createHumanReporter({ write: io.stdout, isTTY: io.stdoutIsTTY, journalPath: relative(io.cwd, journalPath) || journalPath })),
    });
  } finally {
    interrupt.dispose();
    lock.release();
  }
}
