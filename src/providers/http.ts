// The HTTP client of the Fastly and CloudFront providers (docs/providers.md): one undici keep-alive
// pool for the API origin, answers as text, failures as data (`RawOutcome`), never as thrown undici
// errors. Every string that leaves it is scrubbed of the secrets it was given and made printable,
// as Cloudflare's client does (docs/commands.md: a secret is never printed, logged or written).
import type { Pool } from 'undici';
import { describeTransportError } from '../cloudflare/client.js';
import { printable } from '../format.js';
import { flattenHeaders, makeScrubber, USER_AGENT } from '../http/policy.js';
import type { RawOutcome } from './types.js';

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
      const text = (await response.body.text()).slice(0, MAX_ANSWER_CHARS);
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
