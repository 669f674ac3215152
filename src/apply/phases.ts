// One apply, in the deploy's order (docs/commands.md, "Apply in the deploy's order"):
// identity → wait-for → send (→ verify) → repurge → warm. The identity check runs before `yes` is
// asked (apply/identity.ts); this runs the rest, once approved. Each phase can be interrupted
// (exit 130), and the same command run again resumes in it, by what the journal says:
//   - a first pass not complete: it sends only what it lacks (the wait-for is not polled again:
//     the interrupted run saw the new build and began purging);
//   - a first pass complete, with --repurge-after: the wait again, then the second pass, which
//     sends only what it lacks; nothing is recorded between the passes;
//   - every pass complete: the state is recorded (again: the same records) and warming runs.
// The journal closes (`complete`) only once every phase is done.
import type { Plan } from '../plan/types.js';
import type { Clock } from '../http/policy.js';
import { formatDuration, plural } from '../format.js';
import { UserError } from '../errors.js';
import type { Verification } from '../verify/session.js';
import { verifyAfterSend } from '../verify/start.js';
import { unsentSummaryEvent } from './events.js';
import type { ApplyEvent, ApplyJsonEvent, PhaseEvent, PhaseName } from './events.js';
import { isJournal } from './journal.js';
import type { ForeignJournal, Journal } from './journal.js';
import { closeJournal, gitBaselineNote, recordState } from './record.js';
import type { StateRecording } from './record.js';
import { applyPlan } from './run.js';
import type { ApplyOptions, ApplyResult, CheckedZones } from './run.js';
import { checkZones } from './identity.js';
import type { ZoneAccess } from './preflight.js';
import type { PhaseSettings } from './phase-flags.js';
import { expectationText } from './expect.js';
import { createWaitFetcher, shownUrl, waitForBuild } from './wait.js';
import type { Poll, WaitFetcher } from './wait.js';

/**
 * The warm phase (`--warm`, src/warm/): given the plan whose purges were all sent and recorded
 * (and the last pass's result: every request done or journaled), it requests what was purged and
 * returns the exit code it adds: 0, 1 (with --warm-strict, an item not warmed), or 130
 * (interrupted: the journal stays open, so that the same command run again warms again).
 */
export type WarmPhase = (plan: Plan, last: ApplyResult, signal: AbortSignal) => Promise<number>;

/** Where an apply of this plan stands, by its journal. */
export type ResumePoint =
  | { readonly phase: 'send'; readonly started: boolean }
  | { readonly phase: 'repurge'; readonly started: boolean }
  | { readonly phase: 'finish' };

export interface PhaseOutput {
  /** Events: JSON lines with --json; nothing otherwise. */
  readonly event: (event: ApplyJsonEvent) => void;
  /** A line of the human output (stdout); nothing with --json. */
  readonly line: (text: string) => void;
  /** A sentence: stdout, or a `note` event with --json. */
  readonly note: (text: string) => void;
}

/** The options of applyPlan that both passes share. */
export type PassOptions = Omit<ApplyOptions, 'pass' | 'passes' | 'onEvent' | 'onSettled' | 'journal' | 'signal' | 'hardSignal'>;

export interface PhaseRun {
  readonly plan: Plan;
  readonly settings: PhaseSettings;
  /** WARM: the `--warm` phase, or null (src/warm/ provides it; apply's command passes it here). */
  readonly warm: WarmPhase | null;
  /** The journal as the command read it, under its lock. */
  readonly journal: Journal | ForeignJournal | null;
  readonly record: StateRecording;
  readonly send: PassOptions;
  /** Starts `--verify`'s verification, or null without it. */
  readonly verify: (() => Promise<Verification>) | null;
  readonly signal: AbortSignal;
  readonly hardSignal?: AbortSignal;
  readonly clock: Clock;
  readonly out: PhaseOutput;
  /** A fresh reporter of a pass's events (human progress, or JSON lines). */
  readonly reporter: () => (event: ApplyEvent) => void;
  /** Tests pass their own; default: GETs over --connect-to (wait.ts). */
  readonly fetcher?: WaitFetcher;
}

/** What tests give the apply command instead of the machine's: the clock of the waits, Ctrl-C, the wait's GETs, a warm phase. */
export interface PhaseDeps {
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly fetcher?: WaitFetcher;
  readonly warm?: WarmPhase;
}

/**
 * Whether the apply has phases of its own besides the send (--wait-for, --repurge-after): then each
 * phase is named as it begins. --verify and --warm alone name themselves (`Verify: …`, `Warm: …`),
 * and their events are as they were.
 */
function isPhased(settings: PhaseSettings): boolean {
  return settings.waitFor !== null || settings.repurgeAfterMs !== null;
}

/** Where the apply of `plan` resumes: only a journal of this very plan, not complete, says anything. */
export function resumePoint(plan: Pick<Plan, 'plan_id' | 'requests'>, journal: Journal | ForeignJournal | null, repurge: boolean): ResumePoint {
  if (!isJournal(journal) || journal.header.plan_id !== plan.plan_id || journal.complete) return { phase: 'send', started: false };
  const total = plan.requests.length;
  if (journal.done.size < total) return { phase: 'send', started: true };
  if (repurge && journal.repurged.size < total) return { phase: 'repurge', started: journal.repurged.size > 0 };
  return { phase: 'finish' };
}

/** Runs the phases after the approval; the exit code (0, 1, or 130 interrupted). A timed-out wait throws. */
export async function runPhases(run: PhaseRun): Promise<number> {
  const repurge = run.settings.repurgeAfterMs !== null;
  const point = resumePoint(run.plan, run.journal, repurge);
  let verified = 0;
  let last: ApplyResult | number = 0;
  if (point.phase === 'send') {
    if (run.settings.waitFor !== null) {
      if (!point.started && (await waitPhase(run)) === 'interrupted') return 130;
      if (point.started) begin(run, 'wait_for', 'the interrupted run saw the new build and began purging: not polled again', { done_before: true });
    }
    const first = await firstPass(run, point.started, repurge);
    if (typeof first === 'number') return first;
    ({ verified, result: last } = first);
  } else {
    begin(run, 'send', `the first pass was sent by an earlier run (${plural(run.plan.requests.length, 'request')})`, { pass: 1, done_before: true });
    if (run.verify !== null) await skipVerification(run);
  }
  if (repurge && point.phase !== 'finish') last = await secondPass(run, point.phase === 'repurge' && point.started);
  else if (point.phase === 'finish') last = await recordFinished(run, repurge);
  if (typeof last === 'number') return last;
  // ---- WARM: the last phase, once every pass is sent and the state recorded; the journal closes after it ----
  if (run.warm !== null) {
    begin(run, 'warm', 'requesting what was purged');
    const warmed = await run.warm(run.plan, last, run.signal);
    if (warmed === 130) {
      run.out.line('Interrupted while warming: every purge was sent and recorded. Run the same command again to warm again.');
      return 130;
    }
    closeJournal(run.record);
    return Math.max(verified, warmed);
  }
  return verified;
}

/** A phase begins: its line (human), its event (--json); only when apply runs more phases than the send. */
function begin(run: Pick<PhaseRun, 'settings' | 'out'>, phase: PhaseName, text: string, fields: Omit<PhaseEvent, 'type' | 'phase'> = {}): void {
  if (!isPhased(run.settings)) return;
  run.out.event({ type: 'phase', phase, ...fields });
  run.out.line(`Phase ${phase.replace('_', '-')}: ${text}`);
}

/**
 * Before `yes` is asked: the tokens verified, the zones given by name looked up, and every zone
 * that declares an id and a name read back (apply/identity.ts). A zone the token may not read is a
 * warning (stderr, and an `identity` event); a mismatch throws, nothing sent.
 */
export async function identityPhase(zones: readonly ZoneAccess[], how: Parameters<typeof checkZones>[1], run: Pick<PhaseRun, 'settings' | 'out'> & { readonly stderr: (text: string) => void; readonly requests: number }): Promise<CheckedZones | 'interrupted'> {
  const named = zones.filter(({ zone }) => zone.zone_id !== null && zone.zone_name !== null);
  if (named.length > 0) begin(run, 'identity', `checking that ${named.length === 1 ? `zone ${named[0].zone.name}'s id is` : `the ids of ${named.length} zones are`} the zone${named.length === 1 ? '' : 's'} purge.yaml names`, { zones: named.length });
  const checks = await checkZones(zones, how);
  if (checks === 'interrupted') {
    run.out.line('Interrupted while checking the tokens and zones: nothing was sent.');
    run.out.event(unsentSummaryEvent({ ok: false, interrupted: true, requests: run.requests }));
    return 'interrupted';
  }
  for (const identity of checks.identities) {
    const event = { type: 'identity' as const, zone: identity.zone, zone_id: identity.zoneId, name: identity.name, status: identity.status };
    if (identity.status === 'matches') {
      if (!isPhased(run.settings)) continue;
      run.out.event(event);
      run.out.line(`  zone ${identity.zone}: id ${identity.zoneId} is ${identity.name}`);
      continue;
    }
    run.out.event({ ...event, http_status: 403, ...(identity.message === undefined ? {} : { message: identity.message }) });
    run.stderr(`warning: zone ${identity.zone}: could not check that id ${identity.zoneId} is ${identity.name}: ${identity.message ?? 'HTTP 403'}; the token may purge but not read zones, so apply goes on\n`
      + `  hint: give the token in ${zones.find((z) => z.zone.name === identity.zone)?.tokenEnv ?? 'its variable'} Zone > Zone > Read as well, and the id is checked before every purge\n`);
  }
  return checks;
}

/** Polls --wait-for until the new build answers; throws on timeout (nothing sent). */
async function waitPhase(run: PhaseRun): Promise<'ready' | 'interrupted'> {
  const settings = run.settings.waitFor!;
  const url = shownUrl(settings.url);
  const expecting = settings.expectations.length === 0 ? '' : ` with ${settings.expectations.map(expectationText).join(' and ')}`;
  begin(run, 'wait_for', `GET ${url} until it answers 2xx${expecting} (timeout ${formatDuration(settings.timeoutMs)})`, { url, timeout_ms: settings.timeoutMs });
  const fetcher = run.fetcher ?? await createWaitFetcher(settings.connectTo);
  let outcome;
  try {
    outcome = await waitForBuild(settings, { clock: run.clock, fetcher, signal: run.signal, onPoll: (poll) => reportPoll(run, url, poll) });
  } finally {
    if (run.fetcher === undefined) await fetcher.close();
  }
  if (outcome.kind === 'interrupted') {
    run.out.line('Interrupted while waiting for the new build: nothing was purged. Run the same command again to wait again.');
    run.out.event(unsentSummaryEvent({ ok: false, interrupted: true, requests: run.plan.requests.length }));
    return 'interrupted';
  }
  if (outcome.kind === 'timeout') {
    throw new UserError(`the origin does not serve the new build yet (${outcome.last.join('; ')} after ${formatDuration(settings.timeoutMs)}); nothing purged`, {
      hint: `${plural(outcome.polls, 'poll')} of ${url}; check that the deploy finished and what the URL answers, or give it longer with --wait-timeout`,
    });
  }
  return 'ready';
}

function reportPoll(run: PhaseRun, url: string, poll: Poll): void {
  run.out.event({
    type: 'wait', url, poll: poll.poll, elapsed_ms: poll.elapsedMs, ready: poll.ready,
    ...(poll.httpStatus === undefined ? {} : { http_status: poll.httpStatus }), ...(poll.error === undefined ? {} : { error: poll.error }),
    reasons: poll.reasons, ...(poll.nextInMs === undefined ? {} : { next_in_ms: poll.nextInMs }),
  });
  const seen = poll.ready ? `ready (HTTP ${poll.httpStatus})` : poll.reasons.join('; ');
  const next = poll.nextInMs === undefined ? '' : `; next poll in ${formatDuration(poll.nextInMs)}`;
  run.out.line(`  poll ${poll.poll} at ${formatDuration(poll.elapsedMs)}: ${seen}${next}`);
}

/** The first pass's result and what its verification adds to the exit code; or the exit code when the apply ends here. */
async function firstPass(run: PhaseRun, resumed: boolean, repurge: boolean): Promise<number | { verified: number; result: ApplyResult }> {
  const { plan } = run;
  const verification = run.verify === null ? null : await run.verify();
  try {
    if (verification && (await verification.before(run.signal)) === 'interrupted') return 130;
    begin(run, 'send', `${plural(plan.requests.length, 'request')}${repurge ? ', the first of 2 passes' : ''}${resumed ? ' (resumed: only what was not sent)' : ''}`, { pass: 1, ...(resumed ? { resumed: true as const } : {}) });
    // With a second pass to come, nothing is recorded after the first.
    const result = await sendPass(run, 1, repurge ? null : (settled) => recordState(plan, settled.completedGroups, settled.ok, run.record, run.warm === null));
    if (!result.ok && !result.interrupted && repurge) run.out.note('The first pass did not complete: no second pass, and nothing was recorded. Run the same command again to send what failed, then the second pass.');
    if (result.interrupted) return 130;
    if (result.ok && verification) begin(run, 'verify', 'the sampled items at the edge');
    const verified = await verifyAfterSend(verification, result, run.signal);
    if (verified === 130) return 130;
    if (!result.ok) return failed(run, result);
    return { verified, result };
  } finally {
    await verification?.close();
  }
}

/** --verify on a run that resumes past the first pass: its items were purged by an earlier run, before they could be requested. */
async function skipVerification(run: PhaseRun): Promise<void> {
  const verification = await run.verify!();
  verification.skip('the purge was sent by an earlier run of this plan, before the sampled items could be requested');
  await verification.close();
}

/** The repurge: the wait again (a resumed one too), then the second pass, which sends only what it lacks and records the state. */
async function secondPass(run: PhaseRun, resumed: boolean): Promise<ApplyResult | number> {
  const waitMs = run.settings.repurgeAfterMs!;
  begin(run, 'repurge', `${waitMs > 0 ? `waiting ${formatDuration(waitMs)}, then sending` : 'sending'} the same ${plural(run.plan.requests.length, 'request')} again (second pass)`,
    { pass: 2, wait_ms: waitMs, requests: run.plan.requests.length, ...(resumed ? { resumed: true as const } : {}) });
  if (waitMs > 0) await run.clock.sleep(waitMs, run.signal);
  if (run.signal.aborted) {
    run.out.line('Interrupted during the wait before the second pass: the first pass is complete, nothing was recorded. Run the same command again to wait again and send the second pass.');
    // --json: the run still ends with a summary, the second pass's (nothing sent).
    run.out.event({ ...unsentSummaryEvent({ ok: false, interrupted: true, requests: run.plan.requests.length }), pass: 2, passes: 2 });
    return 130;
  }
  return settled(run, await sendPass(run, 2, (result) => recordState(run.plan, result.completedGroups, result.ok, run.record, run.warm === null)));
}

/** Every pass was sent by an earlier run: record the state (a pass whose requests are all journaled sends nothing). */
async function recordFinished(run: PhaseRun, repurge: boolean): Promise<ApplyResult | number> {
  if (repurge) begin(run, 'repurge', 'the second pass was sent by an earlier run', { pass: 2, done_before: true });
  return settled(run, await sendPass(run, repurge ? 2 : 1, (result) => recordState(run.plan, result.completedGroups, result.ok, run.record, run.warm === null)));
}

/** The last pass's result when every request is done; else the exit code (130 interrupted, 1 failed). */
async function settled(run: PhaseRun, result: ApplyResult): Promise<ApplyResult | number> {
  return result.interrupted ? 130 : result.ok ? result : failed(run, result);
}

/** A pass that did not complete: exit 1, and nothing warmed (the warm phase says it is skipped). */
async function failed(run: PhaseRun, result: ApplyResult): Promise<number> {
  if (run.warm !== null) await run.warm(run.plan, result, run.signal);
  return 1;
}

/** One pass through applyPlan; the note a git baseline calls for when it did not complete. */
async function sendPass(run: PhaseRun, pass: 1 | 2, onSettled: ((result: ApplyResult) => void) | null): Promise<ApplyResult> {
  const result = await applyPlan(run.plan, {
    ...run.send,
    pass,
    passes: run.settings.repurgeAfterMs === null ? 1 : 2,
    // The first pass resumes the journal as the command read it; the second reads it again.
    ...(pass === 1 ? { journal: run.journal } : {}),
    signal: run.signal,
    ...(run.hardSignal === undefined ? {} : { hardSignal: run.hardSignal }),
    onEvent: run.reporter(),
    ...(onSettled === null ? {} : { onSettled }),
  });
  const note = result.ok ? null : gitBaselineNote(run.plan, result.completedGroups);
  if (note !== null) run.out.note(note);
  return result;
}
