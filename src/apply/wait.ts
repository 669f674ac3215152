// `apply --wait-for URL` (docs/commands.md, "Wait for the new build"): before anything is purged,
// poll URL until it answers 2xx and every `--expect` holds, so that the cache is not refilled with
// the old build. Polls every 5 s, each interval half as long again as the last, at most 30 s; the
// timeout counts from the first poll, and a last poll comes at the timeout itself. The request is
// a plain GET of the URL as given (redirects are not followed), sent over --connect-to when a rule
// takes its host, never with the API token. Clock and fetcher are injected (tests do not wait).
import type { Clock } from '../http/policy.js';
import { USER_AGENT } from '../http/policy.js';
import { printable } from '../format.js';
import type { ConnectTo } from '../verify/probe.js';
import { describeError, edgeClient } from '../verify/probe.js';
import type { Expectation, WaitAnswer } from './expect.js';
import { judgeAnswer } from './expect.js';

export interface WaitSettings {
  /** The URL as given (credentials in it are sent as Basic authorization, and never shown). */
  readonly url: string;
  readonly expectations: readonly Expectation[];
  readonly timeoutMs: number;
  readonly connectTo: readonly ConnectTo[];
}

export const FIRST_POLL_INTERVAL_MS = 5_000;
export const MAX_POLL_INTERVAL_MS = 30_000;
const INTERVAL_GROWTH = 1.5;
/** Each poll's own limit, body included. */
const POLL_TIMEOUT_MS = 15_000;
/** The body is read up to this many bytes: a version endpoint is small, a page's marker is near its top. */
const WAIT_BODY_LIMIT = 1 << 20;

/** One poll as reported: what came back, why it is not ready yet, and when the next one comes. */
export interface Poll {
  readonly poll: number;
  /** Since the first poll began. */
  readonly elapsedMs: number;
  readonly ready: boolean;
  readonly httpStatus?: number;
  readonly error?: string;
  readonly reasons: readonly string[];
  /** Until the next poll; absent when this was the last. */
  readonly nextInMs?: number;
}

export type WaitOutcome =
  | { readonly kind: 'ready'; readonly polls: number; readonly elapsedMs: number }
  | { readonly kind: 'timeout'; readonly polls: number; readonly elapsedMs: number; readonly last: readonly string[] }
  | { readonly kind: 'interrupted'; readonly polls: number };

export interface WaitFetcher {
  /** One GET; never throws: a failure comes back as `{error}` in a few words. */
  get(url: string, signal: AbortSignal): Promise<WaitAnswer | { readonly error: string }>;
  close(): Promise<void>;
}

export interface WaitDeps {
  readonly clock: Clock;
  readonly fetcher: WaitFetcher;
  readonly signal: AbortSignal;
  readonly onPoll: (poll: Poll) => void;
}

/** Polls until ready, the timeout, or Ctrl-C. */
export async function waitForBuild(settings: WaitSettings, deps: WaitDeps): Promise<WaitOutcome> {
  const { clock, fetcher, signal } = deps;
  const firstAt = clock.now();
  const deadline = firstAt + settings.timeoutMs;
  let interval = FIRST_POLL_INTERVAL_MS;
  for (let poll = 1; ; poll++) {
    if (signal.aborted) return { kind: 'interrupted', polls: poll - 1 };
    const startedAt = clock.now();
    const answer = await fetcher.get(settings.url, signal);
    if (signal.aborted) return { kind: 'interrupted', polls: poll };
    const verdict = 'error' in answer ? { ready: false, reasons: [`no answer (${answer.error})`] } : judgeAnswer(answer, settings.expectations);
    const now = clock.now();
    const seen = { poll, elapsedMs: now - firstAt, ready: verdict.ready, reasons: verdict.reasons, ...('error' in answer ? { error: answer.error } : { httpStatus: answer.status }) };
    if (verdict.ready) {
      deps.onPoll(seen);
      return { kind: 'ready', polls: poll, elapsedMs: now - firstAt };
    }
    if (now >= deadline) {
      deps.onPoll(seen);
      return { kind: 'timeout', polls: poll, elapsedMs: now - firstAt, last: verdict.reasons };
    }
    const nextAt = Math.min(startedAt + interval, deadline);
    deps.onPoll({ ...seen, nextInMs: Math.max(0, nextAt - now) });
    if (nextAt > now) await clock.sleep(nextAt - now, signal);
    interval = Math.min(MAX_POLL_INTERVAL_MS, interval * INTERVAL_GROWTH);
  }
}

/** The URL as it may be shown: without the credentials it may carry. */
export function shownUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return printable(parsed.href);
}

/** GETs over an Agent of their own (--connect-to), reading at most WAIT_BODY_LIMIT bytes of each body. */
export async function createWaitFetcher(connectTo: readonly ConnectTo[]): Promise<WaitFetcher> {
  const { dispatcher: agent, request } = await edgeClient({ connectTo, timeoutMs: POLL_TIMEOUT_MS, connections: 1 });
  return {
    async get(url, signal) {
      // A whole poll, body included, within POLL_TIMEOUT_MS: a server that trickles cannot hold the wait past its timeout.
      const tooLong = AbortSignal.timeout(POLL_TIMEOUT_MS);
      try {
        const { target, headers } = requestOf(url);
        const response = await request(target, { method: 'GET', headers, dispatcher: agent, signal: AbortSignal.any([signal, tooLong]) });
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response.body) {
          const bytes = chunk as Buffer;
          chunks.push(bytes);
          size += bytes.length;
          if (size >= WAIT_BODY_LIMIT) break;
        }
        const body = Buffer.concat(chunks).subarray(0, WAIT_BODY_LIMIT).toString('utf8');
        return { status: response.statusCode, headers: response.headers as WaitAnswer['headers'], body };
      } catch (error) {
        return { error: printable(signal.aborted ? 'interrupted' : tooLong.aborted ? 'timeout' : describeError(error)) };
      }
    },
    close: () => agent.close(),
  };
}

/** The request for URL: credentials written in it become a Basic authorization header. */
function requestOf(url: string): { target: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  const headers: Record<string, string> = { 'user-agent': `${USER_AGENT}-wait-for`, accept: '*/*' };
  if (parsed.username !== '' || parsed.password !== '') {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  return { target: parsed.href, headers };
}
