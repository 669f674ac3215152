// HTTP for the forges' APIs (GitHub, GitLab): one undici Agent, JSON in and out, the token only ever
// sent to the API's own origin, and every string that leaves this module scrubbed of the token
// (docs/commands.md, docs/ci.md: the token is never printed).
import type { Agent } from 'undici';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import type { Clock } from '../http/policy.js';
import { flattenHeaders, makeScrubber, parseApiBaseUrl, parseWaitUntil, systemClock, tokenProblem, USER_AGENT } from '../http/policy.js';

const TIMEOUT_MS = 30_000;
const RETRY_DELAYS_MS = [1_000, 2_000];
const RETRIED_STATUSES = [500, 502, 503, 504];
/** A rate limit asking for a longer wait than this is the forge's final word: a CI job should not sit for an hour. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** GitHub: "If you exceed a secondary rate limit … wait for at least one minute before retrying" when it gives no time. */
const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * A failed exchange: an HTTP answer other than 2xx (`status`), or none at all (`status` 0). Its
 * message quotes what the forge said, so it is made printable here, once, for every reader (the
 * terminal, a warning, a hint): a forge's message can carry ESC sequences, CR or bidi overrides.
 */
export class ForgeError extends Error {
  readonly status: number;
  /** Response headers, names lower-case (empty without an answer). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(message: string, status: number, headers: Readonly<Record<string, string>> = {}) {
    super(printable(message));
    this.name = 'ForgeError';
    this.status = status;
    this.headers = headers;
  }
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly json: unknown;
}

export interface ForgeHttp {
  /** Sends to `url` (which must be on an allowed origin); throws ForgeError unless the answer is 2xx. */
  send(method: Method, url: URL, body?: unknown): Promise<Answer>;
  scrub(text: string): string;
  close(): Promise<void>;
}

export interface ForgeHttpOptions {
  /** GitHub, GitLab: names the forge in messages. */
  readonly forge: string;
  /** Headers sent with every request, the token's among them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly token: string;
  /** The only origins the token is sent to. */
  readonly origins: readonly string[];
  /** Reads the forge's error message out of an error answer's JSON. */
  readonly errorMessage: (json: unknown) => string | undefined;
  /** Times the waits between attempts (the system clock unless given, so a test can record them instead). */
  readonly clock?: Clock;
}

/** The token in `variable`; a missing or empty one is an error naming the variable. */
export function requireToken(env: NodeJS.ProcessEnv, variable: string, hint: string): string {
  const token = env[variable];
  if (token === undefined || token === '') throw new UserError(`${variable} is ${token === undefined ? 'not set' : 'empty'}: no token to post the comment with`, { hint });
  // The token itself is never shown, only what is wrong with it.
  const problem = tokenProblem(token);
  if (problem !== undefined) {
    throw new UserError(`${variable} holds ${problem}, which no token has: nothing was sent`, { hint: `save the secret again without it (${token.length} characters now)` });
  }
  return token;
}

/** Parses an API base URL from the environment, by the policy every client shares (http: only on loopback). */
export function parseForgeUrl(value: string, variable: string): URL {
  return parseApiBaseUrl(value, { name: variable });
}

/** `base` + `path` (+ query), keeping the base's own path (GitHub Enterprise's /api/v3, GitLab's /api/v4). */
export function apiUrl(base: URL, path: string, query: Readonly<Record<string, string>> = {}): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}

export async function createForgeHttp(options: ForgeHttpOptions): Promise<ForgeHttp> {
  // Lazy: only the commands that talk to a forge load undici (house style, habit 7).
  const { Agent: UndiciAgent } = await import('undici');
  const agent: Agent = new UndiciAgent({ keepAliveTimeout: 5_000, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, connect: { timeout: TIMEOUT_MS } });
  const scrub = makeScrubber([options.token]);
  const clock = options.clock ?? systemClock;

  async function send(method: Method, url: URL, body?: unknown): Promise<Answer> {
    if (!options.origins.includes(url.origin)) {
      throw new ForgeError(`${options.forge} pointed to ${url.origin}, which is not its API's origin: not following it with the token`, 0);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await sendOnce(method, url, body);
      } catch (error) {
        const delay = retryDelay(error, method, attempt, clock.now());
        if (delay === null) throw error;
        await clock.sleep(delay);
      }
    }
  }

  async function sendOnce(method: Method, url: URL, body?: unknown): Promise<Answer> {
    const where = `${method} ${url.pathname}`;
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const response = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: {
          ...options.headers,
          'user-agent': USER_AGENT,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = response.statusCode;
      headers = flattenHeaders(response.headers);
      text = await response.body.text();
    } catch (error) {
      const reason = error instanceof Error ? `${error.message}${(error as NodeJS.ErrnoException).code ? ` (${(error as NodeJS.ErrnoException).code})` : ''}` : String(error);
      throw new ForgeError(scrub(`${options.forge} did not answer ${where}: ${reason}`), 0);
    }
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    if (status < 200 || status > 299) {
      const said = options.errorMessage(json) ?? (text.replace(/\s+/g, ' ').trim().slice(0, 200) || 'no message');
      throw new ForgeError(scrub(`${options.forge} answered ${status} to ${where}: ${said}`), status, headers);
    }
    return { status, headers, json };
  }

  return { send, scrub, close: () => agent.close() };
}

/**
 * When to send a request again, in milliseconds, or null to stop; the first matching line decides:
 * - not a ForgeError (a bug)                      -> never
 * - two retries done                              -> stop
 * - rate limited (429, or 403 with Retry-After, x-ratelimit-remaining 0 or "secondary rate limit"):
 *   the request was refused, not carried out, so any method is sent again after the time asked
 *   (Retry-After, else until x-ratelimit-reset, else a minute), unless that is over a minute
 * - POST                                          -> never: it could post twice
 * - no answer, or 500, 502, 503, 504              -> 1 s, then 2 s
 * - anything else                                 -> the forge's final word
 */
export function retryDelay(error: unknown, method: Method, attempt: number, now: number): number | null {
  if (!(error instanceof ForgeError)) return null;
  if (attempt >= RETRY_DELAYS_MS.length) return null;
  const wait = rateLimitWait(error, now);
  if (wait !== null) return wait <= MAX_RATE_LIMIT_WAIT_MS ? wait : null;
  if (method === 'POST') return null;
  if (error.status === 0 || RETRIED_STATUSES.includes(error.status)) return RETRY_DELAYS_MS[attempt]!;
  return null;
}

/** How long a rate-limited answer asks to wait (ms), or null when the answer is not a rate limit. */
export function rateLimitWait(error: ForgeError, now: number): number | null {
  if (error.status !== 403 && error.status !== 429) return null;
  const retryAfter = parseWaitUntil(error.headers['retry-after'], now);
  if (retryAfter !== null) return Math.max(0, retryAfter - now);
  const reset = parseWaitUntil(error.headers['x-ratelimit-reset'] ?? error.headers['ratelimit-reset'], now);
  const remaining = error.headers['x-ratelimit-remaining'] ?? error.headers['ratelimit-remaining'];
  // A second more than the reset: the forge's clock and ours are not the same clock.
  if (remaining === '0' && reset !== null) return Math.max(0, reset - now) + 1_000;
  if (error.status === 429 || remaining === '0' || /secondary rate limit|rate limit exceeded/i.test(error.message)) return SECONDARY_RATE_LIMIT_WAIT_MS;
  return null;
}

/** The `rel="next"` target of a Link header (RFC 8288), or null. */
export function nextLink(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2]!)) return match[1]!;
  }
  return null;
}
