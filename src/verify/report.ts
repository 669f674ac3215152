// How verification is shown (docs/commands.md#verify-at-the-edge): `verify` JSON events and the human report. Pure
// functions of the records; the session decides when to write them.
import type { VerifyItem } from './sample.js';
import type { Observation, Verdict } from './verdict.js';
import { describeObservation } from './verdict.js';

export interface ItemRecord {
  readonly item: VerifyItem;
  /** Why it is not probed (a country in its key, no --connect-to rule for its host), or undefined when it is. */
  readonly notProbeable?: string;
  /** Not probed because --connect-to was given and no rule takes its host. */
  readonly unrouted?: boolean;
  readonly before: Observation[];
  after?: Observation;
  verdict?: Verdict;
  reason?: string;
}

export interface VerifySummary {
  readonly sampled: number;
  readonly purged: number;
  readonly not_purged: number;
  readonly inconclusive: number;
  readonly not_probed: number;
  readonly requests: number;
}

export interface VerifyEvent {
  readonly type: 'verify';
  readonly phase: 'sample' | 'before' | 'result' | 'warning' | 'summary' | 'skipped' | 'interrupted';
  readonly [key: string]: unknown;
}

/** `URL [name=value, …]`: an item as the plan shows it. */
function itemLabel(item: VerifyItem): string {
  const pairs = Object.keys(item.headers).sort().map((name) => `${name}=${item.headers[name]}`);
  return pairs.length ? `${item.url} [${pairs.join(', ')}]` : item.url;
}

function itemView(item: VerifyItem): Record<string, unknown> {
  return { zone: item.zone, group: item.group, action: item.action, url: item.url, headers: item.headers, request: item.request };
}

function observationView(observation: Observation): Record<string, unknown> {
  return 'error' in observation ? { error: observation.error } : { cache_status: observation.cacheStatus, http_status: observation.httpStatus };
}

export function sampleEvent(records: readonly ItemRecord[], requested: number, rate: number): VerifyEvent {
  return {
    type: 'verify', phase: 'sample', requested, sampled: records.length,
    probeable: records.filter((r) => r.notProbeable === undefined).length, rate,
  };
}

export function beforeEvent(record: ItemRecord): VerifyEvent {
  return { type: 'verify', phase: 'before', item: itemView(record.item), before: record.before.map(observationView) };
}

export function resultEvent(record: ItemRecord): VerifyEvent {
  return {
    type: 'verify', phase: 'result', item: itemView(record.item), verdict: record.verdict,
    before: record.before.map(observationView),
    after: record.after === undefined ? null : observationView(record.after),
    ...(record.reason === undefined ? {} : { reason: record.reason }),
  };
}

export function summarize(records: readonly ItemRecord[], requests: number): VerifySummary {
  const count = (verdict: Verdict): number => records.filter((r) => r.verdict === verdict).length;
  return { sampled: records.length, purged: count('purged'), not_purged: count('not_purged'), inconclusive: count('inconclusive'), not_probed: count('not_probed'), requests };
}

/** `ok`: nothing left cached, and with --verify-strict, nothing unconfirmed. */
export function summaryEvent(summary: VerifySummary, ok = summary.not_purged === 0): VerifyEvent {
  return { type: 'verify', phase: 'summary', ok, ...summary };
}

const VERDICT_WORDS: Record<Verdict, string> = {
  purged: 'purged',
  not_purged: 'NOT PURGED',
  inconclusive: 'inconclusive',
  not_probed: 'not probed',
};

function verdictWord(record: ItemRecord): string {
  if (record.verdict === 'purged' && record.item.action === 'invalidate') return 'invalidated';
  return VERDICT_WORDS[record.verdict ?? 'inconclusive'];
}

export function formatSampleLine(records: readonly ItemRecord[], rate: number): string {
  const probeable = records.filter((r) => r.notProbeable === undefined).length;
  const unrouted = records.filter((r) => r.unrouted).length;
  const notProbeable = records.length - probeable - unrouted;
  return `Verify: requesting ${probeable} sampled item${probeable === 1 ? '' : 's'} at the edge until cached (at most ${rate} requests/s)` +
    `${notProbeable ? `; ${notProbeable} not probeable (country in the cache key)` : ''}` +
    `${unrouted ? `; ${unrouted} not requested (no --connect-to rule takes their host)` : ''}…\n`;
}

/** The closing report: one line per item, then the counts. */
export function formatResults(records: readonly ItemRecord[], summary: VerifySummary): string {
  const width = Math.max(...records.map((r) => verdictWord(r).length));
  const lines = records.map((record) => {
    const statuses = record.notProbeable !== undefined ? '' : `  ${record.before.map(describeObservation).join(', ') || '-'} → ${record.after === undefined ? '-' : describeObservation(record.after)}`;
    const reason = record.verdict === 'purged' || record.reason === undefined ? '' : `\n      ${record.reason}`;
    return `  ${verdictWord(record).padEnd(width)}  ${itemLabel(record.item)}${statuses}${reason}`;
  });
  // An invalidated entry is revalidated, not deleted: said as such, as on its own line.
  const invalidated = records.filter((r) => verdictWord(r) === 'invalidated').length;
  const counts = [
    `${summary.purged - invalidated} purged`,
    ...(invalidated ? [`${invalidated} invalidated`] : []),
    `${summary.not_purged} not purged`,
    `${summary.inconclusive} inconclusive`,
    ...(summary.not_probed ? [`${summary.not_probed} not probed`] : []),
  ].join(', ');
  return `Verify (at the edge, one data centre): ${summary.sampled} sampled item${summary.sampled === 1 ? '' : 's'}, ${summary.requests} request${summary.requests === 1 ? '' : 's'}\n${lines.join('\n')}\nVerify: ${counts}.\n`;
}
