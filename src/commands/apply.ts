// `purgeplan apply [PLANFILE]`: sends a saved plan exactly (refusing a stale one), or plans, shows
// and asks for `yes`. Holds the state lock for the whole run, turns Ctrl-C into a clean stop (130),
// and records the groups whose requests all succeeded in the state (spec §4.2, §6).
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_API_URL } from '../cloudflare/limits.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import type { GroupExpansion } from '../expand/group.js';
import type { Plan } from '../plan/types.js';
import { renderHuman } from '../render/human.js';
import { applyPlan } from '../apply/run.js';
import { acquireLock } from '../apply/lock.js';
import { readJournal, serializeJournal } from '../apply/journal.js';
import { createHumanReporter, createJsonReporter } from '../apply/progress.js';
import { readState, recordApplied, stateDigest, writeState } from '../reconcile/state.js';
import { sortedKeys, statePaths } from './baseline.js';
import type { Io } from './io.js';
import { printDiagnostics } from './io.js';
import { makePlan } from './plan.js';
import type { PlanningOptions } from './plan.js';
import { loadWorkingConfig } from './pipeline.js';
import { readPlanFile } from './show.js';
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
  /** `--verify N`: probe N sampled file items at the edge before and after (spec §11). */
  readonly verify?: number;
  readonly verifyRate?: number;
  readonly verifySettleMs?: number;
  readonly connectTo?: readonly string[];
}

interface Prepared {
  readonly plan: Plan;
  readonly expansions: readonly GroupExpansion[];
  readonly stateFile: string;
}

export async function applyCommand(planfile: string | undefined, options: ApplyCommandOptions, io: Io): Promise<number> {
  const apiUrl = options.apiUrl ?? (io.env.PURGEPLAN_API_URL || DEFAULT_API_URL);
  if (options.verify === undefined && (options.connectTo ?? []).length > 0) {
    throw new UserError('--connect-to directs the requests of --verify: give --verify N too', { hint: 'e.g. purgeplan apply PLANFILE --verify 10 --connect-to www.example.com:443:203.0.113.7:443' });
  }
  const verify = options.verify === undefined ? null : verifySettings(options);
  const prepared = planfile === undefined ? await planAndConfirm(options, io) : loadSavedPlan(planfile, options, io);
  if (typeof prepared === 'number') return prepared;
  const { plan, expansions, stateFile } = prepared;
  const journalPath = join(dirname(stateFile), 'journal.json');
  const lock = acquireLock(`${stateFile}.lock`);
  if (plan.requests.length === 0) {
    try {
      // Nothing to send, but groups removed from purge.yaml leave the state.
      recordState(plan, expansions, [], stateFile, journalPath);
    } finally {
      lock.release();
    }
    if (!options.json) io.stdout('No purges planned: nothing to apply.\n');
    return 0;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr('\nInterrupted: no new requests; waiting for those in flight, then saving the journal. (Ctrl-C again to quit at once.)\n');
      controller.abort();
    } else {
      lock.release();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let verification: Verification | null = null;
  try {
    if (verify) verification = await startVerification(plan, expansions, journalPath, verify, io);
    if (verification && (await verification.before(controller.signal)) === 'interrupted') return 130;
    const report = options.json ? createJsonReporter(io.stdout) : createHumanReporter({ write: io.stdout, isTTY: io.stdoutIsTTY, journalPath });
    const result = await applyPlan(plan, {
      apiUrl, env: io.env, concurrency: options.concurrency, maxRetries: options.maxRetries, journalPath,
      signal: controller.signal, onEvent: report, lockPath: null,
    });
    recordState(plan, expansions, result.completedGroups, stateFile, journalPath);
    if (result.interrupted) return 130;
    if (!result.ok) verification?.skip('not every request of the plan succeeded');
    if (!result.ok || !verification) return result.ok ? 0 : 1;
    const sentNow = new Set(result.outcomes.filter((o) => o.status === 'done').map((o) => o.index));
    const verified = await verification.after(controller.signal, (request) => sentNow.has(request));
    return verified === 'interrupted' ? 130 : verified === 'not_purged' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
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
  };
}

/** Writes the state for groups whose requests all succeeded, and notes its digest in the journal. */
function recordState(plan: Plan, expansions: readonly GroupExpansion[], completed: readonly string[], stateFile: string, journalPath: string): void {
  const done = new Set(completed);
  const byName = new Map(expansions.map((e) => [e.group.name, e]));
  const records = plan.groups.filter((g) => g.due && done.has(g.name) && g.fingerprint).map((g) => {
    const expansion = byName.get(g.name);
    const keys = expansion && expansion.items === g.items ? sortedKeys(expansion) : undefined;
    return {
      name: g.name, zone: g.zone, fingerprint: g.fingerprint ?? '', revision: g.revision ?? 0, items_count: g.items,
      ...(g.watch_digest !== undefined ? { watch_digest: g.watch_digest } : {}),
      ...(keys && keys.length === g.items ? { items: keys } : {}),
    };
  });
  const removed = plan.groups.filter((g) => g.status === 'removed').map((g) => g.name);
  if (records.length === 0 && removed.length === 0) return;
  const previous = readState(stateFile);
  const next = recordApplied(previous, records, new Date().toISOString(), plan.plan_id);
  const groups = Object.fromEntries(Object.entries(next.groups).filter(([name]) => !removed.includes(name)));
  writeState(stateFile, { ...next, groups });
  // A re-run of this plan must not find its own state update stale (spec §4.2).
  const { data } = readJournal(journalPath, plan.plan_id, plan.requests.length);
  writeFileAtomic(journalPath, serializeJournal({ ...data, state_digest: stateDigest(stateFile) ?? '' }));
}

function loadSavedPlan(planfile: string, options: ApplyCommandOptions, io: Io): Prepared | number {
  const plan = readPlanFile(planfile, io.cwd);
  const checked = loadWorkingConfig(plan.config.path, io.cwd, options.maxItems);
  if (!checked.config || !checked.expansions || !checked.baseDir || checked.diagnostics.some((d) => d.severity === 'error')) {
    printDiagnostics(io, checked.diagnostics);
    throw new UserError(`the plan ${planfile} is stale: ${plan.config.path} is no longer valid`, { hint: 'fix the configuration and plan again' });
  }
  if (checked.config.digest !== plan.config.digest || checked.config.inputsDigest !== plan.config.inputs_digest) {
    throw new UserError(`the plan ${planfile} is stale: ${plan.config.path}${checked.config.digest === plan.config.digest ? "'s vars files" : ''} changed since it was made`, { hint: 'plan again (purgeplan plan --out FILE), review, then apply the new plan' });
  }
  const stateFile = resolve(checked.baseDir, plan.state.path);
  const current = stateDigest(stateFile);
  if (current !== plan.state.digest) {
    const journalPath = join(dirname(stateFile), 'journal.json');
    const { data } = readJournal(journalPath, plan.plan_id, plan.requests.length);
    if (data.state_digest === undefined || data.state_digest !== current) {
      throw new UserError(`the plan ${planfile} is stale: the state ${plan.state.path} changed since it was made (another apply ran)`, { hint: 'plan again, review, then apply the new plan' });
    }
  }
  return { plan, expansions: checked.expansions, stateFile };
}

async function planAndConfirm(options: ApplyCommandOptions, io: Io): Promise<Prepared | number> {
  const planned = makePlan(options, io);
  if (planned === 1) return 1;
  const { plan } = planned;
  const stateFile = statePaths(planned.baseDir, io.cwd, options.state).absolutePath;
  if (!options.json) io.stdout(renderHuman(plan, { style: io.stdoutStyle }));
  if (plan.requests.length === 0 || options.autoApprove) return { plan, expansions: planned.expansions, stateFile };
  if (!io.stdinIsTTY) {
    throw new UserError('refusing to apply without confirmation: there is no terminal to ask on, and --auto-approve was not given', { hint: 'save the plan with `purgeplan plan --out FILE`, review it, and run `purgeplan apply FILE`; or pass --auto-approve' });
  }
  io.stdout(`\nDo you want to send these purges?\n  purgeplan will purge exactly what is shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `);
  const answer = await readLine();
  if (answer.trim() !== 'yes') {
    io.stdout('\nApply cancelled: nothing was sent.\n');
    return 1;
  }
  io.stdout('\n');
  return { plan, expansions: planned.expansions, stateFile };
}

function readLine(): Promise<string> {
  return new Promise((resolveLine) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => { answered = true; rl.close(); resolveLine(line); });
    rl.once('close', () => { if (!answered) resolveLine(''); });
  });
}
