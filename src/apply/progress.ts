// Reporters: apply events -> output (spec §4.2 "Progress"). The formatters are pure functions of
// events; the reporters only keep counts and call `write`. On a terminal a live line redrawn with
// \r; otherwise one line per finished request; `--json` prints each event as one JSON line.
import type { ApplyEvent } from './run.js';

export interface ReporterOptions {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  /** How many Cloudflare ids the summary lists before pointing at the journal. */
  readonly maxListedIds?: number;
  /** Named in the summary when ids are cut. */
  readonly journalPath?: string;
}

export type Reporter = (event: ApplyEvent) => void;

export function createJsonReporter(write: (text: string) => void): Reporter {
  return (event) => write(`${JSON.stringify(event)}\n`);
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
    if (!isTTY) return;
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
        progress.elapsedMs = num(event.elapsed_ms);
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
      case 'summary':
        reportSkipped();
        line(formatSummary(event, done, progress.total, options));
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

/** `purge files`, `invalidate hosts`: what a request does (§7.3); the kind alone for an event without action. */
function what(event: Readonly<Record<string, unknown>>): string {
  const action = text(event.action);
  return action ? `${action} ${text(event.kind)}` : text(event.kind);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function formatStart(event: ApplyEvent): string {
  const pending = num(event.pending);
  const total = num(event.requests);
  const already = total - pending;
  return `Applying plan ${text(event.plan_id).slice(0, 19)}…: ${plural(pending, 'request')} to send (${num(event.pending_items)} items)` +
    `${already > 0 ? `, ${already} already applied` : ''}, concurrency ${num(event.concurrency)}`;
}

/** `✓ [3/12] www files 30 items  id=…` or `✗ [3/12] www files 30 items  HTTP 400: 1016 …`. */
export function formatRequestLine(event: ApplyEvent, total: number): string {
  const head = `[${num(event.index) + 1}/${total}] ${text(event.zone)} ${what(event)} ${plural(num(event.items), 'item')}`;
  const attempts = num(event.attempts) > 1 ? ` (${num(event.attempts)} attempts)` : '';
  if (event.type === 'request_done') return `✓ ${head}  id=${text(event.id) || '(none)'}${attempts}`;
  return `✗ ${head}  ${formatErrors(event)}${attempts}`;
}

export function formatRetryLine(event: ApplyEvent, total: number): string {
  return `↻ [${num(event.index) + 1}/${total}] ${text(event.zone)} ${what(event)}: ${text(event.reason)}; attempt ${num(event.attempt) + 1} in ${formatDuration(num(event.delay_ms))}`;
}

/** Our message (`HTTP 400`, `connection reset …`) then Cloudflare's codes and messages. */
function formatErrors(event: Readonly<Record<string, unknown>>): string {
  const errors = Array.isArray(event.errors) ? (event.errors as { code: number; message: string }[]) : [];
  const message = text(event.message) || (typeof event.http_status === 'number' ? `HTTP ${event.http_status}` : 'failed');
  return errors.length === 0 ? message : `${message}: ${errors.map((e) => `${e.code} ${e.message}`).join('; ')}`;
}

/** `[5/12 requests] 150/360 items · 3.2 req/s · ETA 4 s` (rate and ETA from this run's completions). */
export function formatProgressLine(progress: Readonly<Progress>): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.sentRequests / seconds : 0;
  const itemRate = seconds > 0 ? progress.sentItems / seconds : 0;
  const remaining = progress.items - progress.itemsDone;
  const eta = itemRate > 0 ? formatDuration((remaining / itemRate) * 1000) : '…';
  const failed = progress.failed > 0 ? ` · ${progress.failed} failed` : '';
  return `[${progress.completed}/${progress.total} requests] ${progress.itemsDone}/${progress.items} items · ${rate.toFixed(1)} req/s · ETA ${eta}${failed}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** `www: 2 purge requests (31 items), 1 invalidate request (2 items)`, per zone in order of appearance (spec §6a). */
function appliedByZoneAndAction(done: readonly ApplyEvent[]): string {
  const zones = new Map<string, Map<string, { requests: number; items: number }>>();
  for (const event of [...done].sort((a, b) => num(a.index) - num(b.index))) {
    let actions = zones.get(text(event.zone));
    if (!actions) zones.set(text(event.zone), (actions = new Map()));
    const key = text(event.action);
    const counts = actions.get(key) ?? { requests: 0, items: 0 };
    counts.requests++;
    counts.items += num(event.items);
    actions.set(key, counts);
  }
  return [...zones].map(([zone, actions]) => `${zone}: ${[...actions].map(([action, c]) => `${plural(c.requests, `${action ? `${action} ` : ''}request`)} (${plural(c.items, 'item')})`).join(', ')}`).join('; ');
}

/** The closing report: counts, Cloudflare's ids for this run's purges, then every failure. */
export function formatSummary(summary: ApplyEvent, done: readonly ApplyEvent[], total: number, options: Pick<ReporterOptions, 'maxListedIds' | 'journalPath'> = {}): string {
  const lines: string[] = [];
  const failed = num(summary.failed);
  const notSent = num(summary.not_sent);
  const parts = [`${num(summary.done)} of ${plural(total, 'request')} applied`];
  if (num(summary.skipped) > 0) parts.push(`${num(summary.skipped)} skipped (already applied)`);
  if (failed > 0) parts.push(`${failed} failed`);
  if (notSent > 0) parts.push(`${notSent} not sent`);
  if (num(summary.rate_limited) > 0) parts.push(`${plural(num(summary.rate_limited), 'rate-limited answer')}`);
  const verdict = summary.interrupted === true ? 'Interrupted' : summary.ok === true ? 'Apply complete' : 'Apply failed';
  lines.push(`${verdict}: ${parts.join(', ')} in ${formatDuration(num(summary.elapsed_ms))}.`);
  const applied = appliedByZoneAndAction(done);
  if (applied) lines.push(`Applied by this run: ${applied}.`);
  const ids = [...done].sort((a, b) => num(a.index) - num(b.index));
  if (ids.length > 0) {
    const limit = options.maxListedIds ?? 50;
    lines.push('Cloudflare purge ids:');
    for (const event of ids.slice(0, limit)) lines.push(`  [${num(event.index) + 1}/${total}] ${text(event.zone)} ${what(event)}  id=${text(event.id) || '(none)'}`);
    if (ids.length > limit) lines.push(`  … and ${ids.length - limit} more${options.journalPath ? ` in ${options.journalPath}` : ' in the journal'}`);
  }
  const failures = Array.isArray(summary.failures) ? (summary.failures as Record<string, unknown>[]) : [];
  if (failures.length > 0) {
    lines.push('Failures:');
    for (const failure of failures) {
      const groups = Array.isArray(failure.groups) ? ` (${(failure.groups as string[]).join(', ')})` : '';
      const action = text(failure.action) ? ` ${text(failure.action)}` : '';
      lines.push(`  ✗ [${num(failure.index) + 1}/${total}] ${text(failure.zone)}${action}${groups}: ${formatErrors(failure)}`);
    }
  }
  if (summary.interrupted === true || notSent > 0) lines.push('Re-run the same plan to send what was not applied; requests already applied are skipped.');
  return lines.join('\n');
}
