/**
 * A stand-in for the parts of Cloudflare's v4 API that purgeplan talks to, for tests.
 *
 * It listens on 127.0.0.1 (port 0) under the base path `/client/v4` and implements:
 *   GET  /user/tokens/verify
 *   GET  /accounts/{account_id}/tokens/verify
 *   GET  /zones?name=…
 *   GET  /zones/{zone_id}                    (zone details: apply's identity check)
 *   POST /zones/{zone_id}/purge_cache
 *   POST /zones/{zone_id}/invalidate_cache   (same bodies, limits and rate budget: docs/cloudflare.md)
 *   GET  /zones/{zone_id}/rulesets/phases/{phase}/entrypoint   (Cache Rules, for drift/import)
 *
 * Facts come from docs/cloudflare.md and Cloudflare's public docs. Where Cloudflare's
 * behaviour is undocumented the choice made here is marked "ASSUMPTION". The limit table is a
 * deliberate, independent copy of (docs/purge-yaml.md) (it does NOT import src/cloudflare/limits.ts) so that
 * the stand-in can act as an oracle for the client's pacing.
 *
 * Only Node built-ins are used.
 */
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// Public API (shape agreed with the apply client's end-to-end tests; keep it stable)
// ---------------------------------------------------------------------------------------------

export type StandinPlan = 'free' | 'pro' | 'business' | 'enterprise';
export interface StandinZone { id: string; name: string; plan: StandinPlan; account_id: string }
export type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number; rateLimitReset?: string; errors?: { code: number; message: string }[] }
  | { kind: 'reset' }                 // destroy the socket without any answer (connection reset)
  | { kind: 'delay'; ms: number };    // answer normally (or per limits) after waiting ms
export interface FaultContext { seq: number; method: string; path: string; zoneId?: string; body?: unknown; purgeSeq?: number }
export interface StandinOptions {
  tokens?: string[];                                       // valid user-owned tokens; default ['test-token']
  accountTokens?: { token: string; account_id: string }[]; // account-owned tokens: refused by /user/tokens/verify, valid at /accounts/{id}/tokens/verify and for purges
  zones?: StandinZone[];                                   // default: one zone { id: '023e105f4ecef8ad9ca31a8372d0c353', name: 'example.com', plan: 'free', account_id: 'acc1' }
  enforceLimits?: boolean;                                 // default true
  fault?: (ctx: FaultContext) => Fault | undefined;        // consulted for every request before normal handling
  rateLimitHeaders?: boolean;                              // send x-ratelimit-limit/-remaining/-reset on purge answers; default false
  // ---- additions (all optional) ----
  /** Override parts of the limit table per plan (e.g. a tiny bucket for a fast test). Default: STANDIN_LIMITS. */
  limits?: Partial<Record<StandinPlan, Partial<StandinPlanLimits>>>;
  /**
   * Require lower-case header names in `files[].headers` (default true). Cloudflare itself
   * accepts mixed case (its own examples send "CF-IPCountry"); purgeplan promises lower-case
   * names (docs/purge-yaml.md), so the stand-in is stricter by default to catch regressions.
   */
  lowercaseHeaderNames?: boolean;
  /**
   * Entry-point rulesets by zone id, then phase (e.g. `http_request_cache_settings`): the `result`
   * object the rulesets API returns (docs/cloudflare.md; shaped like the SDKs' types). A
   * zone without one answers 404 with code 10003, as Cloudflare does for a phase without rules.
   */
  rulesets?: Record<string, Record<string, unknown>>;
  /** Tokens allowed to read rulesets (Zone > Cache Rules > Read); default: every valid token. Others get 403. */
  rulesetReaders?: string[];
  /**
   * Tokens allowed to read zone details (`GET /zones/{id}`, Zone > Zone > Read); default: every
   * valid token. Others get 403 9109, as a token that may purge but not read zones does.
   */
  zoneReaders?: string[];
  /**
   * Makes every `GET /zones/{id}` answer this status, whatever the token: 403 (9109, a token
   * without Zone Read), 404 (1001 "Invalid zone identifier") or 500 (an outage). Checked after auth.
   */
  zoneRead?: 403 | 404 | 500;
  /**
   * The stand-in's time (test/support/clock.ts): its limits, `at` stamps and HTTP dates read
   * `now()` (ms since the epoch), and its delay faults wait on `sleep` when there is one. Default:
   * the machine's clocks and timers.
   */
  clock?: StandinClock;
}
export interface StandinClock {
  now(): number;
  sleep?(ms: number): Promise<void>;
}
export interface AcceptedPurge {
  seq: number; zoneId: string; body: any; at: number; id: string;   // at = ms since the stand-in started
  /** Which endpoint accepted it: purge_cache deletes, invalidate_cache marks stale (docs/cloudflare.md). */
  endpoint: 'purge_cache' | 'invalidate_cache';
  action: 'purge' | 'invalidate';
}
export interface LoggedRequest { seq: number; method: string; path: string; status: number | 'reset'; at: number; authorization: string | undefined }
/*
 * Notes on the agreed shapes:
 * - FaultContext.path and LoggedRequest.path are the raw request target, query included
 *   (e.g. "/client/v4/zones?name=example.com"). FaultContext.body is the parsed JSON, or the raw
 *   text when the body is not JSON; it is absent when the request had no body.
 * - A log entry is pushed when the request is answered (or reset), so a delayed request appears
 *   after later ones that overtook it; `seq` is always the arrival order, `at` the answer time.
 *   `authorization` is the raw header as received (test-side only; never sent back).
 * - A `delay` fault is handled normally after the wait, so a successful delayed purge IS
 *   recorded in `accepted` (the client may have timed out meanwhile, as with the real API);
 *   `status` and `reset` faults never are.
 */
export interface Standin {
  url: string;                 // base URL, e.g. http://127.0.0.1:PORT/client/v4
  accepted: AcceptedPurge[];   // every purge and invalidation that succeeded, in order (see `endpoint`)
  log: LoggedRequest[];        // every request received
  rateLimited: number;         // how many 429s it answered because of its own limits (not injected faults)
  connections: number;         // TCP connections accepted so far
  close(): Promise<void>;      // closes the server and all sockets
  /** TCP connections open now, server side (close() destroys every one at once). */
  readonly openSockets: number;
  // ---- additions ----
  /** ms since the stand-in started (same clock as `accepted[].at` and `log[].at`). */
  elapsed(): number;
  /** Refill every token bucket and empty every URL window (the request counters are kept). */
  resetLimits(): void;
  /**
   * Calls `listener` with every purge the stand-in accepts, as it accepts it (the edge stand-in
   * evicts by it). Returns a function that removes the listener.
   */
  onPurge(listener: (purge: AcceptedPurge) => void): () => void;
}

/** One plan's purge limits (docs/cloudflare.md, current table, 2025-04 onward). */
export interface StandinPlanLimits {
  /** Token refill rate for hosts/prefixes/tags/purge_everything requests, tokens per second. */
  requestsPerSecond: number;
  /** Token bucket capacity. */
  bucketSize: number;
  /** Single-file purge: URLs per (moving) second. */
  urlsPerSecond: number;
  /** Max `files` entries in one request. */
  maxFilesPerRequest: number;
  /** Max `hosts` / `prefixes` / `tags` entries in one request. */
  maxItemsPerRequest: number;
}

/**
 * Independent copy of docs/cloudflare.md. Per account, shared by all zones of that
 * account on the same plan. Files per request: the current table says 100 off Enterprise
 * (older sources say 30, docs/purge-yaml.md; a test can lower it with `options.limits`).
 */
export const STANDIN_LIMITS: Readonly<Record<StandinPlan, Readonly<StandinPlanLimits>>> = Object.freeze({
  free:       Object.freeze({ requestsPerSecond: 5 / 60, bucketSize: 25,  urlsPerSecond: 800,  maxFilesPerRequest: 100, maxItemsPerRequest: 100 }),
  pro:        Object.freeze({ requestsPerSecond: 5,      bucketSize: 25,  urlsPerSecond: 1500, maxFilesPerRequest: 100, maxItemsPerRequest: 100 }),
  business:   Object.freeze({ requestsPerSecond: 10,     bucketSize: 50,  urlsPerSecond: 1500, maxFilesPerRequest: 100, maxItemsPerRequest: 100 }),
  enterprise: Object.freeze({ requestsPerSecond: 50,     bucketSize: 500, urlsPerSecond: 3000, maxFilesPerRequest: 500, maxItemsPerRequest: 100 }),
});

export const DEFAULT_TOKEN = 'test-token';
export const DEFAULT_ZONE: Readonly<StandinZone> = Object.freeze({
  id: '023e105f4ecef8ad9ca31a8372d0c353', name: 'example.com', plan: 'free', account_id: 'acc1',
});

/** The 1-second moving window used for single-file purges, in ms. */
export const URL_WINDOW_MS = 1000;

/**
 * Error codes and messages the stand-in answers with. The ones marked [observed] are quoted in
 * docs/cloudflare.md; the others are ASSUMPTIONS (Cloudflare does not document them).
 */
export const STANDIN_ERRORS = Object.freeze({
  /** [observed] 400: missing / ill-formed Authorization header (outer error). */
  invalidHeaders: { code: 6003, message: 'Invalid request headers' },
  /** [observed] error_chain entry under 6003. */
  invalidAuthFormat: { code: 6111, message: 'Invalid format for Authorization header' },
  /** [observed] 403: token unknown, out of scope, or zone not reachable with it. */
  authentication: { code: 10000, message: 'Authentication error' },
  /** [observed] 401 at the verify endpoints for an unknown token. */
  invalidToken: { code: 1000, message: 'Invalid API Token' },
  /** ASSUMPTION (code from the observed 403 "Unauthorized…" reports, docs/purge-yaml.md): 403 from /user/tokens/verify for an account-owned token. */
  unauthorized: { code: 9109, message: 'Unauthorized to access requested resource' },
  /** [observed] 400: body without exactly one purge type, file object without url, non-JSON body. */
  purgeBody: { code: 1012, message: 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"' },
  /** [observed, 2018 text extended with "prefixes"] 400: a purge list that is not an array. */
  notArray: { code: 1014, message: '"files", "tags", "hosts" or "prefixes" must be an array' },
  /** ASSUMPTION 400: too many items in one request (the real text was not captured, docs/purge-yaml.md). */
  tooMany: 1015,
  /** ASSUMPTION code; [observed] message shape "Unable to purge<url>, which is an invalid URL." (we add the space). */
  invalidUrl: 1016,
  /** ASSUMPTION 400: bad `files[].headers`. */
  invalidHeader: 1017,
  /** ASSUMPTION 400: bad host. */
  invalidHost: 1018,
  /** ASSUMPTION 400: bad prefix. */
  invalidPrefix: 1019,
  /** ASSUMPTION 400: bad tag. */
  invalidTag: 1020,
  /** ASSUMPTION 400: body is not valid JSON (code used by other Cloudflare v4 endpoints). */
  malformedJson: { code: 6007, message: 'Malformed JSON in request body' },
  /** ASSUMPTION 429: the purge limiter's rejection (status, code and text are undocumented, docs/purge-yaml.md). */
  rateLimited: { code: 1134, message: 'Rate limit exceeded for cache purge' },
  /** [observed] 404 for a phase without an entry-point ruleset (docs/cloudflare.md); the phase is appended. */
  noEntrypoint: { code: 10003, message: 'could not find entrypoint ruleset in the' },
  /** [observed] 404: unknown path. */
  noRoute: { code: 7000, message: 'No route for that URI' },
  /** [observed shape] 400: a zone id that is not an identifier. */
  badIdentifier: 7003,
  /** ASSUMPTION 405: known path, wrong method. */
  methodNotAllowed: { code: 10405, message: 'Method not allowed' },
  /** ASSUMPTION 413: request body above 8 MiB. */
  tooLarge: { code: 10413, message: 'Request entity too large' },
});

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const BASE_PATH = '/client/v4';
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const PURGE_KEYS = ['purge_everything', 'files', 'hosts', 'prefixes', 'tags'] as const;
type PurgeKey = (typeof PURGE_KEYS)[number];

interface CfError { code: number; message: string; error_chain?: CfError[] }
interface Answer { status: number; body: unknown; headers?: Record<string, string> }

const HOST_RE = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TAG_RE = /^[\x21-\x2b\x2d-\x7e]+$/;           // printable ASCII, no space (0x20), no comma (0x2c)
const CTL_OR_SPACE_RE = /[\s\x00-\x1f\x7f]/;
const ZONE_ID_RE = /^[0-9a-f]{32}$/;

function envelopeOk(result: unknown, extra?: Record<string, unknown>, messages: unknown[] = []): unknown {
  return { success: true, errors: [], messages, result, ...extra };
}
function envelopeErr(errors: CfError[]): unknown {
  return { success: false, errors, messages: [], result: null };
}
function fail(status: number, code: number, message: string, headers?: Record<string, string>): Answer {
  return { status, body: envelopeErr([{ code, message }]), headers };
}
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Token id reported by the verify endpoints: derived from the token, never the token itself. */
function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}
function httpDate(now: number, msFromNow: number): string {
  return new Date(now + Math.max(0, msFromNow)).toUTCString();
}
function ceilSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000 - 1e-9));
}

interface Bucket { tokens: number; last: number }
interface WindowEntry { at: number; n: number }
type LimitVerdict =
  | { ok: true; limit: number; remaining: number; resetMs: number }
  | { ok: false; limit: number; waitMs: number };

class StandinServer implements Standin {
  url = '';
  readonly accepted: AcceptedPurge[] = [];
  readonly log: LoggedRequest[] = [];
  private _rateLimited = 0;
  private _connections = 0;
  private seq = 0;
  private purgeSeq = 0;
  private closed = false;
  private readonly clock: StandinClock | undefined;
  private readonly t0: number;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout | undefined; resolve: () => void }>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows = new Map<string, WindowEntry[]>();
  private readonly userTokens: Set<string>;
  private readonly accountTokens: Map<string, string>;
  private readonly zones: StandinZone[];
  private readonly enforceLimits: boolean;
  private readonly rateLimitHeaders: boolean;
  private readonly lowercaseHeaderNames: boolean;
  private readonly limits: Record<StandinPlan, StandinPlanLimits>;
  private readonly fault: StandinOptions['fault'];
  private readonly rulesets: Record<string, Record<string, unknown>>;
  private readonly rulesetReaders: Set<string> | null;
  private readonly zoneReaders: Set<string> | null;
  private readonly zoneRead: StandinOptions['zoneRead'];
  private readonly purgeListeners = new Set<(purge: AcceptedPurge) => void>();

  get rateLimited(): number { return this._rateLimited; }
  get connections(): number { return this._connections; }
  get openSockets(): number { return [...this.sockets].filter((socket) => !socket.destroyed).length; }

  constructor(options: StandinOptions) {
    this.clock = options.clock;
    this.t0 = this.clock ? this.clock.now() : performance.now();
    this.userTokens = new Set(options.tokens ?? [DEFAULT_TOKEN]);
    this.accountTokens = new Map((options.accountTokens ?? []).map((t) => [t.token, t.account_id]));
    this.zones = (options.zones ?? [DEFAULT_ZONE]).map((z) => ({ ...z }));
    for (const z of this.zones) {
      if (!(z.plan in STANDIN_LIMITS)) throw new Error(`stand-in: zone ${z.id} has unknown plan ${String(z.plan)}`);
    }
    const ids = new Set<string>();
    for (const z of this.zones) {
      if (ids.has(z.id)) throw new Error(`stand-in: duplicate zone id ${z.id}`);
      ids.add(z.id);
    }
    this.enforceLimits = options.enforceLimits ?? true;
    this.rateLimitHeaders = options.rateLimitHeaders ?? false;
    this.lowercaseHeaderNames = options.lowercaseHeaderNames ?? true;
    this.fault = options.fault;
    this.rulesets = options.rulesets ?? {};
    this.rulesetReaders = options.rulesetReaders ? new Set(options.rulesetReaders) : null;
    this.zoneReaders = options.zoneReaders ? new Set(options.zoneReaders) : null;
    this.zoneRead = options.zoneRead;
    const limits = {} as Record<StandinPlan, StandinPlanLimits>;
    for (const plan of Object.keys(STANDIN_LIMITS) as StandinPlan[]) {
      limits[plan] = { ...STANDIN_LIMITS[plan], ...(options.limits?.[plan] ?? {}) };
    }
    this.limits = limits;

    this.server = createServer((req, res) => { void this.onRequest(req, res); });
    this.server.keepAliveTimeout = 10_000;
    this.server.on('connection', (socket: Socket) => {
      this._connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        const { port } = this.server.address() as AddressInfo;
        this.url = `http://127.0.0.1:${port}${BASE_PATH}`;
        resolve();
      });
    });
  }

  elapsed(): number { return (this.clock ? this.clock.now() : performance.now()) - this.t0; }

  /** Now, in ms since the epoch (for HTTP dates). */
  private wallNow(): number { return this.clock ? this.clock.now() : Date.now(); }

  resetLimits(): void {
    this.buckets.clear();
    this.windows.clear();
  }

  onPurge(listener: (purge: AcceptedPurge) => void): () => void {
    this.purgeListeners.add(listener);
    return () => { this.purgeListeners.delete(listener); };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const s of this.sleepers) { clearTimeout(s.timer); s.resolve(); }
    this.sleepers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** Resolves after `ms` on the stand-in's clock, or at once when the stand-in closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: undefined as NodeJS.Timeout | undefined, resolve };
      const wake = () => { this.sleepers.delete(entry); resolve(); };
      if (this.clock?.sleep) void this.clock.sleep(ms).then(wake);
      else entry.timer = setTimeout(wake, Math.max(0, ms));
      this.sleepers.add(entry);
    });
  }

  // ---- request plumbing ---------------------------------------------------------------------

  private readBody(req: IncomingMessage): Promise<{ raw: Buffer; tooLarge: boolean }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) tooLarge = true; else chunks.push(c);
      });
      req.on('end', () => resolve({ raw: Buffer.concat(chunks), tooLarge }));
      req.on('error', () => resolve({ raw: Buffer.concat(chunks), tooLarge }));
      req.on('close', () => resolve({ raw: Buffer.concat(chunks), tooLarge }));
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++this.seq;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const authorization = req.headers.authorization;
    const { raw, tooLarge } = await this.readBody(req);
    if (this.closed) return;

    const route = parseRoute(path);
    const isPurge = route.kind === 'purge';
    const purgeSeq = isPurge ? ++this.purgeSeq : undefined;
    let body: unknown;
    let bodyParsed = false;
    if (raw.length > 0) {
      try { body = JSON.parse(raw.toString('utf8')); bodyParsed = true; } catch { body = raw.toString('utf8'); }
    }

    let fault: Fault | undefined;
    if (this.fault) {
      try {
        fault = this.fault({
          seq, method, path,
          ...(route.zoneId !== undefined ? { zoneId: route.zoneId } : {}),
          ...(raw.length > 0 ? { body } : {}),
          ...(purgeSeq !== undefined ? { purgeSeq } : {}),
        });
      } catch (e) {
        this.answer(res, seq, method, path, authorization,
          fail(500, 10500, `stand-in fault hook threw: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
    }

    if (fault?.kind === 'reset') {
      this.log.push({ seq, method, path, status: 'reset', at: this.elapsed(), authorization });
      const socket = req.socket;
      // resetAndDestroy sends a TCP RST (client sees ECONNRESET); fall back to a plain destroy.
      const s = socket as Socket & { resetAndDestroy?: () => void };
      if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy(); else socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.rateLimitReset !== undefined) headers['x-ratelimit-reset'] = fault.rateLimitReset;
      const errors = fault.errors ?? defaultFaultErrors(fault.status);
      const ok = fault.status >= 200 && fault.status < 300;
      this.answer(res, seq, method, path, authorization, {
        status: fault.status,
        body: ok ? envelopeOk(null) : envelopeErr(errors),
        headers,
      });
      return;
    }
    if (fault?.kind === 'delay') {
      await this.sleep(fault.ms);
      if (this.closed) return;
    }

    let answer: Answer;
    if (tooLarge) {
      answer = fail(413, STANDIN_ERRORS.tooLarge.code, STANDIN_ERRORS.tooLarge.message);
    } else {
      answer = this.handle(route, method, req, seq, body, bodyParsed, raw.length);
    }
    this.answer(res, seq, method, path, authorization, answer);
  }

  private answer(res: ServerResponse, seq: number, method: string, path: string,
                 authorization: string | undefined, a: Answer): void {
    this.log.push({ seq, method, path, status: a.status, at: this.elapsed(), authorization });
    if (res.destroyed || res.writableEnded) return;
    const payload = Buffer.from(JSON.stringify(a.body));
    res.statusCode = a.status;
    res.statusMessage = STATUS_CODES[a.status] ?? 'Unknown';
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', payload.length);
    res.setHeader('cf-ray', `${randomBytes(8).toString('hex')}-STANDIN`);
    for (const [k, v] of Object.entries(a.headers ?? {})) res.setHeader(k, v);
    res.end(payload);
  }

  // ---- routing and auth --------------------------------------------------------------------

  private handle(route: Route, method: string, req: IncomingMessage, seq: number,
                 body: unknown, bodyParsed: boolean, rawLength: number): Answer {
    if (route.kind === 'none') return fail(404, STANDIN_ERRORS.noRoute.code, STANDIN_ERRORS.noRoute.message);
    const expected = route.kind === 'purge' ? 'POST' : 'GET';
    if (method !== expected) {
      return { ...fail(405, STANDIN_ERRORS.methodNotAllowed.code, STANDIN_ERRORS.methodNotAllowed.message), headers: { allow: expected } };
    }

    // Auth. Only "Bearer <token>" (capital B, one space, no whitespace in the token) is
    // well-formed: a 2020 report had lower-case "bearer" refused (docs/commands.md). The legacy
    // X-Auth-Email/X-Auth-Key scheme is not supported by the stand-in.
    const token = parseBearer(req.headers.authorization);
    if (token === undefined) {
      return {
        status: 400,
        body: envelopeErr([{ ...STANDIN_ERRORS.invalidHeaders, error_chain: [{ ...STANDIN_ERRORS.invalidAuthFormat }] }]),
      };
    }
    const isUser = this.userTokens.has(token);
    const accountOf = this.accountTokens.get(token);

    switch (route.kind) {
      case 'userVerify': {
        if (isUser) return this.verified(token);
        // [observed] account-owned tokens get 403 here (docs/commands.md); the code is an ASSUMPTION.
        if (accountOf !== undefined) return fail(403, STANDIN_ERRORS.unauthorized.code, STANDIN_ERRORS.unauthorized.message);
        return fail(401, STANDIN_ERRORS.invalidToken.code, STANDIN_ERRORS.invalidToken.message);
      }
      case 'accountVerify': {
        if (accountOf !== undefined && accountOf === route.accountId) return this.verified(token);
        // ASSUMPTION: a user token, or another account's token, is "invalid" for this account.
        return fail(401, STANDIN_ERRORS.invalidToken.code, STANDIN_ERRORS.invalidToken.message);
      }
      case 'zones': {
        if (!isUser && accountOf === undefined) return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
        return this.listZones(route.query, accountOf);
      }
      case 'purge': {
        if (!isUser && accountOf === undefined) return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
        const zone = this.zones.find((z) => z.id === route.zoneId);
        if (!zone) {
          // Not an identifier at all → 400 7003 "Could not route…" [observed shape]; a well-formed
          // id we do not know → 403 10000, as tokens see for a wrong zone id [observed, docs/purge-yaml.md].
            if (!ZONE_ID_RE.test(route.zoneId)) {
            return fail(400, STANDIN_ERRORS.badIdentifier,
              `Could not route to /zones/${route.zoneId}/${route.endpoint}, perhaps your object identifier is invalid?`);
          }
          return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
        }
        // An account-owned token only reaches its own account's zones (user tokens reach all).
        if (!isUser && accountOf !== zone.account_id) {
          return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
        }
        return this.purge(zone, route.endpoint, req, seq, body, bodyParsed, rawLength);
      }
      case 'zone': return this.zoneDetails(route.zoneId, token, isUser, accountOf);
      case 'ruleset': {
        if (!isUser && accountOf === undefined) return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
        const zone = this.zones.find((z) => z.id === route.zoneId);
        if (!zone || (!isUser && accountOf !== zone.account_id) || (this.rulesetReaders !== null && !this.rulesetReaders.has(token))) {
          return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
        }
        const ruleset = this.rulesets[zone.id]?.[route.phase];
        // [observed for another phase] 404, 10003, result null (docs/cloudflare.md).
        if (ruleset === undefined) return fail(404, STANDIN_ERRORS.noEntrypoint.code, `${STANDIN_ERRORS.noEntrypoint.message} ${route.phase} phase`);
        return { status: 200, body: envelopeOk(ruleset) };
      }
    }
  }

  /**
   * `GET /zones/{zone_id}` (Zone Details): the zone object in the envelope. A well-formed id the
   * token cannot reach gets 403 10000, as purges do; a token without Zone Read gets 403 9109
   * "Unauthorized to access requested resource" (ASSUMPTION: the code commonly reported, docs/purge-yaml.md).
   */
  private zoneDetails(zoneId: string, token: string, isUser: boolean, accountOf: string | undefined): Answer {
    if (!isUser && accountOf === undefined) return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
    if (this.zoneRead === 403 || (this.zoneReaders !== null && !this.zoneReaders.has(token))) {
      return fail(403, STANDIN_ERRORS.unauthorized.code, STANDIN_ERRORS.unauthorized.message);
    }
    // ASSUMPTION: the code and text seen for a zone id Cloudflare does not know (docs/purge-yaml.md lists 1001 at 400).
    if (this.zoneRead === 404) return fail(404, 1001, 'Invalid zone identifier');
    if (this.zoneRead === 500) return fail(500, 10001, 'Internal error (500 Internal Server Error)');
    if (!ZONE_ID_RE.test(zoneId)) {
      return fail(400, STANDIN_ERRORS.badIdentifier, `Could not route to /client/v4/zones/${zoneId}, perhaps your object identifier is invalid?`);
    }
    const zone = this.zones.find((z) => z.id === zoneId);
    if (!zone || (!isUser && accountOf !== zone.account_id)) return fail(403, STANDIN_ERRORS.authentication.code, STANDIN_ERRORS.authentication.message);
    return { status: 200, body: envelopeOk(zoneDetailsView(zone)) };
  }

  private verified(token: string): Answer {
    return {
      status: 200,
      body: envelopeOk({ id: tokenId(token), status: 'active' }, undefined,
        [{ code: 10000, message: 'This API Token is valid and active', type: null }]),
    };
  }

  private listZones(query: URLSearchParams, accountOf: string | undefined): Answer {
    let zones = this.zones.filter((z) => accountOf === undefined || z.account_id === accountOf);
    const name = query.get('name');
    if (name !== null) zones = zones.filter((z) => z.name.toLowerCase() === name.toLowerCase());
    const acc = query.get('account.id');
    if (acc !== null) zones = zones.filter((z) => z.account_id === acc);
    const status = query.get('status');
    if (status !== null && status !== 'active') zones = [];
    // Paging as in the old spec (docs/commands.md): per_page default 20, min 5, max 50 (out of range → clamped).
    const perPage = Math.min(50, Math.max(5, intParam(query.get('per_page'), 20)));
    const page = Math.max(1, intParam(query.get('page'), 1));
    const slice = zones.slice((page - 1) * perPage, page * perPage);
    return {
      status: 200,
      body: envelopeOk(slice.map(zoneView), {
        result_info: {
          page, per_page: perPage, count: slice.length, total_count: zones.length,
          total_pages: Math.max(1, Math.ceil(zones.length / perPage)),
        },
      }),
    };
  }

  // ---- purge --------------------------------------------------------------------------------

  /**
   * purge_cache and invalidate_cache alike: "The request body uses the same format as the
   * corresponding purge request", with the same per-request maxima, and "Purge and invalidation
   * requests draw from the same limits" (docs/cloudflare.md): one bucket and one URL window
   * per account and plan, whichever endpoint a request hits.
   */
  private purge(zone: StandinZone, endpoint: PurgeEndpoint, req: IncomingMessage, seq: number, body: unknown,
                bodyParsed: boolean, rawLength: number): Answer {
    const purgeBody = () => fail(400, STANDIN_ERRORS.purgeBody.code, STANDIN_ERRORS.purgeBody.message);
    // A form-encoded (or otherwise non-JSON) body gets 1012 [observed, docs/purge-yaml.md].
    const ctype = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ctype !== 'application/json') return purgeBody();
    if (rawLength === 0) return purgeBody();
    if (!bodyParsed) return fail(400, STANDIN_ERRORS.malformedJson.code, STANDIN_ERRORS.malformedJson.message);

    const limits = this.limits[zone.plan];
    const err = validatePurgeBody(body, zone.plan, limits, this.lowercaseHeaderNames);
    if (err) return { status: 400, body: envelopeErr([err]) };

    const b = body as Record<string, unknown>;
    const key = PURGE_KEYS.find((k) => Object.prototype.hasOwnProperty.call(b, k))!;
    const headers: Record<string, string> = {};
    if (this.enforceLimits) {
      const now = this.elapsed();
      const bucketKey = `${zone.account_id}\u0000${zone.plan}`;
      const verdict = key === 'files'
        ? this.takeUrls(bucketKey, limits, (b.files as unknown[]).length, now)
        : this.takeToken(bucketKey, limits, now);
      if (!verdict.ok) {
        this._rateLimited++;
        const retryAfter = ceilSeconds(verdict.waitMs);
        const h: Record<string, string> = { 'retry-after': String(retryAfter) };
        if (this.rateLimitHeaders) {
          h['x-ratelimit-limit'] = String(verdict.limit);
          h['x-ratelimit-remaining'] = '0';
          h['x-ratelimit-reset'] = httpDate(this.wallNow(), retryAfter * 1000);
        }
        return { status: 429, body: envelopeErr([{ ...STANDIN_ERRORS.rateLimited }]), headers: h };
      }
      if (this.rateLimitHeaders) {
        headers['x-ratelimit-limit'] = String(verdict.limit);
        headers['x-ratelimit-remaining'] = String(verdict.remaining);
        headers['x-ratelimit-reset'] = httpDate(this.wallNow(), Math.ceil(verdict.resetMs / 1000) * 1000);
      }
    }
    const id = randomBytes(16).toString('hex');
    const accepted: AcceptedPurge = { seq, zoneId: zone.id, body, at: this.elapsed(), id, endpoint, action: endpoint === 'invalidate_cache' ? 'invalidate' : 'purge' };
    this.accepted.push(accepted);
    for (const listener of this.purgeListeners) listener(accepted);
    return { status: 200, body: envelopeOk({ id }), headers };
  }

  /**
   * Token bucket for hosts/prefixes/tags/purge_everything: one token per request, refilled
   * continuously at `requestsPerSecond`, capped at `bucketSize`, starting full. A rejected
   * request takes nothing; it must wait until one whole token has refilled.
   */
  private takeToken(key: string, l: StandinPlanLimits, now: number): LimitVerdict {
    let b = this.buckets.get(key);
    if (!b) { b = { tokens: l.bucketSize, last: now }; this.buckets.set(key, b); }
    b.tokens = Math.min(l.bucketSize, b.tokens + ((now - b.last) * l.requestsPerSecond) / 1000);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      const resetMs = ((l.bucketSize - b.tokens) / l.requestsPerSecond) * 1000;
      return { ok: true, limit: l.bucketSize, remaining: Math.floor(b.tokens), resetMs };
    }
    return { ok: false, limit: l.bucketSize, waitMs: ((1 - b.tokens) / l.requestsPerSecond) * 1000 };
  }

  /**
   * Moving 1-second window of URLs for files requests: the URLs accepted in (now-1000ms, now]
   * plus this request's must not exceed `urlsPerSecond`. A rejected request takes nothing; its
   * wait is until enough of the oldest entries leave the window for it to fit.
   * (Cloudflare says "moving average"; a sliding window of exactly one second is our reading.)
   */
  private takeUrls(key: string, l: StandinPlanLimits, n: number, now: number): LimitVerdict {
    let w = this.windows.get(key);
    if (!w) { w = []; this.windows.set(key, w); }
    while (w.length > 0 && w[0]!.at <= now - URL_WINDOW_MS) w.shift();
    const used = w.reduce((s, e) => s + e.n, 0);
    // A request larger than the whole rate can only ever fit into an empty window.
    if (used + n <= l.urlsPerSecond || (used === 0 && n > l.urlsPerSecond)) {
      w.push({ at: now, n });
      return { ok: true, limit: l.urlsPerSecond, remaining: Math.max(0, l.urlsPerSecond - used - n), resetMs: URL_WINDOW_MS };
    }
    let freed = 0;
    let waitMs = URL_WINDOW_MS;
    for (const e of w) {
      freed += e.n;
      waitMs = e.at + URL_WINDOW_MS - now;
      if (used - freed + n <= l.urlsPerSecond) break;
    }
    return { ok: false, limit: l.urlsPerSecond, waitMs };
  }
}

// ---- helpers ----------------------------------------------------------------------------------

type PurgeEndpoint = 'purge_cache' | 'invalidate_cache';

type Route =
  | { kind: 'none'; zoneId?: undefined }
  | { kind: 'userVerify'; zoneId?: undefined }
  | { kind: 'accountVerify'; accountId: string; zoneId?: undefined }
  | { kind: 'zones'; query: URLSearchParams; zoneId?: undefined }
  | { kind: 'zone'; zoneId: string }
  | { kind: 'purge'; zoneId: string; endpoint: PurgeEndpoint }
  | { kind: 'ruleset'; zoneId: string; phase: string };

function parseRoute(rawPath: string): Route {
  let u: URL;
  try { u = new URL(rawPath, 'http://standin.invalid'); } catch { return { kind: 'none' }; }
  if (!u.pathname.startsWith(BASE_PATH + '/')) return { kind: 'none' };
  const segs = u.pathname.slice(BASE_PATH.length + 1).split('/').map((s) => {
    try { return decodeURIComponent(s); } catch { return s; }
  });
  if (segs.length === 3 && segs[0] === 'user' && segs[1] === 'tokens' && segs[2] === 'verify') return { kind: 'userVerify' };
  if (segs.length === 4 && segs[0] === 'accounts' && segs[1] !== '' && segs[2] === 'tokens' && segs[3] === 'verify') {
    return { kind: 'accountVerify', accountId: segs[1]! };
  }
  if (segs.length === 1 && segs[0] === 'zones') return { kind: 'zones', query: u.searchParams };
  if (segs.length === 2 && segs[0] === 'zones' && segs[1] !== '') return { kind: 'zone', zoneId: segs[1]! };
  if (segs.length === 3 && segs[0] === 'zones' && segs[1] !== '' && (segs[2] === 'purge_cache' || segs[2] === 'invalidate_cache')) {
    return { kind: 'purge', zoneId: segs[1]!, endpoint: segs[2] };
  }
  if (segs.length === 6 && segs[0] === 'zones' && segs[1] !== '' && segs[2] === 'rulesets' && segs[3] === 'phases' && segs[4] !== '' && segs[5] === 'entrypoint') {
    return { kind: 'ruleset', zoneId: segs[1]!, phase: segs[4]! };
  }
  return { kind: 'none' };
}

function parseBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer ([^\s]+)$/.exec(header);
  return m ? m[1] : undefined;
}

function intParam(v: string | null, dflt: number): number {
  if (v === null || !/^\d+$/.test(v)) return dflt;
  return Number(v);
}

const PLAN_NAMES: Record<StandinPlan, string> = {
  free: 'Free Website', pro: 'Pro Website', business: 'Business Website', enterprise: 'Enterprise Website',
};

/** A zone as `GET /zones` shows it (subset of Cloudflare's Zone object, docs/commands.md). */
function zoneView(z: StandinZone): unknown {
  return {
    id: z.id,
    name: z.name,
    status: 'active',
    paused: false,
    type: 'full',
    account: { id: z.account_id, name: `Account ${z.account_id}` },
    // Cloudflare's plan object: `name` is the display name, `legacy_id` the short id.
    plan: { id: z.plan, name: PLAN_NAMES[z.plan], legacy_id: z.plan },
  };
}

/**
 * A zone as `GET /zones/{id}` shows it: the list's fields and more of Cloudflare's Zone object
 * (developers.cloudflare.com/api/resources/zones/methods/get/); dates are fixed.
 */
function zoneDetailsView(z: StandinZone): unknown {
  return {
    ...(zoneView(z) as Record<string, unknown>),
    development_mode: 0,
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: '2024-01-01T00:00:00.000000Z',
    modified_on: '2024-01-01T00:00:00.000000Z',
    activated_on: '2024-01-01T00:00:00.000000Z',
    meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    owner: { id: null, type: 'user', email: null },
    permissions: ['#zone:read', '#cache_purge:edit'],
    vanity_name_servers: [],
  };
}

function defaultFaultErrors(status: number): CfError[] {
  // Generic bodies for injected faults. 971 is the code Cloudflare's global API limiter is
  // reported to send; the others are ASSUMPTIONS.
  if (status === 429) return [{ code: 971, message: 'Please wait and consider throttling your request speed' }];
  if (status >= 500) return [{ code: 10001, message: `Internal error (${status} ${STATUS_CODES[status] ?? ''})`.trim() }];
  return [{ code: 10001, message: `${STATUS_CODES[status] ?? 'Error'}` }];
}

/** Returns the first problem with a purge body, or null when it is acceptable. */
export function validatePurgeBody(body: unknown, plan: StandinPlan, limits: StandinPlanLimits,
                                  lowercaseHeaderNames = true): CfError | null {
  const e1012: CfError = { ...STANDIN_ERRORS.purgeBody };
  if (!isPlainObject(body)) return e1012;
  const present = PURGE_KEYS.filter((k) => Object.prototype.hasOwnProperty.call(body, k));
  // Exactly one purge type, and nothing else. Mixing types and unknown keys are undocumented
  // (docs/purge-yaml.md); the stand-in refuses both, as purgeplan promises one type per request (docs/purge-yaml.md).
  const unknown = Object.keys(body).filter((k) => !(PURGE_KEYS as readonly string[]).includes(k));
  if (present.length !== 1 || unknown.length > 0) return e1012;
  const key: PurgeKey = present[0]!;
  const value = body[key];
  if (key === 'purge_everything') return value === true ? null : e1012; // `false` is undocumented: refused
  if (!Array.isArray(value)) return { ...STANDIN_ERRORS.notArray };
  if (value.length === 0) return e1012;
  const max = key === 'files' ? limits.maxFilesPerRequest : limits.maxItemsPerRequest;
  if (value.length > max) {
    return {
      code: STANDIN_ERRORS.tooMany,
      message: `Too many ${key} in one request: ${value.length} given, at most ${max} allowed on the ${plan} plan`,
    };
  }
  for (const item of value) {
    const err = key === 'files' ? checkFile(item, lowercaseHeaderNames)
      : key === 'hosts' ? checkHost(item)
      : key === 'prefixes' ? checkPrefix(item)
      : checkTag(item);
    if (err) return err;
  }
  return null;
}

function invalidUrl(u: string): CfError {
  return { code: STANDIN_ERRORS.invalidUrl, message: `Unable to purge ${u}, which is an invalid URL.` };
}

function checkUrl(u: string): CfError | null {
  if (u === '' || CTL_OR_SPACE_RE.test(u)) return invalidUrl(u);
  let parsed: URL;
  try { parsed = new URL(u); } catch { return invalidUrl(u); }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') return invalidUrl(u);
  // Must be written absolute with "//host" (the WHATWG parser also accepts "http:host").
  if (!/^https?:\/\//i.test(u)) return invalidUrl(u);
  return null;
}

function checkFile(item: unknown, lowercaseHeaderNames: boolean): CfError | null {
  if (typeof item === 'string') return checkUrl(item);
  // [observed] a file object without `url` gets 1012; other non-string items likewise.
  if (!isPlainObject(item) || typeof item.url !== 'string') return { ...STANDIN_ERRORS.purgeBody };
  if (Object.keys(item).some((k) => k !== 'url' && k !== 'headers')) return { ...STANDIN_ERRORS.purgeBody };
  const urlErr = checkUrl(item.url);
  if (urlErr) return urlErr;
  if (item.headers === undefined) return null;
  if (!isPlainObject(item.headers)) {
    return { code: STANDIN_ERRORS.invalidHeader, message: `Invalid headers for ${item.url}: must be an object of strings` };
  }
  for (const [name, v] of Object.entries(item.headers)) {
    if (!HEADER_NAME_RE.test(name) || (lowercaseHeaderNames && name !== name.toLowerCase())) {
      return { code: STANDIN_ERRORS.invalidHeader, message: `Invalid header name "${name}" for ${item.url}${lowercaseHeaderNames ? ' (names must be lower-case)' : ''}` };
    }
    if (typeof v !== 'string' || /[\r\n\x00]/.test(v)) {
      return { code: STANDIN_ERRORS.invalidHeader, message: `Invalid value for header "${name}" for ${item.url}: must be a string` };
    }
  }
  return null;
}

function checkHost(item: unknown): CfError | null {
  if (typeof item !== 'string' || !HOST_RE.test(item)) {
    return { code: STANDIN_ERRORS.invalidHost, message: `Unable to purge host ${JSON.stringify(item)}: a host must be a bare lower-case hostname (no scheme, port or path)` };
  }
  return null;
}

function checkPrefix(item: unknown): CfError | null {
  const bad = (why: string): CfError => ({ code: STANDIN_ERRORS.invalidPrefix, message: `Unable to purge prefix ${JSON.stringify(item)}: ${why}` });
  if (typeof item !== 'string' || item === '') return bad('must be a non-empty string');
  if (CTL_OR_SPACE_RE.test(item)) return bad('must not contain whitespace or control characters');
  // Whether Cloudflare rejects or ignores a scheme is undocumented (docs/purge-yaml.md); purgeplan strips it, so refuse it.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(item)) return bad('must not include a scheme');
  if (item.includes('?') || item.includes('#')) return bad('URI query strings & fragments cannot purge by prefix');
  const slashes = item.split('/').length - 1;
  if (slashes > 31) return bad('path separators are limited to 31 for a prefix');
  const host = item.split('/')[0]!;
  if (!HOST_RE.test(host)) return bad('must start with a lower-case hostname');
  return null;
}

function checkTag(item: unknown): CfError | null {
  if (typeof item !== 'string' || item.length < 1 || item.length > 1024 || !TAG_RE.test(item)) {
    const shown = typeof item === 'string' && item.length > 64 ? `${item.slice(0, 64)}…` : item;
    return { code: STANDIN_ERRORS.invalidTag, message: `Invalid tag ${JSON.stringify(shown)}: tags are 1-1024 printable ASCII characters without spaces or commas` };
  }
  return null;
}

/** Starts a stand-in on 127.0.0.1 with an ephemeral port. Always `await s.close()` when done. */
export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const s = new StandinServer(options);
  await s.listen();
  return s;
}
