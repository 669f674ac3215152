// Reporters: apply events -> output (docs/commands.md#apply, "Progress"). The formatters are pure functions of
// events; the reporters only keep counts and call `write`. On a terminal a live line redrawn with
// \r (and again every second from a timer, so the rate and the ETA move while requests are in
// flight); otherwise one line per finished request; `--json` prints each event as one JSON line.
import { formatDuration, jsonText, plural } from '../format.js';
import type { ApplyEvent } from './events.js';

/** How often the live line is redrawn on a terminal, whatever the requests do (docs/commands.md#apply, "apply UX"). */
export const PROGRESS_REDRAW_MS = 1000;

/** Runs `tick` every `ms` until the returned function is called; never keeps the process alive. */
export type Ticker = (tick: () => void, ms: number) => () => void;

const realTicker: Ticker = (tick, ms) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface ReporterOptions {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  /** Named in the summary as where Cloudflare's ids are kept. */
  readonly journalPath?: string;
  /** The clock (ms) and the timer that redraws the live line: injected by tests. */
  readonly now?: () => number;
  readonly ticker?: Ticker;
}

export type Reporter = (event: ApplyEvent) => void;

export function createJsonReporter(write: (text: string) => void): Reporter {
  return (event) => write(`${jsonText(event)}\n`);
}

export interface Progress {
  total: number;
  items: number;
  /** Requests and items done, including those skipped as already applied. */
  completed: number;
  itemsDone: number;
  /** Done by this run: the rate and the ETA are measured on these. */
  sentRequests: number;
  sentItems: number;
  failed: number;
  elapsedMs: number;
}

export function createHumanReporter(options: ReporterOptions): Reporter {
  const { write, isTTY } = options;
  const now = options.now ?? Date.now;
  let startedAt = 0;
  let stopTicker: (() => void) | undefined;
  const progress: Progress = { total: 0, items: 0, completed: 0, itemsDone: 0, sentRequests: 0, sentItems: 0, failed: 0, elapsedMs: 0 };
  const done: ApplyEvent[] = [];
  let skipped = 0;
  let skippedItems = 0;
  let skippedReported = false;
  let liveShown = false;
  // On a terminal, a line printed above the live line first clears it.
  const line = (text: string): void => {
    write(`${isTTY && liveShown ? '\r\x1b[K' : ''}${text}\n`);
    liveShown = false;
  };
  const redraw = (): void => {
    if (!isTTY || stopTicker === undefined) return;
    write(`\r\x1b[K${formatProgressLine(progress)}`);
    liveShown = true;
  };
  const reportSkipped = (): void => {
    if (skippedReported || skipped === 0) return;
    skippedReported = true;
    line(`↷ ${skipped} request${skipped === 1 ? '' : 's'} (${skippedItems} items) already applied by an earlier run of this plan: skipped`);
  };
  return (event) => {
    switch (event.type) {
      case 'start':
        progress.total = num(event.requests);
        progress.items = num(event.items);
        line(formatStart(event));
        if (isTTY && stopTicker === undefined) {
          startedAt = now();
          stopTicker = (options.ticker ?? realTicker)(() => {
            progress.elapsedMs = Math.max(progress.elapsedMs, now() - startedAt);
            redraw();
          }, PROGRESS_REDRAW_MS);
        }
        return;
      case 'request_skipped':
        skipped++;
        skippedItems += num(event.items);
        progress.completed++;
        progress.itemsDone += num(event.items);
        return;
      case 'request_start':
        reportSkipped();
        redraw();
        return;
      case 'request_retry':
        reportSkipped();
        line(formatRetryLine(event, progress.total));
        redraw();
        return;
      case 'request_done':
        reportSkipped();
        progress.completed++;
        progress.itemsDone += num(event.items);
        progress.sentRequests++;
        progress.sentItems += num(event.items);
        progress.elapsedMs = Math.max(progress.elapsedMs, num(event.elapsed_ms)); // never backwards past a tick
        done.push(event);
        if (!isTTY) line(formatRequestLine(event, progress.total));
        redraw();
        return;
      case 'request_failed':
        reportSkipped();
        progress.failed++;
        line(formatRequestLine(event, progress.total));
        redraw();
        return;
      case 'invalidation':
        line(`✓ ${text(event.zone)}: CloudFront invalidation ${text(event.id)} ${text(event.status)}`);
        redraw();
        return;
      case 'summary':
        stopTicker?.();
        reportSkipped();
        line(formatSummary(event, done, progress.total, options));
        stopTicker = undefined;
        return;
      default:
        return;
    }
  };
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** `purge files`, `invalidate hosts`: what a request does (docs/purge-yaml.md); the kind alone for an event without action. */
function what(event: Readonly<Record<string, unknown>>): string {
  const action = text(event.action);
  return action ? `${action} ${text(event.kind)}` : text(event.kind);
}

function formatStart(event: ApplyEvent): string {
  const pending = num(event.pending);
  const total = num(event.requests);
  const already = total - pending;
  return `Applying plan ${text(event.plan_id).slice(0, 19)}…${passLabel(event, ' (', ')')}: ${plural(pending, 'request')} to send (${num(event.pending_items)} items)` +
    `${already > 0 ? `, ${already} already applied` : ''}, concurrency ${num(event.concurrency)}${zoneConcurrency(event)}`;
}

/** `; static 8 in flight, media 1`: each Fastly or CloudFront zone's own limit (docs/providers.md). */
function zoneConcurrency(event: ApplyEvent): string {
  const zones = typeof event.zone_concurrency === 'object' && event.zone_concurrency !== null ? Object.entries(event.zone_concurrency as Record<string, unknown>) : [];
  return zones.length === 0 ? '' : ` (Cloudflare); ${zones.map(([zone, n]) => `${zone} ${num(n)}`).join(', ')} in flight`;
}

/** `first pass of 2` for an event of a pass (`--repurge-after`), between `before` and `after`; '' otherwise. */
function passLabel(event: Readonly<Record<string, unknown>>, before: string, after: string): string {
  if (event.passes !== 2) return '';
  return `${before}${event.pass === 2 ? 'second' : 'first'} pass of 2${after}`;
}

/** `✓ [3/12] www files 30 items  id=…` or `✗ [3/12] www files 30 items  HTTP 400: 1016 …`. */
export function formatRequestLine(event: ApplyEvent, total: number): string {
  const head = `[${num(event.index) + 1}/${total}] ${text(event.zone)} ${what(event)} ${plural(num(event.items), 'item')}`;
  const attempts = num(event.attempts) > 1 ? ` (${num(event.attempts)} attempts)` : '';
  if (event.type === 'request_done') return `✓ ${head}  id=${text(event.id) || '(none)'}${attempts}`;
  return `✗ ${head}  ${formatErrors(event)}${attempts}`;
}

function formatRetryLine(event: ApplyEvent, total: number): string {
  return `↻ [${num(event.index) + 1}/${total}] ${text(event.zone)} ${what(event)}: ${text(event.reason)}; attempt ${num(event.attempt) + 1} in ${formatDuration(num(event.delay_ms))}`;
}

/** Our message (`HTTP 400`, `connection reset …`) then Cloudflare's codes and messages. */
function formatErrors(event: Readonly<Record<string, unknown>>): string {
  const errors = Array.isArray(event.errors) ? (event.errors as { code: number; message: string }[]) : [];
  const message = text(event.message) || (typeof event.http_status === 'number' ? `HTTP ${event.http_status}` : 'failed');
  return errors.length === 0 ? message : `${message}: ${errors.map((e) => `${e.code} ${e.message}`).join('; ')}`;
}

/**
 * `[5/12 requests] 150/360 items · 3.2 req/s · ETA 4 s` (rate and ETA from this run's completions
 * over the time elapsed so far); once every item is done, `done` instead of an ETA.
 */
export function formatProgressLine(progress: Readonly<Progress>): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.sentRequests / seconds : 0;
  const itemRate = seconds > 0 ? progress.sentItems / seconds : 0;
  const remaining = progress.items - progress.itemsDone;
  const eta = remaining <= 0 ? 'done' : itemRate > 0 ? `ETA ${formatDuration((remaining / itemRate) * 1000)}` : 'ETA …';
  const failed = progress.failed > 0 ? ` · ${progress.failed} failed` : '';
  return `[${progress.completed}/${progress.total} requests] ${progress.itemsDone}/${progress.items} items · ${rate.toFixed(1)} req/s · ${eta}${failed}`;
}

const UNITS: Readonly<Record<string, readonly [string, string]>> = {
  files: ['file', 'files'], hosts: ['host', 'hosts'], prefixes: ['prefix', 'prefixes'], tags: ['tag', 'tags'], everything: ['purge of everything', 'purges of everything'],
};

/**
 * `www: 12 purge requests, 340 files, 2 tags`: what this run sent, per zone and action, in the
 * order first sent. Cloudflare's `result.id` is the zone id, so a list of ids says nothing here;
 * they stay in the journal and in `--json`. Requests that carry no action are purges.
 */
function formatSentCounts(done: readonly ApplyEvent[]): string[] {
  const byZoneAction = new Map<string, { zone: string; action: string; requests: number; items: Map<string, number> }>();
  for (const event of [...done].sort((a, b) => num(a.index) - num(b.index))) {
    const zone = text(event.zone);
    const action = text(event.action) || 'purge';
    const key = `${zone}\0${action}`;
    const entry = byZoneAction.get(key) ?? { zone, action, requests: 0, items: new Map<string, number>() };
    byZoneAction.set(key, entry);
    entry.requests += 1;
    const kind = text(event.kind);
    entry.items.set(kind, (entry.items.get(kind) ?? 0) + num(event.items));
  }
  return [...byZoneAction.values()].map((entry) => {
    const items = [...entry.items].map(([kind, n]) => (UNITS[kind] ? plural(n, UNITS[kind][0], UNITS[kind][1]) : plural(n, `${kind} item`)));
    return `  ${entry.zone}: ${plural(entry.requests, `${entry.action} request`)}${items.length ? `, ${items.join(', ')}` : ''}`;
  });
}

/** `CloudFront invalidations: media I2J0… (Completed), I3K1… (InProgress)`: each id, by zone, with its status as last seen. */
function formatInvalidations(summary: ApplyEvent): string[] {
  const listed = Array.isArray(summary.invalidations) ? (summary.invalidations as Record<string, unknown>[]) : [];
  if (listed.length === 0) return [];
  const byZone = new Map<string, string[]>();
  for (const inv of listed) {
    const status = typeof inv.status === 'string' ? inv.status : 'made by an earlier run';
    byZone.set(text(inv.zone), [...(byZone.get(text(inv.zone)) ?? []), `${text(inv.id)} (${status})`]);
  }
  return ['CloudFront invalidations (status as last seen; CloudFront completes them within minutes):', ...[...byZone].map(([zone, ids]) => `  ${zone}: ${ids.join(', ')}`)];
}

/** The closing report: counts, what was sent per zone and action, then every failure. */
export function formatSummary(summary: ApplyEvent, done: readonly ApplyEvent[], total: number, options: Pick<ReporterOptions, 'journalPath'> = {}): string {
  const lines: string[] = [];
  const failed = num(summary.failed);
  const notSent = num(summary.not_sent);
  const unknown = num(summary.unknown);
  const parts = [`${num(summary.done)} of ${plural(total, 'request')} applied`];
  if (num(summary.skipped) > 0) parts.push(`${num(summary.skipped)} skipped (already applied)`);
  if (failed > 0) parts.push(`${failed} failed`);
  if (unknown > 0) parts.push(`${unknown} in flight when interrupted (outcome unknown)`);
  if (notSent > 0) parts.push(`${notSent} not sent`);
  if (num(summary.rate_limited) > 0) parts.push(`${plural(num(summary.rate_limited), 'rate-limited answer')}`);
  const ofPass = summary.passes === 2 ? (summary.pass === 2 ? 'Second pass' : 'First pass') : null;
  const verdict = summary.interrupted === true ? `Interrupted${passLabel(summary, ' (', ')')}`
    : summary.ok === true ? (ofPass === null ? 'Apply complete' : `${ofPass} complete`) : `Apply failed${passLabel(summary, ' (', ')')}`;
  lines.push(`${verdict}: ${parts.join(', ')} in ${formatDuration(num(summary.elapsed_ms))}.`);
  if (done.length > 0) {
    lines.push(`Sent by this run (Cloudflare's ids are in ${options.journalPath ?? 'the journal'} and in --json):`);
    lines.push(...formatSentCounts(done));
  }
  lines.push(...formatInvalidations(summary));
  const listed = Array.isArray(summary.failures) ? (summary.failures as Record<string, unknown>[]) : [];
  const line = (mark: string, failure: Record<string, unknown>): string => {
    const groups = Array.isArray(failure.groups) ? ` (${(failure.groups as string[]).join(', ')})` : '';
    const action = text(failure.action) ? ` ${text(failure.action)}` : '';
    return `  ${mark} [${num(failure.index) + 1}/${total}] ${text(failure.zone)}${action}${groups}: ${formatErrors(failure)}`;
  };
  const failures = listed.filter((failure) => failure.status !== 'unknown');
  const inFlight = listed.filter((failure) => failure.status === 'unknown');
  if (failures.length > 0) lines.push('Failures:', ...failures.map((failure) => line('✗', failure)));
  if (inFlight.length > 0) lines.push('In flight when interrupted (Cloudflare may or may not have applied them; a re-run sends them again):', ...inFlight.map((failure) => line('?', failure)));
  if (summary.interrupted === true || notSent > 0) lines.push('Re-run the same plan to send what was not applied; requests already applied are skipped.');
  return lines.join('\n');
}
