// HTTP for the forges' APIs (GitHub, GitLab): one undici Agent, JSON in and out, the token only ever
// sent to the API's own origin, and every string that leaves this module scrubbed of the token
// (spec §5, §12: the token is never printed).
import type { Agent } from 'undici';
import { isLoopbackHost } from '../cloudflare/client.js';
import { UserError } from '../errors.js';
import { printable } from '../format.js';

const TIMEOUT_MS = 30_000;
const RETRY_DELAYS_MS = [1_000, 2_000];
const RETRIED_STATUSES = [500, 502, 503, 504];
/** A rate limit asking for a longer wait than this is the forge's final word: a CI job should not sit for an hour. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
/** GitHub: "If you exceed a secondary rate limit … wait for at least one minute before retrying" when it gives no time. */
const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const REDACTED = '[REDACTED]';

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
}

/** The token in `variable`; a missing or empty one is an error naming the variable. */
export function requireToken(env: NodeJS.ProcessEnv, variable: string, hint: string): string {
  const token = env[variable];
  if (token === undefined || token === '') throw new UserError(`${variable} is ${token === undefined ? 'not set' : 'empty'}: no token to post the comment with`, { hint });
  // An HTTP header cannot carry it (undici would refuse it as "invalid authorization header"); the
  // usual cause is a secret saved with a line break. The token itself is never shown.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    const what = /[\r\n]/.test(token) ? 'a line break' : /\s/.test(token) ? 'whitespace' : /[\x00-\x1f\x7f]/.test(token) ? 'a control character' : 'a character outside printable ASCII';
    throw new UserError(`${variable} holds ${what}, which no token has: nothing was sent`, { hint: `save the secret again without it (${token.length} characters now)` });
  }
  return token;
}

/**
 * Parses an API base URL from the environment. `https:` always; `http:` only for a loopback host,
 * where the token does not travel in clear text over a network (as for apply, spec §4.2).
 */
export function parseForgeUrl(value: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${variable} "${value}" is not an absolute URL`);
  }
  if (url.username !== '' || url.password !== '') throw new UserError(`${variable} must not carry credentials (user:password@)`);
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  if (url.search !== '' || url.hash !== '') throw new UserError(`${variable} "${shown}" must not have a query string or fragment`);
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new UserError(`refusing plain http ${variable} "${shown}": the token would travel in clear text`, { hint: 'use https://, or http:// only with a loopback host (127.0.0.1, ::1, localhost)' });
    }
  } else if (url.protocol !== 'https:') {
    throw new UserError(`${variable} "${shown}" must use https:`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
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
  const secrets = [options.token, encodeURIComponent(options.token)].filter((s) => s.length > 0);
  const scrub = (text: string): string => secrets.reduce((clean, secret) => clean.split(secret).join(REDACTED), text);

  async function send(method: Method, url: URL, body?: unknown): Promise<Answer> {
    if (!options.origins.includes(url.origin)) {
      throw new ForgeError(`${options.forge} pointed to ${url.origin}, which is not its API's origin: not following it with the token`, 0);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await sendOnce(method, url, body);
      } catch (error) {
        const delay = retryDelay(error, method, attempt, Date.now());
        if (delay === null) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
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
          'user-agent': 'purgeplan',
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
  const retryAfter = (error.headers['retry-after'] ?? '').trim();
  if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1_000;
  if (retryAfter !== '' && !Number.isNaN(Date.parse(retryAfter))) return Math.max(0, Date.parse(retryAfter) - now);
  const reset = (error.headers['x-ratelimit-reset'] ?? error.headers['ratelimit-reset'] ?? '').trim();
  const remaining = error.headers['x-ratelimit-remaining'] ?? error.headers['ratelimit-remaining'];
  if (remaining === '0' && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1_000 - now) + 1_000;
  if (error.status === 429 || remaining === '0' || /secondary rate limit|rate limit exceeded/i.test(error.message)) return SECONDARY_RATE_LIMIT_WAIT_MS;
  return null;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
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
