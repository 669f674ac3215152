// What every HTTP client of purgeplan agrees on (Cloudflare's API, GitHub's and GitLab's, the edge
// probes of --verify): which API URLs a token may be sent to, how a token is read and what is
// scrubbed of it, how a server's "wait until" header is read, and the clocks that time it all.
// Each client keeps its own undici dispatcher and its own retry table; the rules they share live
// here, once. Imports nothing of ours but the error class.
import { UserError } from '../errors.js';

/** undici's own default would name undici; servers' logs show who asked. */
export const USER_AGENT = 'purgeplan';

// ---- API URLs ---------------------------------------------------------------------------------

/** `hostname` as the WHATWG parser gives it: IPv4 normalized (`127.1` → `127.0.0.1`), IPv6 in brackets. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (host === '[::1]') return true;
  // IPv4-mapped loopback, which the parser writes in hex: [::ffff:7f00:1] is 127.0.0.1.
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

export interface ApiUrlNaming {
  /** How messages name the setting: `API URL`, or the variable it came from (`GITHUB_API_URL`). */
  readonly name: string;
  /** Hints for the two mistakes where the setting's own advice helps. */
  readonly notAbsoluteHint?: string;
  readonly credentialsHint?: string;
}

/**
 * An API base URL a token will be sent to. `https:` always; `http:` only for a loopback host,
 * because the token would otherwise travel in clear text. No credentials, query or fragment; a
 * trailing `/` is dropped so that paths can be appended.
 */
export function parseApiBaseUrl(value: string, naming: ApiUrlNaming): URL {
  const { name } = naming;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${name} "${value}" is not an absolute URL`, naming.notAbsoluteHint === undefined ? {} : { hint: naming.notAbsoluteHint });
  }
  if (url.username !== '' || url.password !== '') {
    throw new UserError(`${name} must not carry credentials (user:password@)`, naming.credentialsHint === undefined ? {} : { hint: naming.credentialsHint });
  }
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  if (url.search !== '' || url.hash !== '') throw new UserError(`${name} "${shown}" must not have a query string or fragment`);
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new UserError(`refusing plain http ${name} "${shown}": the token would travel in clear text`, {
        hint: 'use https://, or http:// only with a loopback host (127.0.0.1, ::1, localhost)',
      });
    }
  } else if (url.protocol !== 'https:') {
    throw new UserError(`${name} "${shown}" must use https:`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

// ---- tokens -----------------------------------------------------------------------------------

/**
 * What a token's value holds that no token has, or undefined when it is printable ASCII without
 * spaces. An HTTP header cannot carry the rest (undici refuses it); the usual cause is a secret
 * saved with a line break. Callers name the variable, never the value.
 */
export function tokenProblem(token: string): string | undefined {
  if (/^[\x21-\x7e]+$/.test(token)) return undefined;
  if (/[\r\n]/.test(token)) return 'a line break';
  if (/\s/.test(token)) return 'whitespace';
  if (/[\x00-\x1f\x7f]/.test(token)) return 'a control character';
  return 'a character outside printable ASCII';
}

export const REDACTED = '[REDACTED]';

/**
 * A function that removes every token from a text: as given, URL-encoded and JSON-escaped (the
 * forms in which an error message or an echoed request could carry it). Applied to everything a
 * client reports, because undici's messages and causes are not trusted to be clean.
 */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so that a token containing another is removed whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, form) => out.split(form).join(REDACTED), text);
}

// ---- answers ----------------------------------------------------------------------------------

/** undici's response headers as one string each: names lower-case, repeated headers joined with ", ". */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** A bare number of seconds above this is an epoch timestamp (2001-09-09), not a delay. */
const EPOCH_SECONDS_FLOOR = 1e9;
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three forms of an HTTP date (RFC 9110, section 5.6.7), whitespace runs read as one space. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{1,2} ${MONTH} \\d{4} ${TIME} (?:gmt|utc|[+-]\\d{4})$`, 'i');
const RFC850_DATE = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} gmt$`, 'i');
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} \\d{1,2} ${TIME} \\d{4}$`, 'i');

/**
 * The clock time a "wait" header asks to wait until, or null when it is absent or unreadable:
 * `retry-after` (delay seconds or an HTTP date, RFC 9110) and the rate-limit reset headers
 * (Cloudflare's `x-ratelimit-reset` is an HTTP date, GitHub's and GitLab's are epoch seconds).
 * So: a bare number is seconds from `now`, or epoch seconds when it is that large; otherwise one of
 * the three HTTP date forms. Anything else, `-5` or `soon`, is unreadable (Date.parse alone would
 * take `-5` for a date in 2001).
 */
export function parseWaitUntil(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const text = value.trim().replace(/\s+/g, ' ');
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return seconds > EPOCH_SECONDS_FLOOR ? seconds * 1000 : now + seconds * 1000;
  }
  let date = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) date = Date.parse(text);
  // asctime names no zone; HTTP dates are always GMT, and Date.parse would read it as local time.
  else if (ASCTIME_DATE.test(text)) date = Date.parse(`${text} GMT`);
  return Number.isNaN(date) ? null : date;
}

// ---- clocks -----------------------------------------------------------------------------------

/** Time for retries and pacing, injected so that tests record waits instead of sleeping. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Wall-clock time: what a server's dates (`retry-after`, `x-ratelimit-reset`) are compared with. */
export const systemClock: Clock = { now: () => Date.now(), sleep };

/** Monotonic time, for spacing requests: a wall-clock step (NTP, a VM resumed) cannot bunch or stall them. */
export const monotonicClock: Clock = { now: () => performance.now(), sleep };
