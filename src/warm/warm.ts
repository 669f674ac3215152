// `apply --warm [N|all]` (docs/commands.md#warm-the-cache): after the purge, request the purged file items at
// the edge so that the first visitors find them cached. Which items: the plan's file items of the
// purged requests, a key with a country taken once (the edge takes the country from the client's
// address), N of them spread as --verify spreads its sample. Each GET carries exactly the item's
// key headers (the device type as a User-Agent), never the API token; at most `concurrency` in
// flight and `rate` starts in any one-second window. The network and the clock are given.
import type { WarmStatusClass } from '../apply/events.js';
import type { Clock } from '../http/policy.js';
import type { Plan } from '../plan/types.js';
import type { ConnectTo } from '../verify/probe.js';
import { deviceUserAgents, probeHeaders, RateGate, unmatchedRules, unroutedReason } from '../verify/probe.js';
import type { VerifyItem } from '../verify/sample.js';
import { sampleItems } from '../verify/sample.js';
import { compare } from '../vocabulary.js';

export interface WarmOptions {
  /** How many items, counted after countries are collapsed; `all` for every one. */
  readonly count: number | 'all';
  /** Requests in flight at once, at most. */
  readonly concurrency: number;
  /** Request starts in any one-second window, at most. */
  readonly rate: number;
  /** `--connect-to` rules: with any, an item no rule takes is not requested. */
  readonly connectTo: readonly ConnectTo[];
}

/** The purged file items: the plan's file items in the requests that were purged. */
export interface PurgedFiles {
  readonly plan: Plan;
  /** Indexes of the plan's requests that were purged (done now, or by an earlier run). */
  readonly requests: ReadonlySet<number>;
  /** The group of a URL, among its request's groups (as --verify attributes it). */
  readonly groupOf?: (url: string, requestGroups: readonly string[]) => string;
  /** Whether a group lists the URL now: one no group lists (an item a group lost, purged one last time) is not warmed. */
  readonly listed?: (url: string) => boolean;
}

/** An answer's head, and a way to read the rest of its body. */
export interface WarmAnswer {
  readonly httpStatus: number;
  /** cf-cache-status, upper-cased and printable; null without one. */
  readonly cacheStatus: string | null;
  /** Reads the body to its end; why it broke off (printable), or null. */
  readonly rest: () => Promise<string | null>;
}

/** One GET: resolves with the answer's head, or `{error}` (printable) when none came. */
export type WarmFetch = (url: string, headers: Readonly<Record<string, string>>, signal: AbortSignal | undefined) => Promise<WarmAnswer | { readonly error: string }>;

export interface WarmDeps {
  readonly fetch: WarmFetch;
  /** Monotonic time: paces the starts and times the first byte. */
  readonly clock: Clock;
  /** Ctrl-C: no new request; those in flight are cut off and not counted. */
  readonly signal?: AbortSignal;
  /** Once the items are chosen, before the first request. */
  readonly onSelected?: (selection: WarmSelection) => void;
  /** As each answer (or failure) comes. */
  readonly onResult?: (result: WarmResult) => void;
}

export interface WarmSelection {
  /** The items chosen, in plan order: countries collapsed, N applied. */
  readonly items: readonly VerifyItem[];
  /** Those no --connect-to rule takes: not requested. */
  readonly notRouted: readonly VerifyItem[];
  /** Purged URLs that no group lists any more: not warmed. */
  readonly removedUrls: number;
  /** --connect-to rules that take none of the items' hosts, as curl writes them, with those hosts. */
  readonly unmatchedRules: readonly { rule: string; hosts: string[] }[];
}

export type WarmOutcome =
  | { readonly httpStatus: number; readonly cacheStatus: string | null; readonly ttfbMs: number }
  | { readonly error: string };

export interface WarmResult { readonly item: VerifyItem; readonly outcome: WarmOutcome }

export interface WarmReport {
  readonly selection: WarmSelection;
  /** Requests that got an answer or failed (those cut off by Ctrl-C are not counted). */
  readonly requests: number;
  readonly byStatus: Readonly<Record<WarmStatusClass, number>>;
  /** Answers by cf-cache-status, sorted by status. */
  readonly byCacheStatus: readonly (readonly [string, number])[];
  readonly noCacheStatus: number;
  /** Time to first byte (the response headers) over the answers, in ms; null without any. */
  readonly ttfbMs: { readonly median: number; readonly p95: number } | null;
  /** Answers outside 2xx-3xx and connection errors, in the order they came. */
  readonly failures: readonly WarmResult[];
  readonly interrupted: boolean;
  readonly elapsedMs: number;
}

/** The device type travels as a User-Agent of that class (as --verify's), named for warming in logs. */
const WARM_USER_AGENTS = deviceUserAgents('purgeplan-warm/1');

/** The purged file items to warm: countries collapsed, removed URLs left out, N spread as --verify's sample. */
export function selectWarmItems(purged: PurgedFiles, options: Pick<WarmOptions, 'count' | 'connectTo'>): WarmSelection {
  const { plan, requests, groupOf, listed } = purged;
  const removed = new Set<string>();
  const skipRequests = new Set(plan.requests.map((_, index) => index).filter((index) => !requests.has(index)));
  const items = sampleItems(plan, {
    count: options.count === 'all' ? Infinity : options.count,
    skipRequests,
    ...(groupOf ? { groupOf } : {}),
    include: (url) => listed === undefined || listed(url) || (removed.add(url), false),
    collapseCountries: true,
  });
  return {
    items,
    notRouted: items.filter((item) => unroutedReason(options.connectTo, item.url) !== undefined),
    removedUrls: removed.size,
    unmatchedRules: unmatchedRules(options.connectTo, items.map((item) => item.url)),
  };
}

/** Warms the purged file items; never throws for what the edge answers. */
export async function warmPurged(purged: PurgedFiles, options: WarmOptions, deps: WarmDeps): Promise<WarmReport> {
  const selection = selectWarmItems(purged, options);
  deps.onSelected?.(selection);
  const skipped = new Set(selection.notRouted);
  return warmItems(selection, selection.items.filter((item) => !skipped.has(item)), options, deps);
}

async function warmItems(selection: WarmSelection, items: readonly VerifyItem[], options: WarmOptions, deps: WarmDeps): Promise<WarmReport> {
  const { clock, signal } = deps;
  const startedAt = clock.now();
  const gate = new RateGate(options.rate, clock);
  const tally = new Tally();
  const record = (item: VerifyItem, outcome: WarmOutcome): void => {
    const result = { item, outcome };
    tally.add(result);
    deps.onResult?.(result);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++];
      const probe = probeHeaders(item, WARM_USER_AGENTS);
      if (!probe.probeable) {
        record(item, { error: probe.reason });
        continue;
      }
      if (!(await gate.take(signal))) return;
      const sentAt = clock.now();
      const answer = await deps.fetch(item.url, probe.headers, signal);
      if ('error' in answer) {
        if (signal?.aborted) return;
        record(item, answer);
        continue;
      }
      const ttfbMs = clock.now() - sentAt;
      const brokeOff = await answer.rest();
      if (brokeOff !== null && signal?.aborted) return;
      record(item, brokeOff === null ? { httpStatus: answer.httpStatus, cacheStatus: answer.cacheStatus, ttfbMs } : { error: `${brokeOff} while reading the body (HTTP ${answer.httpStatus})` });
    }
  };
  const workers = Math.max(1, Math.min(items.length, options.concurrency));
  await Promise.all(Array.from({ length: workers }, worker));
  return tally.report(selection, signal?.aborted === true, clock.now() - startedAt);
}

/** A failure: an answer outside 2xx-3xx, or none. */
function failed(outcome: WarmOutcome): boolean {
  return 'error' in outcome || outcome.httpStatus < 200 || outcome.httpStatus > 399;
}

function statusClass(outcome: WarmOutcome): WarmStatusClass {
  if ('error' in outcome) return 'error';
  const hundreds = Math.floor(outcome.httpStatus / 100);
  return hundreds >= 2 && hundreds <= 5 ? (`${hundreds}xx` as WarmStatusClass) : 'error';
}

/** The counts, kept as answers come (the answers themselves are not kept: `all` may be many). */
class Tally {
  private requests = 0;
  private readonly byStatus: Record<WarmStatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, error: 0 };
  private readonly byCacheStatus = new Map<string, number>();
  private noCacheStatus = 0;
  private readonly ttfbs: number[] = [];
  private readonly failures: WarmResult[] = [];

  add(result: WarmResult): void {
    const { outcome } = result;
    this.requests++;
    this.byStatus[statusClass(outcome)]++;
    if (failed(outcome)) this.failures.push(result);
    if ('error' in outcome) return;
    this.ttfbs.push(outcome.ttfbMs);
    if (outcome.cacheStatus === null) this.noCacheStatus++;
    else this.byCacheStatus.set(outcome.cacheStatus, (this.byCacheStatus.get(outcome.cacheStatus) ?? 0) + 1);
  }

  report(selection: WarmSelection, interrupted: boolean, elapsedMs: number): WarmReport {
    const sorted = Float64Array.from(this.ttfbs).sort();
    return {
      selection,
      requests: this.requests,
      byStatus: { ...this.byStatus },
      byCacheStatus: [...this.byCacheStatus].sort(([a], [b]) => compare(a, b)),
      noCacheStatus: this.noCacheStatus,
      ttfbMs: sorted.length === 0 ? null : { median: median(sorted), p95: percentile(sorted, 95) },
      failures: this.failures,
      interrupted,
      elapsedMs,
    };
  }
}

/** The middle value, or the mean of the two middle ones. */
function median(sorted: Float64Array): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile: the smallest value at least p% of the values are at or below. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
