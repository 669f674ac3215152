// HTTP for the forges' APIs (GitHub, GitLab): one undici Agent, JSON in and out, the token only ever
// sent to the API's own origin, and every string that leaves this module scrubbed of the token
// (spec §5, §12: the token is never printed).
import type { Agent } from 'undici';
import { isLoopbackHost } from '../cloudflare/client.js';
import { UserError } from '../errors.js';

const TIMEOUT_MS = 30_000;
const RETRY_DELAYS_MS = [1_000, 2_000];
const RETRIED_STATUSES = [502, 503, 504];

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const REDACTED = '[REDACTED]';

/** A failed exchange: an HTTP answer other than 2xx (`status`), or none at all (`status` 0). */
export class ForgeError extends Error {
  readonly status: number;
  /** Response headers, names lower-case (empty without an answer). */
  readonly headers: Readonly<Record<string, string>>;
  constructor(message: string, status: number, headers: Readonly<Record<string, string>> = {}) {
    super(message);
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

  /**
   * Retries: a request that can be repeated without effect (not POST, which could post twice) is
   * sent again after a gateway error (502, 503, 504) or no answer, at most twice, 1 s then 2 s
   * later. Everything else is the forge's final word.
   */
  async function send(method: Method, url: URL, body?: unknown): Promise<Answer> {
    if (!options.origins.includes(url.origin)) {
      throw new ForgeError(`${options.forge} pointed to ${url.origin}, which is not its API's origin: not following it with the token`, 0);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await sendOnce(method, url, body);
      } catch (error) {
        const transient = error instanceof ForgeError && (error.status === 0 || RETRIED_STATUSES.includes(error.status));
        if (!transient || method === 'POST' || attempt >= RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
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
      const said = options.errorMessage(json) ?? (text.trim().slice(0, 200) || 'no message');
      throw new ForgeError(scrub(`${options.forge} answered ${status} to ${where}: ${said}`), status, headers);
    }
    return { status, headers, json };
  }

  return { send, scrub, close: () => agent.close() };
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
