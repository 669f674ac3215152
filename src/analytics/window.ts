// The time window `coverage --graphql` reads (docs/coverage.md#without-logpush-graphql-analytics):
// `--since D` (s, m, h, d) ending now, or `--from TIME [--to TIME]`; cut into consecutive windows no
// longer than the dataset's `maxDuration`, and refused when it reaches further back than
// `notOlderThan`. Both limits come from the settings node of Cloudflare's GraphQL API
// (https://developers.cloudflare.com/analytics/graphql-api/features/discovery/settings/), in seconds.
// Pure: `now` is given.
import { UserError } from '../errors.js';

/** [from, to) in ms since the epoch, on whole seconds. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

export interface WindowFlags {
  readonly since?: string;
  readonly from?: string;
  readonly to?: string;
}

export const DEFAULT_SINCE = '24h';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30m`, `24h`, `7d` in seconds; an error naming the flag otherwise. */
export function parseDuration(text: string, flag: string): number {
  const match = /^([0-9]{1,9})([smhd])$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : 0;
  if (!match || seconds <= 0) {
    throw new UserError(`${flag} ${JSON.stringify(text)} is not a duration`, { hint: 'a whole number and a unit: s, m, h or d (30m, 24h, 7d)' });
  }
  return seconds;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * An ISO 8601 time: a date (midnight UTC), or a date and time with `Z` or an offset (a time
 * without one would be read in this machine's zone, which a CI runner and a laptop disagree on).
 */
function parseTime(text: string, flag: string): number {
  const value = text.trim();
  const match = ISO_TIME.exec(value);
  const problem = (why: string) => new UserError(`${flag} ${JSON.stringify(text)} ${why}`, { hint: 'e.g. 2026-11-30T08:00:00Z, 2026-11-30T09:00:00+01:00, or 2026-11-30 (midnight UTC)' });
  if (!match) throw problem(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(value) ? 'has no time zone: add Z (UTC) or an offset' : 'is not an ISO 8601 time');
  const [, year, month, day, hour = '00', minute = '00', second = '00', , zone = 'Z'] = match;
  const ms = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${match[7] ?? ''}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone.toUpperCase()}`);
  // Date.parse rolls 30 February over into March: the date must read back as written.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (Number.isNaN(ms) || calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw problem('is not a valid date and time');
  }
  return ms;
}

/**
 * The window the flags ask for, to whole seconds (its start rounded down, its end up). The
 * default is `--since 24h`; `--from` alone ends now; `--to` needs `--from`.
 */
export function windowOf(flags: WindowFlags, now: number): TimeWindow {
  if (flags.since !== undefined && (flags.from !== undefined || flags.to !== undefined)) {
    throw new UserError('--since cannot be combined with --from or --to', { hint: '--since D ends now; --from TIME --to TIME gives both ends' });
  }
  if (flags.to !== undefined && flags.from === undefined) throw new UserError('--to needs --from', { hint: 'or --since D for a window ending now' });
  const end = Math.floor(now / 1000) * 1000;
  if (flags.from === undefined) return { from: end - parseDuration(flags.since ?? DEFAULT_SINCE, '--since') * 1000, to: end };
  const from = Math.floor(parseTime(flags.from, '--from') / 1000) * 1000;
  const to = flags.to === undefined ? end : Math.ceil(parseTime(flags.to, '--to') / 1000) * 1000;
  if (to > now + 1000) throw new UserError(`--to ${timeText(to)} is in the future (now is ${timeText(end)})`, { hint: 'leave --to out to read up to now' });
  if (from >= to) throw new UserError(`--from ${timeText(from)} is not before --to ${timeText(to)}`);
  return { from, to };
}

/** Consecutive windows covering `window`, each at most `maxDurationSeconds` long. */
export function splitWindow(window: TimeWindow, maxDurationSeconds: number): TimeWindow[] {
  const step = maxDurationSeconds * 1000;
  const windows: TimeWindow[] = [];
  for (let from = window.from; from < window.to; from += step) windows.push({ from, to: Math.min(window.to, from + step) });
  return windows;
}

/** A time as the API takes it and the report shows it: `2026-11-30T08:00:00Z`. */
export function timeText(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** Seconds in the largest unit that divides them, as --since takes them: `86400` -> `1d`. */
export function durationText(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) if (seconds % UNIT_SECONDS[unit]! === 0) return `${seconds / UNIT_SECONDS[unit]!}${unit}`;
  return `${seconds}s`;
}
