// `purgeplan apply [PLANFILE]` (spec §4.2, §6a). Order of work: API URL, then the state lock
// (before the state is read), then the plan — a saved one checked against its configuration, an
// interrupted one resumed, or a new one — then the tokens, all before the plan is shown and `yes`
// asked; then send, and copy the records of the groups whose requests all succeeded into the
// state. Ctrl-C is a clean stop (130) at any point.
import { existsSync } from 'node:fs';
import { checkWritable } from '../fsutil.js';
import { jsonText, plural } from '../format.js';
import { dirname, relative, resolve } from 'node:path';
import { DEFAULT_API_URL } from '../cloudflare/limits.js';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { inconsistentPlan, planDifference, planInconsistency, readPlanFile, savedDecisions, savedPlanning } from '../plan/planfile.js';
import { buildPlan } from '../plan/plan.js';
import type { Plan, PlanZone } from '../plan/types.js';
import { reconcile, workingWatchDigests } from '../reconcile/baseline.js';
import type { Reconciled } from '../reconcile/baseline.js';
import {
  appliedRecords, checkStateOwner, configEntry, journalPathOf, lockPathOf, readState, recordApplied, stateDigest, stateLabel, statePaths, writeState,
} from '../reconcile/state.js';
import { renderHuman } from '../render/human.js';
import { applyPlan } from '../apply/run.js';
import { errorEvent, noteEvent, unsentSummaryEvent } from '../apply/events.js';
import type { ApplyEvent, ApplyJsonEvent } from '../apply/events.js';
import { parseApiUrl } from '../cloudflare/client.js';
import { acquireLock } from '../apply/lock.js';
import { isJournal, journalComplete, journalState, readJournal } from '../apply/journal.js';
import type { Journal } from '../apply/journal.js';
import type { ReadState } from '../reconcile/state.js';
import { readZoneTokens } from '../apply/preflight.js';
import { createHumanReporter, createJsonReporter } from '../apply/progress.js';
import { askYes } from './confirm.js';
import type { Io } from './io.js';
import { loadValid, planLoaded } from './plan.js';
import type { Loaded, PlanningOptions } from './plan.js';
import { checkAndExpand } from './pipeline.js';
import { parseConnectTo } from '../verify/probe.js';
import { DEFAULT_SETTLE_MS, DEFAULT_VERIFY_RATE } from '../verify/session.js';
import type { Verification, VerifySettings } from '../verify/session.js';
import { startVerification } from '../verify/start.js';

export interface ApplyCommandOptions extends PlanningOptions {
  readonly autoApprove: boolean;
  readonly apiUrl?: string;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly json: boolean;
  /** Whether -c/--config was given (with a plan file, the configuration is found beside it). */
  readonly configGiven?: boolean;
  readonly checkDrift?: boolean;
  /** `--verify N`: probe N sampled file items at the edge before and after (spec §11). */
  readonly verify?: number;
  readonly verifyRate?: number;
  readonly verifySettleMs?: number;
  readonly connectTo?: readonly string[];
  /** `--verify-strict`: a verification that confirmed nothing, or an unmatched --connect-to rule, exits 1 (after the purge). */
  readonly verifyStrict?: boolean;
}

interface Output {
  /** Apply events: JSON lines on stdout with --json, else the human reporter. */
  readonly report: (event: ApplyEvent) => void;
  /** A sentence for the user: stdout, or a `note` event with --json. */
  readonly note: (text: string) => void;
  /** The plan shown before asking: stdout, or stderr with --json (stdout carries only events). */
  readonly show: (text: string) => void;
}

export async function applyCommand(planfile: string | undefined, options: ApplyCommandOptions, io: Io): Promise<number> {
  const emitJson = (event: ApplyJsonEvent) => io.stdout(`${jsonText(event)}\n`);
  let summarized = false;
  const output: Output = options.json
    ? {
        report: (event) => { if (event.type === 'summary') summarized = true; createJsonReporter(io.stdout)(event); },
        note: (text) => emitJson(noteEvent(text)),
        show: (text) => io.stderr(text),
      }
    : { report: () => undefined, note: (text) => io.stdout(`${text}\n`), show: (text) => io.stdout(text) };
  try {
    return await applyRun(planfile, options, io, output);
  } catch (error) {
    // Every --json run ends with a summary event, a refusal too (the message also goes to stderr).
    if (options.json && !summarized && error instanceof UserError) {
      emitJson(errorEvent(error.message, error.hint));
      emitJson(unsentSummaryEvent({ ok: false, interrupted: false, requests: 0, error: error.message }));
    }
    throw error;
  }
}

async function applyRun(planfile: string | undefined, options: ApplyCommandOptions, io: Io, output: Output): Promise<number> {
  const apiUrl = options.apiUrl ?? (io.env.PURGEPLAN_API_URL || DEFAULT_API_URL);
  parseApiUrl(apiUrl);
  if (options.verify === undefined && (options.connectTo ?? []).length > 0) {
    throw new UserError('--connect-to directs the requests of --verify: give --verify N too', { hint: 'e.g. purgeplan apply PLANFILE --verify 10 --connect-to www.example.com:443:203.0.113.7:443' });
  }
  if (options.verify === undefined && options.verifyStrict) {
    throw new UserError('--verify-strict makes the warnings of --verify fail: give --verify N too', { hint: 'e.g. purgeplan apply PLANFILE --verify 10 --verify-strict' });
  }
  const verify = options.verify === undefined ? null : verifySettings(options);
  if (planfile === undefined && !options.autoApprove && !io.stdinIsTTY) {
    // Refused before anything is planned or shown: there is no one to ask.
    throw new UserError('refusing to apply without confirmation: there is no terminal to ask on, and --auto-approve was not given', { hint: 'save the plan with `purgeplan plan --out FILE`, review it, and run `purgeplan apply FILE`; or pass --auto-approve' });
  }
  const saved = planfile === undefined ? undefined : readSavedPlan(planfile, options, io);
  const configFile = saved?.configFile ?? options.config;
  if (saved && !options.configGiven && !existsSync(resolve(io.cwd, configFile))) {
    // A plan copied away from its configuration: it is found beside the plan file, unless -c says where.
    throw new UserError(`the plan ${planfile} names the configuration ${configFile} (relative to the plan file): no such file`, { hint: `pass -c FILE to say where the plan's purge.yaml is, e.g. purgeplan apply ${planfile} -c path/to/purge.yaml` });
  }
  if (options.checkDrift) {
    const { checkDriftBeforeApply } = await import('./drift.js');
    if (await checkDriftBeforeApply(configFile, { apiUrl, strict: options.strict, maxRetries: options.maxRetries }, io) !== 0) return 1;
  }
  const loaded = loadValid(configFile, options, io, saved ? 'nothing was sent' : 'nothing was planned');
  if (loaded === 1) {
    if (saved) throw new UserError(`the plan ${planfile} is stale: ${configFile} is no longer valid`, { hint: 'fix the configuration and plan again' });
    return 1;
  }
  const stateFile = saved ? resolve(loaded.baseDir, saved.plan.state.path) : statePaths(loaded.baseDir, io.cwd, configFile, options.state).absolutePath;
  const journalPath = journalPathOf(stateFile);

  // The lock comes before the state is read: what is due is decided under it (spec §5).
  const lock = acquireLock(lockPathOf(stateFile));
  if (lock.tookOverFrom) io.stderr(`note: took over the lock ${lock.path}, left by pid ${lock.tookOverFrom.pid} on ${lock.tookOverFrom.host} (no longer running) since ${lock.tookOverFrom.started_at}\n`);
  const interrupt = new Interrupts(io);
  let verification: Verification | null = null;
  try {
    // Before the state is read (a fifo would block) and long before anything is sent.
    checkWritable(stateFile, stateLabel(stateFile));
    checkWritable(journalPath, `the apply journal ${journalPath}`);
    const state = readState(stateFile);
    checkStateOwner(state, stateFile, resolve(io.cwd, configFile));
    const journal = readJournal(journalPath);
    const plan = saved
      ? checkSavedPlan(planfile!, saved.plan, loaded, configFile, stateFile, journal, options, io)
      : resumedPlan(journal, loaded, options, configFile, output) ?? planLoaded(loaded, { ...options, config: configFile }, io).plan;

    // Tokens before the plan is shown and `yes` asked (spec §6a "apply UX").
    readZoneTokens(zonesWithRequests(plan), io.env);
    if (!saved) output.show(renderHuman(plan, { style: options.json ? io.stderrStyle : io.stdoutStyle }));
    if (plan.requests.length === 0) {
      recordState(plan, [], true, state, stateFile, configFile, journalPath, io);
      if (options.json) output.report(unsentSummaryEvent({ ok: true, interrupted: false, requests: 0 }));
      else output.note('Nothing to apply.');
      return 0;
    }
    if (!saved && !options.autoApprove) {
      const question = `\nDo you want to send these purges?\n  purgeplan will purge exactly what is shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `;
      const answer = await askYes(question, options.json ? io.stderr : io.stdout, interrupt.signal);
      if (answer !== 'yes') {
        const why = answer === null ? 'interrupted' : 'not approved';
        if (options.json) output.report(unsentSummaryEvent({ ok: false, interrupted: answer === null, cancelled: true, requests: plan.requests.length }));
        else io.stdout(`\nApply cancelled (${why}): nothing was sent.\n`);
        return answer === null ? 130 : 1;
      }
      if (!options.json) io.stdout('\n');
    }

    if (verify) verification = await startVerification(plan, loaded.expansions, journalPath, verify, io);
    if (verification && (await verification.before(interrupt.signal)) === 'interrupted') return 130;
    const report = options.json ? output.report : createHumanReporter({ write: io.stdout, isTTY: io.stdoutIsTTY, journalPath: relative(io.cwd, journalPath) || journalPath });
    const result = await applyPlan(plan, {
      apiUrl, env: io.env, concurrency: options.concurrency, maxRetries: options.maxRetries, journalPath,
      signal: interrupt.signal, hardSignal: interrupt.hardSignal, onEvent: report, lockPath: null,
      journalOptions: { all: options.all, groups: [...options.groups], base: options.base ?? null },
      onSettled: (settled) => recordState(plan, settled.completedGroups, settled.ok, state, stateFile, configFile, journalPath, io),
    });
    if (!result.ok) noteGitBaseline(plan, result.completedGroups, output);
    if (result.interrupted) return 130;
    if (!result.ok) verification?.skip('not every request of the plan succeeded');
    if (!result.ok || !verification) return result.ok ? 0 : 1;
    const sentNow = new Set(result.outcomes.filter((o) => o.status === 'done').map((o) => o.index));
    const verified = await verification.after(interrupt.signal, (request) => sentNow.has(request));
    return verified === 'interrupted' ? 130 : verified === 'not_purged' || verified === 'unconfirmed' ? 1 : 0;
  } finally {
    interrupt.dispose();
    await verification?.close();
    lock.release();
  }
}

function verifySettings(options: ApplyCommandOptions): VerifySettings {
  return {
    count: options.verify ?? 0,
    rate: options.verifyRate ?? DEFAULT_VERIFY_RATE,
    settleMs: options.verifySettleMs ?? DEFAULT_SETTLE_MS,
    connectTo: (options.connectTo ?? []).map(parseConnectTo),
    json: options.json,
    strict: options.verifyStrict ?? false,
  };
}

/** Ctrl-C (or SIGTERM): the first stops new requests and waits up to a second for those in flight; a second stops at once. */
class Interrupts {
  private readonly soft = new AbortController();
  private readonly hard = new AbortController();
  private readonly handler = () => {
    if (!this.soft.signal.aborted) {
      this.io.stderr('\nInterrupted: no new requests; finishing those in flight (at most a second), then saving. (Ctrl-C again to stop at once.)\n');
      this.soft.abort();
    } else {
      this.hard.abort();
    }
  };

  constructor(private readonly io: Io) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get signal(): AbortSignal {
    return this.soft.signal;
  }

  get hardSignal(): AbortSignal {
    return this.hard.signal;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

function zonesWithRequests(plan: Plan): PlanZone[] {
  const used = new Set(plan.requests.map((r) => r.zone));
  return plan.zones.filter((z) => used.has(z.name));
}

/** A saved plan and where its configuration is: beside the plan file, or -c. */
function readSavedPlan(planfile: string, options: ApplyCommandOptions, io: Io): { plan: Plan; configFile: string } {
  const refused = [
    options.groups.length > 0 ? '--group' : '', options.all ? '--all' : '', options.base !== undefined ? '--base' : '', options.state !== undefined ? '--state' : '',
  ].filter(Boolean);
  if (refused.length > 0) {
    throw new UserError(`${refused.join(', ')} cannot be used with a plan file: the plan already says what to purge and against which state`, {
      hint: `to plan differently, make a new plan: purgeplan plan ${refused.includes('--group') ? '--group NAME ' : ''}--out FILE`,
    });
  }
  const plan = readPlanFile(planfile, io.cwd, { consistent: false });
  const configPath = options.configGiven ? resolve(io.cwd, options.config) : resolve(dirname(resolve(io.cwd, planfile)), plan.config.path);
  return { plan, configFile: relative(io.cwd, configPath) || configPath };
}

/**
 * A saved plan is sent only when its configuration still gives exactly it (README "Saved plans
 * are checked, not trusted"): same configuration and vars, same watched content, same state (or
 * the state as this very plan's apply left it), and, rebuilt from those against the same baseline,
 * the same document, every field of it (statuses and diffs too). A file that does not even agree
 * with itself is said to be edited rather than stale.
 */
function checkSavedPlan(planfile: string, plan: Plan, loaded: Loaded, configFile: string, stateFile: string, journal: ReturnType<typeof readJournal>, options: ApplyCommandOptions, io: Io): Plan {
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
    resuming = isJournal(journal) && journal.header.plan_id === plan.plan_id && journal.stateDigest === current;
    if (!resuming) throw stale(`the state ${relative(io.cwd, stateFile) || stateFile} changed since it was made (another apply ran)`);
    if (inconsistency !== null) throw inconsistentPlan(planfile, inconsistency);
  }
  const watchDigests = workingWatchDigests(loaded.expansions, loaded.baseDir, loaded.listFiles, stateFile);
  for (const group of plan.groups) {
    if (group.due && watchDigests.get(group.name) !== group.watch_digest) throw stale(`the content group ${printable(group.name)} watches changed since it was made`);
  }
  const rebuilt = resuming
    ? buildPlan({ config: loaded.config, configPath: plan.config.path, expansions: loaded.expansions, decisions: savedDecisions(plan), baseline: plan.baseline, state: plan.state, watchDigests })
    : rebuildSavedPlan(planfile, plan, loaded, configFile, stateFile, options, io, inconsistency, stale);
  const difference = planDifference(plan, rebuilt);
  if (difference !== null) {
    throw new UserError(`refusing the plan ${planfile}: ${difference.sentence ? difference.where : `${difference.where} is not what the configuration gives`}; nothing was sent`, {
      hint: `${difference.detail ? `${difference.detail} from ${configFile}; ` : ''}it was edited or damaged since \`purgeplan plan --out\` wrote it: plan again from ${configFile}`,
    });
  }
  return rebuilt;
}

/** The plan its configuration gives now against the saved plan's baseline, planned as it was (--all, --group, --base). */
function rebuildSavedPlan(planfile: string, plan: Plan, loaded: Loaded, configFile: string, stateFile: string, options: ApplyCommandOptions, io: Io, inconsistency: string | null, stale: (why: string) => UserError): Plan {
  const planning = savedPlanning(plan, new Set(loaded.expansions.map((e) => e.group.name)));
  let reconciled: Reconciled;
  try {
    reconciled = reconcile(loaded.config, loaded.expansions, loaded.baseDir, configFile, io.cwd, { ...planning, state: stateFile, maxItems: options.maxItems },
      (file, bytes, reader) => checkAndExpand(file, bytes, reader, options.maxItems), loaded.listFiles);
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
  });
}

/**
 * The plan of an interrupted apply, when nothing it was planned from has changed since: rebuilt
 * from the journal's decisions, it is the very plan (same plan_id), and only its unsent requests
 * go out (spec §6a). Null when there is nothing to resume, or it no longer matches.
 */
function resumedPlan(journal: ReturnType<typeof readJournal>, loaded: Loaded, options: ApplyCommandOptions, configFile: string, output: Output): Plan | null {
  if (!isJournal(journal) || journal.complete) return null;
  if (!sameOptions(journal, options)) return null;
  const header = journal.header;
  const plan = buildPlan({
    config: loaded.config, configPath: configFile, expansions: loaded.expansions, decisions: header.groups,
    baseline: header.baseline, state: header.state, watchDigests: workingWatchDigests(loaded.expansions, loaded.baseDir, undefined, resolve(loaded.baseDir, header.state.path)),
  });
  if (plan.plan_id !== header.plan_id) return null;
  output.note(`Resuming the interrupted apply of plan ${plan.plan_id.slice(0, 19)}… started ${header.started_at}: ${journal.done.size} of ${plan.requests.length} requests were applied; sending the rest.`);
  return plan;
}

/** Whether this run asks for what the interrupted one asked (the same --group, --all, --base). */
function sameOptions(journal: Journal, options: ApplyCommandOptions): boolean {
  const asked = journal.header.options;
  return asked.all === options.all && (asked.base ?? null) === (options.base ?? null)
    && [...asked.groups].sort().join('\n') === [...options.groups].sort().join('\n');
}

/**
 * Under a git baseline (`--base`), a group whose purge did not complete is due again only for a
 * run against the same commit: the release job of the next push compares with a newer one and
 * never retries it. The state keeps it due until it succeeds (docs/ci.md, "Release jobs: prefer the state").
 */
function noteGitBaseline(plan: Plan, completed: readonly string[], output: Output): void {
  if (plan.baseline.kind !== 'git') return;
  const done = new Set(completed);
  const unfinished = [...new Set(plan.requests.flatMap((request) => request.groups))].filter((group) => !done.has(group));
  if (unfinished.length === 0) return;
  output.note(`note: ${plural(unfinished.length, 'group')} did not complete (${unfinished.join(', ')}). This plan compared with ${plan.baseline.ref} (--base): `
    + 'only a run against that same base sends them again; a later run with a newer --base (the next release) will not retry them. '
    + 'Re-run this command until it succeeds, or keep the state file between runs (apply without --base, persisting .purgeplan/) so failed groups stay due until they succeed.');
}

/**
 * Copies the records of the groups applied into the state (as read at the start: the lock kept
 * every other apply out since), and notes its digest in the journal.
 */
function recordState(plan: Plan, completed: readonly string[], everySent: boolean, state: ReadState | null, stateFile: string, configFile: string, journalPath: string, io: Io): void {
  const { records, removed } = appliedRecords(plan, completed, everySent);
  if (records.length > 0 || removed.length > 0) {
    const next = recordApplied(state, configEntry(stateFile, resolve(io.cwd, configFile)), records, removed, new Date().toISOString(), plan.plan_id);
    writeState(stateFile, next);
  }
  if (plan.requests.length === 0) return;
  const digest = stateDigest(stateFile);
  if (digest !== null) journalState(journalPath, digest);
  if (everySent) journalComplete(journalPath, new Date().toISOString());
}
