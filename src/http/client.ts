// The one HTTP client every API client is built on (Cloudflare's, Fastly's, CloudFront's): one undici
// keep-alive pool for the API origin, a deadline per exchange, answers as text, failures as data
// (`RawOutcome`), never as thrown undici errors. Every string that leaves it is scrubbed of the
// secrets it was given and made printable (docs/commands.md: a secret is never printed, logged or
// written; undici's messages and causes are not trusted to be clean).
import type { Pool } from 'undici';
import { printable } from '../format.js';
import { flattenHeaders, makeScrubber, USER_AGENT } from './policy.js';

/** Why no HTTP answer came back. `other` is anything not known to be transient (never retried). */
export type TransportReason = 'timeout' | 'reset' | 'refused' | 'network' | 'other';

/** One attempt's raw outcome: an answer (its text scrubbed of every secret), or no answer. */
export type RawOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Header names lower-case, values printable; repeated headers joined with ", ". */
      readonly headers: Readonly<Record<string, string>>;
      readonly text: string;
    }
  | { readonly kind: 'transport'; readonly reason: TransportReason; readonly message: string };

export interface RawRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, appended to the base URL's path as they are (already percent-encoded). */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export interface RawClient {
  /** The base URL requests go to (its path is the prefix of every target). */
  readonly baseUrl: URL;
  request(request: RawRequest): Promise<RawOutcome>;
  close(): Promise<void>;
}

export interface RawClientOptions {
  readonly connections: number;
  /** Per request: connect, headers and body must each arrive within it, and the whole exchange too. */
  readonly requestTimeoutMs: number;
  /** Every secret the run uses: scrubbed from everything this client reports. */
  readonly secrets: readonly string[];
  /** Answers longer than this are cut (default 1,000,000 characters: an error page, not an API answer). */
  readonly maxAnswerChars?: number;
}

/** Answers longer than this are cut (an error page, not an API answer): the API's answers are small. */
const MAX_ANSWER_CHARS = 1_000_000;

export async function createRawClient(baseUrl: URL, options: RawClientOptions): Promise<RawClient> {
  const { Pool: UndiciPool } = await import('undici');
  const timeout = options.requestTimeoutMs;
  const pool: Pool = new UndiciPool(baseUrl.origin, {
    connections: options.connections,
    keepAliveTimeout: 10_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: { timeout },
  });
  const scrub = makeScrubber(options.secrets);
  const maxAnswerChars = options.maxAnswerChars ?? MAX_ANSWER_CHARS;
  // The base URL's path prefixes every target, without its trailing slash.
  const basePath = baseUrl.pathname.replace(/\/+$/, '');

  async function request({ method, target, headers, body, signal }: RawRequest): Promise<RawOutcome> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeout);
    const cut = (): void => deadline.abort();
    if (signal?.aborted) cut();
    else signal?.addEventListener('abort', cut, { once: true });
    try {
      const response = await pool.request({
        origin: baseUrl.origin,
        path: basePath + target,
        method,
        headers: { 'user-agent': USER_AGENT, ...headers },
        body,
        signal: deadline.signal,
      });
      const text = (await response.body.text()).slice(0, maxAnswerChars);
      const flat = flattenHeaders(response.headers);
      return {
        kind: 'response',
        status: response.statusCode,
        headers: Object.fromEntries(Object.entries(flat).map(([name, value]) => [name, printable(scrub(value))])),
        text: scrub(text),
      };
    } catch (error) {
      if (signal?.aborted) return { kind: 'transport', reason: 'other', message: 'interrupted' };
      if (deadline.signal.aborted) return { kind: 'transport', reason: 'timeout', message: `no answer within ${timeout} ms` };
      return describeTransportError(error, scrub);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cut);
    }
  }

  return { baseUrl, request, close: () => pool.close() };
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const NETWORK_CODES = new Set(['EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN']);

/** Classifies an undici/Node error by its codes (the error and its causes), keeping only scrubbed text. */
export function describeTransportError(error: unknown, scrub: (text: string) => string): RawOutcome & { kind: 'transport' } {
  const codes: string[] = [];
  let firstMessage = '';
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const record = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof record.code === 'string') codes.push(record.code);
    if (firstMessage === '' && typeof record.message === 'string') firstMessage = record.message;
    current = record.cause;
  }
  if (firstMessage === '' && typeof error === 'string') firstMessage = error;
  const named = codes.length > 0 ? ` (${codes.join(', ')})` : '';
  if (codes.includes('ECONNREFUSED')) return { kind: 'transport', reason: 'refused', message: `connection refused${named}` };
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return { kind: 'transport', reason: 'timeout', message: `timed out${named}` };
  if (codes.some((c) => RESET_CODES.has(c))) return { kind: 'transport', reason: 'reset', message: `connection reset${named}` };
  if (codes.some((c) => NETWORK_CODES.has(c))) return { kind: 'transport', reason: 'network', message: `network unreachable${named}` };
  return { kind: 'transport', reason: 'other', message: printable(scrub(`${firstMessage || 'request failed'}${named}`)) };
}
