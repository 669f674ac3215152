// How warming is shown (docs/commands.md#warm-the-cache): `warm` JSON events and the human report. Pure
// functions of the selection, the results and the report; the phase decides when to write them.
import type { WarmAnswerView, WarmItemView, WarmResultEvent, WarmStartEvent, WarmStatusClass, WarmSummaryEvent } from '../apply/events.js';
import { count, formatDuration, plural, printable } from '../format.js';
import type { VerifyItem } from '../verify/sample.js';
import type { WarmOptions, WarmOutcome, WarmReport, WarmResult, WarmSelection } from './warm.js';

/** At most this many failures in the summary event, and on the terminal (each result event has its own). */
const FAILURES_IN_SUMMARY = 100;
const FAILURES_SHOWN = 20;

function itemView(item: VerifyItem): WarmItemView {
  const view = { zone: item.zone, group: item.group, action: item.action, url: item.url, headers: item.headers, request: item.request };
  return item.countries === undefined ? view : { ...view, countries: item.countries };
}

function answerView(outcome: WarmOutcome): WarmAnswerView {
  return 'error' in outcome ? { error: outcome.error } : { http_status: outcome.httpStatus, cache_status: outcome.cacheStatus, ttfb_ms: roundMs(outcome.ttfbMs) };
}

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

/** Items whose key has a country (each warmed once), and the purged variants they stand for. */
function countryCounts(items: readonly VerifyItem[]): { items: number; variants: number } {
  const withCountry = items.filter((item) => item.countries !== undefined);
  return { items: withCountry.length, variants: withCountry.reduce((sum, item) => sum + item.countries!.length, 0) };
}

export function startEvent(selection: WarmSelection, options: WarmOptions): WarmStartEvent {
  const countries = countryCounts(selection.items);
  return {
    type: 'warm', phase: 'start', requested: options.count, items: selection.items.length,
    requests: selection.items.length - selection.notRouted.length,
    country_items: countries.items, country_variants: countries.variants,
    not_routed: selection.notRouted.length, removed_urls: selection.removedUrls,
    concurrency: options.concurrency, rate: options.rate,
  };
}

export function resultEvent(result: WarmResult): WarmResultEvent {
  return { type: 'warm', phase: 'result', item: itemView(result.item), ...answerView(result.outcome) };
}

/** `ok`: every chosen item was requested and answered within 2xx-3xx, uninterrupted. */
export function isComplete(report: WarmReport): boolean {
  return report.failures.length === 0 && report.selection.notRouted.length === 0 && !report.interrupted;
}

export function summaryEvent(report: WarmReport): WarmSummaryEvent {
  return {
    type: 'warm', phase: 'summary', ok: isComplete(report), interrupted: report.interrupted,
    items: report.selection.items.length, requests: report.requests, failed: report.failures.length,
    not_routed: report.selection.notRouted.length,
    by_status: { ...report.byStatus },
    by_cache_status: Object.fromEntries(report.byCacheStatus),
    no_cache_status: report.noCacheStatus,
    ttfb_ms: report.ttfbMs === null ? null : { median: roundMs(report.ttfbMs.median), p95: roundMs(report.ttfbMs.p95) },
    elapsed_ms: Math.round(report.elapsedMs),
    failures: report.failures.slice(0, FAILURES_IN_SUMMARY).map((f) => ({ item: itemView(f.item), ...answerView(f.outcome) })),
  };
}

/** `URL [name=value, …]` (and the countries it stands for), escaped for the terminal. */
function itemLabel(item: VerifyItem): string {
  const pairs = Object.keys(item.headers).sort().map((name) => `${name}=${item.headers[name]}`);
  const countries = item.countries === undefined ? '' : ` (for ${plural(item.countries.length, 'country', 'countries')})`;
  return printable(`${item.url}${pairs.length ? ` [${pairs.join(', ')}]` : ''}${countries}`);
}

/** The line that opens the phase. */
export function formatStartLine(selection: WarmSelection, options: WarmOptions): string {
  const { items, notRouted, removedUrls } = selection;
  const requests = items.length - notRouted.length;
  const countries = countryCounts(items);
  const notes = [
    countries.items ? `${count(countries.items)} of them once for their ${plural(countries.variants, 'country variant')} (the edge takes the country from the client's address)` : '',
    notRouted.length ? `${count(notRouted.length)} not requested (no --connect-to rule takes their host)` : '',
    removedUrls ? `${plural(removedUrls, 'purged URL')} no group lists any more not warmed` : '',
  ].filter(Boolean);
  const eta = requests > options.rate ? `, about ${formatDuration((requests / options.rate) * 1000)}` : '';
  return `Warm: requesting ${plural(requests, 'purged item')} at the edge (${count(options.concurrency)} at a time, at most ${count(options.rate)} requests/s${eta})` +
    `${notes.length ? `; ${notes.join('; ')}` : ''}…\n`;
}

/** The closing report: counts, cache statuses, time to first byte, then the failures. */
export function formatReport(report: WarmReport): string {
  const classes = (Object.entries(report.byStatus) as [WarmStatusClass, number][])
    .filter(([, n]) => n > 0).map(([name, n]) => `${count(n)} ${name === 'error' ? 'without an answer' : name}`);
  const statuses = [...report.byCacheStatus.map(([status, n]) => `${status} ${count(n)}`), ...(report.noCacheStatus ? [`none ${count(report.noCacheStatus)}`] : [])];
  const parts = [
    `${plural(report.requests, 'request')} in ${formatDuration(report.elapsedMs)}${classes.length ? `: ${classes.join(', ')}` : ''}`,
    ...(statuses.length ? [`cf-cache-status ${statuses.join(', ')}`] : []),
    ...(report.ttfbMs ? [`time to first byte median ${formatMs(report.ttfbMs.median)}, p95 ${formatMs(report.ttfbMs.p95)}`] : []),
  ];
  const width = 6;
  const failures = report.failures.slice(0, FAILURES_SHOWN).map((f) => `  ${'failed'.padEnd(width)}  ${itemLabel(f.item)}  ${describeOutcome(f.outcome)}`);
  const more = report.failures.length > FAILURES_SHOWN ? [`  … and ${count(report.failures.length - FAILURES_SHOWN)} more (every one in --json)`] : [];
  const interrupted = report.interrupted ? ['Warm: interrupted: the purge itself is complete; the items not yet requested stay cold.'] : [];
  return `${[`Warm: ${parts.join('; ')}`, ...failures, ...more, ...interrupted].join('\n')}\n`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** `404 (MISS)`, `503 without cf-cache-status`, `connection refused`. */
function describeOutcome(outcome: WarmOutcome): string {
  if ('error' in outcome) return printable(outcome.error);
  return `${outcome.httpStatus} ${outcome.cacheStatus === null ? 'without cf-cache-status' : `(${printable(outcome.cacheStatus)})`}`;
}
