/**
 * A stand-in for Cloudflare's edge cache, for tests of `apply --verify` (docs/commands.md#verify-at-the-edge).
 *
 * An HTTP (or HTTPS) server on 127.0.0.1 (port 0) that answers every GET as a cached site would:
 *   - it computes each request's cache key from its OWN configuration, written as the zone's
 *     real Cache Rule `cache_key` (the Rulesets API wire form of docs/cloudflare.md), not as
 *     purge.yaml: so a test can make the edge and purge.yaml disagree;
 *   - it classifies the User-Agent into a device type with Cloudflare's published patterns, and
 *     takes the country from the client's address (here: one fixed `clientCountry`), as the edge does;
 *   - the first request for a key is `cf-cache-status: MISS` (the entry is stored), the next ones
 *     `HIT`; configured paths are never cached (`DYNAMIC` or `BYPASS`); an invalidated entry
 *     answers `REVALIDATED` once, then `HIT` again;
 *   - it evicts exactly what the API stand-in's accepted purges name: files (URL + headers, keyed
 *     the same way, a missing header or cookie counting as an empty value, docs/cloudflare.md),
 *     hosts, prefixes, tags (the `Cache-Tag` its origin would send) and everything.
 *
 * Facts: docs/cloudflare.md, docs/cloudflare.md and docs/commands.md. Where Cloudflare's behaviour is
 * undocumented the choice is marked ASSUMPTION. Independent of src/ on purpose (an oracle).
 * Only Node built-ins are used.
 */
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AcceptedPurge, Standin } from './cloudflare-standin.js';

/** `{all: true}` or `{list: [...]}` (also accepted: `"*"`, `["*"]`, a bare array, as the API returns them). */
export type RuleList = { all: true } | { list: string[] } | '*' | string[];

/** A Cache Rule's `action_parameters.cache_key` (docs/cloudflare.md). */
export interface CacheRuleKey {
  cache_by_device_type?: boolean;
  ignore_query_strings_order?: boolean;
  custom_key?: {
    query_string?: { include?: RuleList; exclude?: RuleList };
    header?: { include?: string[]; check_presence?: string[]; exclude_origin?: boolean };
    cookie?: { include?: string[]; check_presence?: string[] };
    user?: { device_type?: boolean; geo?: boolean; lang?: boolean };
  };
}

export type UncacheableStatus = 'DYNAMIC' | 'BYPASS';

export interface EdgeOptions {
  /** The zone's effective cache key. Default: Cloudflare's default key. */
  cacheKey?: CacheRuleKey;
  /** Paths (exact, or prefixes ending in `/`) the edge never caches, with the status it answers. */
  uncacheable?: { path: string; status: UncacheableStatus }[];
  /** The country the edge sees for every client (it comes from the client's address). Default 'JP'. */
  clientCountry?: string;
  /** The `Cache-Tag` values the origin sends for a URL. Default none. */
  tags?: (url: string) => string[];
  /** Evict what this API stand-in's accepted purges name. */
  standin?: Standin;
  /** Zones by id: a purge only touches hosts of its zone (equal to `name` or under it). Default: every host. */
  zones?: { id: string; name: string }[];
  /** Serve HTTPS with this certificate (entries are then keyed with the `https` scheme). Default: plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Wait this long (ms) before answering a request (e.g. to interrupt a client meanwhile). */
  delay?: (request: EdgeRequest) => number;
  /** The HTTP status a cacheable answer has (an origin's 404, 503, 301…), cached like any other. Default 200. */
  httpStatus?: (request: EdgeRequest) => number;
}

export interface EdgeRequest {
  /** Arrival order, from 1. */
  seq: number;
  /** ms since the edge started, when the request arrived. */
  at: number;
  method: string;
  /** The Host header. */
  host: string;
  /** Path and query as received. */
  target: string;
  /** As received (names lower-case); test-side only. */
  headers: IncomingHttpHeaders;
  /** The device type the edge derived from the User-Agent. */
  deviceType: 'mobile' | 'tablet' | 'desktop';
  /** cf-cache-status answered (set when answered). */
  status?: string;
}

export interface Edge {
  /** http://127.0.0.1:PORT (https: with `tls`) */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly log: EdgeRequest[];
  /** Purges applied, in order. */
  readonly purges: AcceptedPurge[];
  /** The keys of the entries cached now (for assertions). */
  entries(): string[];
  /** ms since the edge started (the clock of `log[].at`). */
  elapsed(): number;
  /** Apply one accepted purge (done automatically for `options.standin`). */
  purge(purge: AcceptedPurge): void;
  close(): Promise<void>;
}

// ---- device type --------------------------------------------------------------------------------

/** Cloudflare's device classes (developers.cloudflare.com/automatic-platform-optimization/reference/cache-device-type/), case-insensitive. */
const MOBILE = /(?:phone|windows\s+phone|ipod|blackberry|(?:android|bb\d+|meego|silk|googlebot) .+? mobile|palm|windows\s+ce|opera mini|avantgo|mobilesafari|docomo|kaios)/i;
const TABLET = /(?:ipad|playbook|(?:android|bb\d+|meego|silk)(?! .+? mobile))/i;

export function deviceTypeOf(userAgent: string | undefined): 'mobile' | 'tablet' | 'desktop' {
  const ua = userAgent ?? '';
  if (MOBILE.test(ua)) return 'mobile';
  if (TABLET.test(ua)) return 'tablet';
  return 'desktop';
}

// ---- the cache key ------------------------------------------------------------------------------

/** The headers of Cloudflare's default key besides Origin (docs/cloudflare.md). */
const DEFAULT_KEY_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-forwarded-host', 'x-host', 'x-forwarded-scheme', 'x-original-url', 'x-rewrite-url', 'forwarded'];

/** What a key is computed from: a request as the edge sees it, or a purge's URL and headers. */
interface KeyInput {
  scheme: string;
  host: string;
  path: string;
  /** Raw query without `?` ('' for none). */
  query: string;
  header(name: string): string | undefined;
  deviceType: string;
  country: string;
}

function listOf(list: RuleList | undefined): { all: boolean; names: string[] } | undefined {
  if (list === undefined) return undefined;
  if (list === '*') return { all: true, names: [] };
  if (Array.isArray(list)) return list.length === 1 && list[0] === '*' ? { all: true, names: [] } : { all: false, names: list };
  if ('all' in list) return { all: true, names: [] };
  return { all: false, names: list.list };
}

function keyQuery(query: string, key: CacheRuleKey): string {
  if (query === '') return '';
  const include = listOf(key.custom_key?.query_string?.include);
  const exclude = listOf(key.custom_key?.query_string?.exclude);
  let pairs = query.split('&');
  const nameOf = (pair: string): string => decodeSafe(pair.split('=')[0]);
  if (exclude?.all) pairs = [];
  else if (exclude) pairs = pairs.filter((p) => !exclude.names.includes(nameOf(p)));
  if (include && !include.all) pairs = pairs.filter((p) => include.names.includes(nameOf(p)));
  if (key.ignore_query_strings_order) pairs = [...pairs].sort((a, b) => cmp(nameOf(a), nameOf(b)) || cmp(a, b));
  return pairs.join('&');
}

function cookiesOf(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '' && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The cache key string: every dimension the rule has, a missing header or cookie as ''. */
function cacheKeyOf(input: KeyInput, key: CacheRuleKey): string {
  const custom = key.custom_key ?? {};
  const parts: string[] = [`${input.scheme}://${input.host.toLowerCase()}${input.path}?${keyQuery(input.query, key)}`];
  if (key.cache_by_device_type || custom.user?.device_type) parts.push(`device=${input.deviceType}`);
  if (custom.user?.geo) parts.push(`country=${input.country}`);
  // ASSUMPTION: the whole Accept-Language value, byte-exact (seed: ja-jp ≠ ja-Jp; reality (docs/commands.md) "not confirmed").
  if (custom.user?.lang) parts.push(`lang=${input.header('accept-language') ?? ''}`);
  if (!custom.header?.exclude_origin) parts.push(`origin=${input.header('origin') ?? ''}`);
  for (const name of DEFAULT_KEY_HEADERS) parts.push(`${name}=${input.header(name) ?? ''}`);
  for (const name of custom.header?.include ?? []) parts.push(`h:${name.toLowerCase()}=${input.header(name.toLowerCase()) ?? ''}`);
  for (const name of custom.header?.check_presence ?? []) parts.push(`h?${name.toLowerCase()}=${input.header(name.toLowerCase()) === undefined ? '' : 'present'}`);
  const cookies = cookiesOf(input.header('cookie'));
  for (const name of custom.cookie?.include ?? []) parts.push(`c:${name}=${cookies.get(name) ?? ''}`);
  for (const name of custom.cookie?.check_presence ?? []) parts.push(`c?${name}=${cookies.has(name) ? 'present' : ''}`);
  return parts.join(' | ');
}

// ---- the server ---------------------------------------------------------------------------------

interface Entry {
  readonly scheme: string;
  readonly host: string;
  /** host + path (+ ?query) of the request, for prefix purges. */
  readonly hostPath: string;
  readonly tags: string[];
  stale: boolean;
}

class EdgeServer implements Edge {
  url = '';
  port = 0;
  readonly log: EdgeRequest[] = [];
  readonly purges: AcceptedPurge[] = [];
  private readonly cache = new Map<string, Entry>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly t0 = performance.now();
  private readonly key: CacheRuleKey;
  private unsubscribe: (() => void) | undefined;
  private seq = 0;

  constructor(private readonly options: EdgeOptions) {
    this.key = options.cacheKey ?? {};
    const handler = (req: IncomingMessage, res: ServerResponse): void => { this.onRequest(req, res); };
    this.server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, handler) : createServer(handler);
    this.server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    if (options.standin) this.unsubscribe = options.standin.onPurge((purge) => this.purge(purge));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        this.url = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
        resolve();
      });
    });
  }

  entries(): string[] {
    return [...this.cache.keys()].sort(cmp);
  }

  elapsed(): number {
    return performance.now() - this.t0;
  }

  close(): Promise<void> {
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const target = req.url ?? '/';
    const host = req.headers.host ?? '';
    const request: EdgeRequest = {
      seq: ++this.seq, at: performance.now() - this.t0, method: req.method ?? 'GET', host, target,
      headers: { ...req.headers }, deviceType: deviceTypeOf(req.headers['user-agent']),
    };
    this.log.push(request);
    const wait = this.options.delay?.(request) ?? 0;
    if (wait > 0) {
      const timer = setTimeout(() => { this.timers.delete(timer); this.answer(req, res, request); }, wait);
      this.timers.add(timer);
    } else {
      this.answer(req, res, request);
    }
  }

  private answer(req: IncomingMessage, res: ServerResponse, request: EdgeRequest): void {
    const queryAt = request.target.indexOf('?');
    const path = queryAt === -1 ? request.target : request.target.slice(0, queryAt);
    const query = queryAt === -1 ? '' : request.target.slice(queryAt + 1);
    const scheme = this.options.tls ? 'https' : 'http';
    const send = (status: string, httpStatus = this.options.httpStatus?.(request) ?? 200): void => {
      request.status = status;
      if (res.destroyed) return;
      const body = `${status} ${request.target}\n`;
      res.writeHead(httpStatus, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'cf-cache-status': status, 'cf-ray': `${request.seq.toString(16)}-EDGE` });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send('DYNAMIC', 405);
    const uncacheable = this.options.uncacheable?.find((u) => u.path === path || (u.path.endsWith('/') && path.startsWith(u.path)));
    if (uncacheable) return send(uncacheable.status);
    const key = cacheKeyOf({
      scheme, host: request.host, path, query,
      header: (name) => headerValue(req.headers, name),
      deviceType: request.deviceType,
      country: this.options.clientCountry ?? 'JP',
    }, this.key);
    const entry = this.cache.get(key);
    if (entry?.stale) {
      entry.stale = false;
      return send('REVALIDATED');
    }
    if (entry) return send('HIT');
    const hostname = hostnameOf(request.host);
    const url = `${scheme}://${request.host}${request.target}`;
    this.cache.set(key, { scheme, host: hostname, hostPath: `${request.host.toLowerCase()}${request.target}`, tags: (this.options.tags?.(url) ?? []).map((t) => t.toLowerCase()), stale: false });
    return send('MISS');
  }

  purge(purge: AcceptedPurge): void {
    this.purges.push(purge);
    // The Cloudflare stand-in says which endpoint accepted it: invalidate_cache marks stale.
    const invalidate = purge.action === 'invalidate';
    const zone = this.options.zones?.find((z) => z.id === purge.zoneId);
    const inZone = (host: string): boolean => !zone || host === zone.name || host.endsWith(`.${zone.name}`);
    const body = purge.body as Record<string, unknown>;
    const selected: string[] = [];
    const select = (test: (entry: Entry, key: string) => boolean): void => {
      for (const [key, entry] of this.cache) if (inZone(entry.host) && test(entry, key)) selected.push(key);
    };
    if (body.purge_everything === true) select(() => true);
    if (Array.isArray(body.hosts)) {
      const hosts = new Set((body.hosts as string[]).map((h) => h.toLowerCase()));
      select((entry) => hosts.has(entry.host));
    }
    if (Array.isArray(body.prefixes)) {
      const prefixes = (body.prefixes as string[]).map((p) => p.replace(/^https?:\/\//i, ''));
      select((entry) => prefixes.some((prefix) => prefixMatches(prefix, entry.hostPath)));
    }
    if (Array.isArray(body.tags)) {
      const tags = new Set((body.tags as string[]).map((t) => t.toLowerCase()));
      select((entry) => entry.tags.some((t) => tags.has(t)));
    }
    if (Array.isArray(body.files)) {
      const keys = new Set((body.files as unknown[]).map((file) => this.fileKey(file)).filter((k): k is string => k !== undefined));
      select((_entry, key) => keys.has(key));
    }
    for (const key of selected) {
      if (invalidate) this.cache.get(key)!.stale = true;
      else this.cache.delete(key);
    }
  }

  /** The key a files entry names: its URL and headers as if they were a request's. */
  private fileKey(file: unknown): string | undefined {
    const { url, headers } = typeof file === 'string' ? { url: file, headers: {} as Record<string, string> }
      : (file as { url: string; headers?: Record<string, string> });
    let parsed: URL;
    try { parsed = new URL(url); } catch { return undefined; }
    const lower = new Map(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    return cacheKeyOf({
      scheme: parsed.protocol.slice(0, -1),
      host: parsed.host,
      path: parsed.pathname,
      query: parsed.search.slice(1),
      header: (name) => lower.get(name),
      // A header missing from the purge is an empty value (docs/cloudflare.md): a purge without
      // CF-Device-Type or CF-IPCountry reaches no entry of a key that has them.
      deviceType: lower.get('cf-device-type') ?? '',
      country: lower.get('cf-ipcountry') ?? '',
    }, this.key);
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function hostnameOf(host: string): string {
  return host.toLowerCase().replace(/:\d+$/, '');
}

/** A `host/path` with its host part lower-cased. */
function lowerHost(hostPath: string): string {
  const end = hostPath.search(/[/?]/);
  return end === -1 ? hostPath.toLowerCase() : hostPath.slice(0, end).toLowerCase() + hostPath.slice(end);
}

/** A prefix purges `host/path?query` at a path-segment boundary (docs/cloudflare.md, prefixes). */
function prefixMatches(prefix: string, hostPath: string): boolean {
  const p = lowerHost(prefix);
  const value = lowerHost(hostPath);
  if (value === p) return true;
  if (!value.startsWith(p)) return false;
  return p.endsWith('/') || value[p.length] === '/' || value[p.length] === '?';
}

function decodeSafe(text: string): string {
  try { return decodeURIComponent(text); } catch { return text; }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Starts an edge on 127.0.0.1 with an ephemeral port. Always `await edge.close()` when done. */
export async function startEdge(options: EdgeOptions = {}): Promise<Edge> {
  const edge = new EdgeServer(options);
  await edge.listen();
  return edge;
}
