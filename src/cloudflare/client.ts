// Cloudflare's API client, on the one HTTP client every API shares (http/client.ts): requests with
// the zone's token, answers read as Cloudflare's envelope (docs/commands.md#apply). Failures come
// back as data (`ApiOutcome`), and every string that leaves this module is scrubbed of the tokens
// it was given (docs/commands.md: a token is never printed, logged, written or put in an error).
// Every string Cloudflare answers (error messages, ids, a token's status, zone names, rule
// descriptions) is made printable here, once, so that no reader (the terminal, the journal,
// `--json` events) ever gets its control characters, ESC sequences or bidi overrides raw.
import { printable } from '../format.js';
import { createRawClient } from '../http/client.js';
import type { TransportReason } from '../http/client.js';
import { makeScrubber, parseApiBaseUrl } from '../http/policy.js';

/**
 * One `errors[]` entry of Cloudflare's envelope (docs/cloudflare.md); `error_chain` is folded into
 * the message. Other providers' errors share the shape, CloudFront's codes being names (docs/providers.md).
 */
export interface ApiError {
  readonly code: number | string;
  readonly message: string;
  /** GraphQL errors name the field they concern (`viewer`, `z0`, …: docs/coverage.md), made printable. */
  readonly path?: readonly string[];
}

export interface Envelope {
  readonly success: boolean;
  readonly errors: readonly ApiError[];
  readonly result: unknown;
  /**
   * GraphQL's `data` (docs/coverage.md), as parsed: its values are request paths and hosts that
   * coverage matches against the plan as they are, and escapes where it shows them.
   */
  readonly data?: unknown;
}

export { describeTransportError } from '../http/client.js';
export type { TransportReason };

export type ApiOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Header names lower-case; repeated headers joined with ", ". */
      readonly headers: Readonly<Record<string, string>>;
      /** null when the body is not a JSON object (a proxy's HTML error page, an empty body). */
      readonly envelope: Envelope | null;
    }
  | { readonly kind: 'transport'; readonly reason: TransportReason; readonly message: string };

export interface ApiClient {
  /** `path` is relative to the base URL, e.g. `/zones/ID/purge_cache`. */
  /** `signal` cuts the exchange short (the outcome is then a transport error the caller ignores). */
  request(method: 'GET' | 'POST', path: string, token: string, body?: unknown, signal?: AbortSignal): Promise<ApiOutcome>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Upper bound on open connections (the apply's concurrency). */
  readonly connections: number;
  /** Per request: connect, then headers, then body must each arrive within it, and the whole exchange too. */
  readonly requestTimeoutMs: number;
  /** Every token the run uses: scrubbed from everything this client reports. */
  readonly secrets: readonly string[];
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export { isLoopbackHost, makeScrubber } from '../http/policy.js';

/** Parses `--api-url` / `PURGEPLAN_API_URL` by the policy every client shares (http: only on loopback). */
export function parseApiUrl(apiUrl: string): URL {
  return parseApiBaseUrl(apiUrl, {
    name: 'API URL',
    notAbsoluteHint: 'use e.g. https://api.cloudflare.com/client/v4',
    credentialsHint: 'the token is read from the zone\'s token_env variable',
  });
}

export async function createClient(baseUrl: URL, options: ClientOptions): Promise<ApiClient> {
  // Cloudflare's answers are never cut: a zone's rulesets can be long, and a cut one would not parse.
  const raw = await createRawClient(baseUrl, { ...options, maxAnswerChars: Number.POSITIVE_INFINITY });
  const scrub = makeScrubber(options.secrets);

  async function request(method: 'GET' | 'POST', path: string, token: string, body?: unknown, signal?: AbortSignal): Promise<ApiOutcome> {
    const outcome = await raw.request({
      method,
      target: path,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    if (outcome.kind === 'transport') return outcome;
    return { kind: 'response', status: outcome.status, headers: outcome.headers, envelope: parseEnvelope(outcome.text, scrub) };
  }

  return { request, close: () => raw.close() };
}

/**
 * A parsed JSON value with every string in it (keys too) printable; numbers, booleans and null as
 * they are. Cloudflare's results are a few levels deep: anything nested past 64 is dropped (null).
 * Two exceptions, the text of a Cache Rule (Rulesets API) that `drift` and `import` read as it is
 * sent: its `expression` is program text (a line break is whitespace there, and positions count
 * lines) and its `description` becomes a profile name; both are shown only escaped.
 */
const READ_AS_SENT = new Set(['expression', 'description']);

function printableJson(value: unknown, depth = 0, key = ''): unknown {
  if (typeof value === 'string') return READ_AS_SENT.has(key) ? value : printable(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 64) return null;
  if (Array.isArray(value)) return value.map((item) => printableJson(item, depth + 1));
  // fromEntries defines own properties: a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [printable(name), printableJson(item, depth + 1, name)]));
}

/** Reads Cloudflare's `{success, errors, messages, result}` (docs/cloudflare.md) without trusting its shape. */
export function parseEnvelope(text: string, scrub: (text: string) => string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const errors = Array.isArray(record.errors) ? record.errors.map((e) => toApiError(e, scrub)) : [];
  return { success: record.success === true, errors, result: printableJson(record.result ?? null), ...('data' in record ? { data: record.data } : {}) };
}

function toApiError(value: unknown, scrub: (text: string) => string): ApiError {
  if (typeof value !== 'object' || value === null) return { code: 0, message: printable(scrub(String(value))) };
  const record = value as Record<string, unknown>;
  const code = typeof record.code === 'number' ? record.code : 0;
  let message = typeof record.message === 'string' ? record.message : '';
  // Header errors (6003) carry the real cause in error_chain (docs/cloudflare.md).
  if (Array.isArray(record.error_chain) && record.error_chain.length > 0) {
    const chain = record.error_chain.map((e) => toApiError(e, scrub)).map((e) => `${e.code}: ${e.message}`);
    message = `${message} (${chain.join('; ')})`;
  }
  const path = Array.isArray(record.path) ? { path: record.path.map((p) => printable(scrub(String(p)))) } : {};
  return { code, message: printable(scrub(message)), ...path };
}
