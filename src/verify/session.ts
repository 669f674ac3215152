// `apply --verify N` from start to end (docs/commands.md#verify-at-the-edge): sample, request each item until it is cached
// (before the purge), wait a moment once every request of the plan succeeded, request each once
// more, judge. apply calls `before()` before sending and `after()` after; nothing else.
import { jsonText } from '../format.js';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import type { Clock } from '../http/policy.js';
import { monotonicClock } from '../http/policy.js';
import type { ConnectTo, Prober } from './probe.js';
import { CONNECT_TO_HINT, createProber, DEFAULT_PROBE_TIMEOUT_MS, hostList, probeHeaders, RateGate, unmatchedRules, unroutedReason } from './probe.js';
import type { ItemRecord, VerifyEvent } from './report.js';
import { beforeEvent, formatResults, formatSampleLine, resultEvent, sampleEvent, summarize, summaryEvent } from './report.js';
import type { SampleOptions } from './sample.js';
import { sampleItems } from './sample.js';
import { judge, needsWarming, warmed } from './verdict.js';

export interface VerifySettings {
  /** How many file items to sample. */
  readonly count: number;
  /** Requests a second, at most. */
  readonly rate: number;
  readonly connectTo: readonly ConnectTo[];
  /** Wait after the last request of the plan succeeded, before probing again (propagation, docs/cloudflare.md). */
  readonly settleMs: number;
  readonly json: boolean;
  /** `--verify-strict`: a verification that confirmed nothing, or a --connect-to rule that matched no sampled host, fails (exit 1) after the purge. */
  readonly strict?: boolean;
}

export interface VerifyOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface VerifyDeps extends Pick<SampleOptions, 'skipRequests' | 'groupOf'> {
  readonly clock?: Clock;
  readonly prober?: Prober;
  readonly probeTimeoutMs?: number;
}

export const DEFAULT_VERIFY_RATE = 10;
export const DEFAULT_SETTLE_MS = 2000;
/** Probes in flight at once, at most (the rate is the real limit). */
const MAX_PROBES_IN_FLIGHT = 8;

/** `unconfirmed`: with --verify-strict, a warning (nothing conclusive, an unmatched --connect-to rule). */
export type VerifyOutcome = 'ok' | 'not_purged' | 'unconfirmed' | 'interrupted' | 'skipped';

export class Verification {
  private readonly records: ItemRecord[];
  private readonly gate: RateGate;
  private readonly clock: Clock;
  private requests = 0;
  /** What made the check less than it should be, in the order found (each also shown as a warning). */
  private readonly warnings: string[] = [];

  private constructor(
    plan: Plan,
    private readonly settings: VerifySettings,
    private readonly output: VerifyOutput,
    private readonly prober: Prober,
    deps: VerifyDeps,
  ) {
    this.clock = deps.clock ?? monotonicClock;
    this.gate = new RateGate(settings.rate, this.clock);
    this.records = sampleItems(plan, { count: settings.count, ...deps }).map((item): ItemRecord => {
      const probe = probeHeaders(item);
      if (!probe.probeable) return { item, before: [], notProbeable: probe.reason, verdict: 'not_probed', reason: probe.reason };
      const reason = unroutedReason(settings.connectTo, item.url);
      if (reason !== undefined) return { item, before: [], notProbeable: reason, unrouted: true, verdict: 'not_probed', reason };
      return { item, before: [] };
    });
  }

  static async start(plan: Plan, settings: VerifySettings, output: VerifyOutput, deps: VerifyDeps = {}): Promise<Verification> {
    if (!Number.isInteger(settings.count) || settings.count < 1) throw new UserError(`--verify must be a whole number of at least 1, got ${settings.count}`);
    if (!(settings.rate > 0)) throw new UserError(`--verify-rate must be a number above 0, got ${settings.rate}`);
    const prober = deps.prober ?? await createProber({
      connectTo: settings.connectTo,
      timeoutMs: deps.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      connections: Math.max(1, Math.min(MAX_PROBES_IN_FLIGHT, Math.ceil(settings.rate))),
    });
    return new Verification(plan, settings, output, prober, deps);
  }

  private emit(event: VerifyEvent): void {
    if (this.settings.json) this.output.stdout(`${jsonText(event)}\n`);
  }

  /** A warning on stderr (and a `warning` event with --json); --verify-strict turns it into exit 1 after the purge. */
  private warn(kind: 'unmatched_connect_to' | 'no_conclusive_sample', message: string, hint: string, extra: Record<string, unknown> = {}): void {
    this.warnings.push(message);
    this.emit({ type: 'verify', phase: 'warning', kind, message, ...extra });
    this.output.stderr(`warning: ${message}${this.settings.strict ? ' (an error with --verify-strict, once the purge is sent)' : ''}\n  hint: ${hint}\n`);
  }

  /** Each --connect-to rule that takes none of the sampled items' hosts: a typo would otherwise go unseen. */
  private warnUnmatchedRules(): void {
    for (const { rule, hosts } of unmatchedRules(this.settings.connectTo, this.records.map((r) => r.item.url))) {
      const sampled = hosts.length === 0 ? 'no item was sampled' : `the sampled items are on ${hostList(hosts)}`;
      this.warn('unmatched_connect_to', `--connect-to "${rule}" matches no sampled host (${sampled}); items no rule takes are not probed`,
        CONNECT_TO_HINT, { rule });
    }
  }

  private get probeable(): ItemRecord[] {
    return this.records.filter((r) => r.notProbeable === undefined);
  }

  /** Before the purge: each probeable item requested until HIT, at most twice. */
  async before(signal: AbortSignal): Promise<'done' | 'interrupted'> {
    this.emit(sampleEvent(this.records, this.settings.count, this.settings.rate));
    if (!this.settings.json) {
      this.output.stdout(this.records.length === 0
        ? 'Verify: the plan has no file items to sample: nothing to probe.\n'
        : formatSampleLine(this.records, this.settings.rate));
    }
    this.warnUnmatchedRules();
    const finished = await this.forEach(this.probeable, signal, async (record) => {
      while (needsWarming(record.before)) {
        const observation = await this.probe(record, signal);
        if (observation === undefined) return;
        record.before.push(observation);
      }
      this.emit(beforeEvent(record));
    });
    return finished ? 'done' : this.interrupted('before');
  }

  /**
   * After every request of the plan succeeded: settle, request each cached item once, judge,
   * report. `sentNow` says which requests this run sent: an item whose request an earlier run
   * sent was not purged after it was warmed, and is not judged.
   */
  async after(signal: AbortSignal, sentNow: (request: number) => boolean = () => true): Promise<VerifyOutcome> {
    for (const record of this.probeable) {
      if (!sentNow(record.item.request)) {
        record.verdict = 'inconclusive';
        record.reason = 'its request was sent by an earlier run of this plan, before the item was requested';
      }
    }
    if (this.settings.settleMs > 0) await this.clock.sleep(this.settings.settleMs, signal);
    if (signal.aborted) return this.interrupted('after');
    const finished = await this.forEach(this.probeable.filter((r) => r.verdict === undefined && warmed(r.before)), signal, async (record) => {
      const observation = await this.probe(record, signal);
      if (observation === undefined) return;
      record.after = observation;
    });
    if (!finished) return this.interrupted('after');
    for (const record of this.records) {
      if (record.verdict === undefined) {
        const judgement = judge(record.item.action, record.before, record.after);
        record.verdict = judgement.verdict;
        record.reason = judgement.reason;
      }
      this.emit(resultEvent(record));
    }
    const summary = summarize(this.records, this.requests);
    if (!this.settings.json && this.records.length > 0) this.output.stdout(formatResults(this.records, summary));
    if (summary.purged + summary.not_purged === 0) {
      const judged = this.records.length === 0 ? 'the plan has no file item to sample'
        : `none of the ${summary.sampled} sampled item${summary.sampled === 1 ? '' : 's'} was found cached before the purge and checked after it (${summary.inconclusive} inconclusive, ${summary.not_probed} not probed)`;
      this.warn('no_conclusive_sample', `--verify confirmed nothing: ${judged}; the purge was sent, but the edge did not show it`,
        'probe more items (--verify N), and check that the sampled URLs are cacheable (cf-cache-status HIT on a second request) and reach the edge meant (--connect-to)');
    }
    const unconfirmed = this.settings.strict === true && this.warnings.length > 0;
    this.emit(summaryEvent(summary, summary.not_purged === 0 && !unconfirmed));
    if (summary.not_purged > 0) {
      const n = summary.not_purged;
      this.output.stderr(`error: ${n} sampled item${n === 1 ? ' was' : 's were'} still cached (HIT) after Cloudflare accepted the purge: ` +
        `the cache key declared in purge.yaml probably differs from the one the edge uses\n` +
        `  hint: run \`purgeplan drift\` to compare purge.yaml's cache_keys with the zone's Cache Rules (a dimension such as device type or country that the edge keys on and purge.yaml lacks leaves entries behind)\n`);
      return 'not_purged';
    }
    if (unconfirmed) {
      const n = this.warnings.length;
      this.output.stderr(`error: --verify-strict: the purge was sent, but its check at the edge is not conclusive (${n} warning${n === 1 ? '' : 's'} above)\n`);
      return 'unconfirmed';
    }
    return 'ok';
  }

  /** Apply did not complete every request: nothing to check. */
  skip(reason: string): void {
    this.emit({ type: 'verify', phase: 'skipped', reason });
    if (!this.settings.json) this.output.stdout(`Verify: skipped: ${reason}.\n`);
  }

  close(): Promise<void> {
    return this.prober.close();
  }

  private interrupted(phase: 'before' | 'after'): 'interrupted' {
    this.emit({ type: 'verify', phase: 'interrupted', during: phase, requests: this.requests });
    if (!this.settings.json) {
      this.output.stderr(phase === 'before'
        ? 'Verify: interrupted before the purge: nothing was purged.\n'
        : 'Verify: interrupted after the purge: the purge itself completed; the edge was not fully checked.\n');
    }
    return 'interrupted';
  }

  /** One paced GET of the item; undefined when interrupted. */
  private async probe(record: ItemRecord, signal: AbortSignal) {
    const probe = probeHeaders(record.item);
    if (!probe.probeable) return undefined;
    if (!(await this.gate.take(signal))) return undefined;
    this.requests++;
    const observation = await this.prober.get(record.item.url, probe.headers, signal);
    if ('error' in observation && signal.aborted) return undefined;
    return observation;
  }

  /** Runs `work` over the records, a few at a time; false when interrupted. */
  private async forEach(records: readonly ItemRecord[], signal: AbortSignal, work: (record: ItemRecord) => Promise<void>): Promise<boolean> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < records.length && !signal.aborted) await work(records[next++]);
    };
    const workers = Math.max(1, Math.min(records.length, MAX_PROBES_IN_FLIGHT, Math.ceil(this.settings.rate)));
    await Promise.all(Array.from({ length: workers }, worker));
    return !signal.aborted;
  }
}
