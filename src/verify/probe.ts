// The requests `apply --verify` sends to the edge (docs/commands.md#verify-at-the-edge): a GET of the item's URL carrying its
// cache-key headers and nothing else that is part of a key, never the API token, at most `rate`
// requests a second, optionally to another address (`--connect-to`, as curl has it).
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { UserError } from '../errors.js';
import type { Clock } from '../http/policy.js';
import { printable } from '../format.js';
import type { VerifyItem } from './sample.js';
import type { Observation } from './verdict.js';

/**
 * The edge derives `cf-device-type` from the User-Agent; a request cannot set it. Cloudflare's
 * classes, case-insensitive (developers.cloudflare.com/automatic-platform-optimization/reference/cache-device-type/):
 *   mobile: (?:phone|windows\s+phone|ipod|blackberry|(?:android|bb\d+|meego|silk|googlebot) .+? mobile|palm|windows\s+ce|opera mini|avantgo|mobilesafari|docomo|kaios)
 *   tablet: (?:ipad|playbook|(?:android|bb\d+|meego|silk)(?! .+? mobile))
 *   desktop: everything else.
 * The seed experiment used an Android and a Windows User-Agent. Each string ends with a product
 * token of purgeplan's own (which matches none of the patterns) so that logs show who asked.
 */
const DEVICE_BROWSERS: Readonly<Record<DeviceType, string>> = {
  mobile: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

type DeviceType = 'mobile' | 'tablet' | 'desktop';

/** A User-Agent per device type, each ending in `product` (`purgeplan-verify/1`, `purgeplan-warm/1`). */
export function deviceUserAgents(product: string): Readonly<Record<DeviceType, string>> {
  return { mobile: `${DEVICE_BROWSERS.mobile} ${product}`, tablet: `${DEVICE_BROWSERS.tablet} ${product}`, desktop: `${DEVICE_BROWSERS.desktop} ${product}` };
}

export const DEVICE_USER_AGENTS = deviceUserAgents('purgeplan-verify/1');

export type ProbePlan =
  | { readonly probeable: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly probeable: false; readonly reason: string };

/**
 * The request headers that reach the item's cache entry: its key headers as they are, except
 * `cf-device-type`, which becomes a User-Agent of that class. A key with a country cannot be
 * reached: the edge takes `cf-ipcountry` from the client's address.
 */
export function probeHeaders(item: Pick<VerifyItem, 'headers'>, userAgents: Readonly<Record<DeviceType, string>> = DEVICE_USER_AGENTS): ProbePlan {
  const headers: Record<string, string> = {};
  let device: string | undefined;
  for (const [name, value] of Object.entries(item.headers)) {
    if (name === 'cf-ipcountry') return { probeable: false, reason: `its cache key has the country (${value}), which the edge takes from the client's address` };
    if (name === 'cf-device-type') device = value;
    else headers[name] = value;
  }
  if (device !== undefined && !Object.hasOwn(userAgents, device)) return { probeable: false, reason: `unknown device type "${device}"` };
  headers['user-agent'] = userAgents[(device ?? 'desktop') as DeviceType];
  return { probeable: true, headers };
}

// ---- --connect-to -----------------------------------------------------------------------------

/** `HOST1:PORT1:HOST2:PORT2` (curl): a connection for HOST1:PORT1 goes to HOST2:PORT2. Empty parts match any / keep. */
export interface ConnectTo {
  readonly host: string;
  readonly port: number | null;
  readonly toHost: string;
  readonly toPort: number | null;
}

export function parseConnectTo(spec: string): ConnectTo {
  const bad = (why: string): UserError => new UserError(`--connect-to "${spec}": ${why}`, {
    hint: 'write HOST:PORT:ADDRESS:PORT as curl does, e.g. --connect-to www.example.com:443:203.0.113.7:443 (an IPv6 address in brackets; an empty part matches any host or port, or keeps it)',
  });
  const parts: string[] = [];
  let rest = spec;
  while (parts.length < 4) {
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end === -1) throw bad('an IPv6 address lacks its closing "]"');
      parts.push(rest.slice(1, end));
      rest = rest.slice(end + 1);
      if (parts.length < 4) {
        if (!rest.startsWith(':')) throw bad('expected ":" after "]"');
        rest = rest.slice(1);
      }
      continue;
    }
    const colon = parts.length < 3 ? rest.indexOf(':') : -1;
    if (parts.length < 3 && colon === -1) throw bad('it needs four parts separated by ":"');
    parts.push(colon === -1 ? rest : rest.slice(0, colon));
    rest = colon === -1 ? '' : rest.slice(colon + 1);
  }
  if (rest !== '') throw bad('it has more than four parts');
  const port = (text: string, which: string): number | null => {
    if (text === '') return null;
    if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw bad(`${which} "${text}" is not a port number (1-65535)`);
    return Number(text);
  };
  return { host: parts[0].toLowerCase(), port: port(parts[1], 'port'), toHost: parts[2], toPort: port(parts[3], 'target port') };
}

/** Whether `rule` takes a connection for `hostname:port` (an empty host or port matches any). */
export function ruleMatches(rule: ConnectTo, hostname: string, port: number): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (rule.host === '' || rule.host === host) && (rule.port === null || rule.port === port);
}

/** Where a connection for `hostname:port` goes: the first matching rule, else where it was going. */
export function routeConnection(rules: readonly ConnectTo[], hostname: string, port: number): { hostname: string; port: number } {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const rule = rules.find((r) => ruleMatches(r, host, port));
  return rule ? { hostname: rule.toHost === '' ? host : rule.toHost, port: rule.toPort ?? port } : { hostname: host, port };
}

/** A rule as curl writes it (IPv6 addresses in brackets), to name it in a message. */
export function connectToText(rule: ConnectTo): string {
  const host = (name: string) => (name.includes(':') ? `[${name}]` : name);
  return `${host(rule.host)}:${rule.port ?? ''}:${host(rule.toHost)}:${rule.toPort ?? ''}`;
}

/**
 * Each --connect-to rule that takes none of the URLs' hosts (a typo would otherwise go unseen),
 * named as curl writes it, with the `host:port`s the URLs are on (sorted).
 */
export function unmatchedRules(connectTo: readonly ConnectTo[], urls: readonly string[]): { rule: string; hosts: string[] }[] {
  const endpoints = urls.map(endpointOf);
  const hosts = [...new Set(endpoints.map((e) => `${e.hostname}:${e.port}`))].sort();
  return connectTo.filter((rule) => !endpoints.some((e) => ruleMatches(rule, e.hostname, e.port))).map((rule) => ({ rule: connectToText(rule), hosts }));
}

/** Up to five hosts, then how many more. */
export function hostList(hosts: readonly string[]): string {
  return `${hosts.slice(0, 5).join(', ')}${hosts.length > 5 ? ` and ${hosts.length - 5} more` : ''}`;
}

export const CONNECT_TO_HINT = 'write the rule for HOST:PORT as the plan\'s URLs have them (http: is port 80, https: 443), e.g. --connect-to www.example.com:443:203.0.113.7:443';

/** The host and port a probe of `url` connects to (the scheme's default port when the URL has none). */
export function endpointOf(url: string): { hostname: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { hostname: parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

// ---- pacing -----------------------------------------------------------------------------------

/** Probes are spaced by a monotonic clock (`monotonicClock`); tests pass their own. */
export type { Clock as VerifyClock } from '../http/policy.js';

/**
 * At most `rate` request starts in any one-second window (a whole number of them: 7 for 7.5, one
 * for less than one), each at least 1000/rate ms after the one before, so they come evenly spaced
 * rather than in bursts. Starts are taken in call order, each once the one before has started,
 * and compared with the times they really started: the window holds whatever the clock does.
 */
export class RateGate {
  private readonly intervalMs: number;
  private readonly perWindow: number;
  /** The latest `perWindow` start times; `head` is the oldest once it is full. */
  private readonly window: number[] = [];
  private head = 0;
  private lastStart = -Infinity;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(rate: number, private readonly clock: Clock) {
    this.intervalMs = 1000 / rate;
    this.perWindow = Math.max(1, Math.floor(rate));
  }

  /** Resolves when a request may start; false when the signal aborted the wait. */
  take(signal?: AbortSignal): Promise<boolean> {
    const turn = this.queue.then(() => this.wait(signal));
    this.queue = turn;
    return turn;
  }

  private async wait(signal?: AbortSignal): Promise<boolean> {
    const full = this.window.length === this.perWindow;
    const at = Math.max(this.lastStart + this.intervalMs, full ? this.window[this.head] + 1000 : -Infinity);
    // A timer may fire a little early: wait until the clock has really reached the slot.
    for (let wait = at - this.clock.now(); wait > 0; wait = at - this.clock.now()) {
      if (signal?.aborted) return false;
      await this.clock.sleep(Math.ceil(wait), signal);
    }
    if (signal?.aborted) return false;
    this.lastStart = this.clock.now();
    if (full) {
      this.window[this.head] = this.lastStart;
      this.head = (this.head + 1) % this.perWindow;
    } else {
      this.window.push(this.lastStart);
    }
    return true;
  }
}

// ---- the prober -------------------------------------------------------------------------------

export interface ProberOptions {
  readonly connectTo: readonly ConnectTo[];
  readonly timeoutMs: number;
  /** Connections kept open at once. */
  readonly connections: number;
}

export interface Prober {
  /** One GET; never throws (an abort comes back as `{error: 'interrupted'}`). */
  get(url: string, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<Observation>;
  close(): Promise<void>;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

/** An edge client's undici pieces: an Agent of its own (nothing of the API client, or its token, is shared) that follows --connect-to, and `request`. */
export async function edgeClient(options: ProberOptions): Promise<{ readonly dispatcher: Dispatcher; readonly request: typeof import('undici').request }> {
  const { Agent, buildConnector, request } = await import('undici');
  const connector = buildConnector({ timeout: options.timeoutMs });
  const dispatcher: Dispatcher = new Agent({
    connections: options.connections,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: (connectOptions, callback) => {
      const defaultPort = connectOptions.protocol === 'https:' ? 443 : 80;
      const port = connectOptions.port === '' || connectOptions.port === undefined ? defaultPort : Number(connectOptions.port);
      const target = routeConnection(options.connectTo, connectOptions.hostname, port);
      // Host header and TLS server name stay the URL's: only the address changes (as curl's --connect-to).
      const servername = connectOptions.servername || (isIP(connectOptions.hostname.replace(/^\[|\]$/g, '')) ? undefined : connectOptions.hostname);
      connector({ ...connectOptions, hostname: target.hostname, port: String(target.port), ...(servername ? { servername } : {}) }, callback);
    },
  });
  return { dispatcher, request };
}

/**
 * The answer's `cf-cache-status`, trimmed and upper-cased, or null without one. What the edge (or
 * whatever answers at --connect-to) sends is printable from here on: it reaches reports and --json.
 */
export function cacheStatusOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  const raw = headers['cf-cache-status'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? null : printable(value.trim().toUpperCase());
}

/**
 * Why `url` is not requested: with --connect-to, the requests are meant for another address
 * (staging, a test edge), so an item no rule takes is not sent to the live host behind the user's
 * back (docs/commands.md, "Verify at the edge"); undefined when it is requested.
 */
export function unroutedReason(connectTo: readonly ConnectTo[], url: string): string | undefined {
  if (connectTo.length === 0) return undefined;
  const { hostname, port } = endpointOf(url);
  if (connectTo.some((rule) => ruleMatches(rule, hostname, port))) return undefined;
  return `no --connect-to rule takes ${hostname}:${port}: not requested from the live host`;
}

/** A prober on its own edge client: one GET per call, the body read (up to 1 MiB) and dropped. */
export async function createProber(options: ProberOptions): Promise<Prober> {
  const { dispatcher, request } = await edgeClient(options);
  return {
    async get(url, headers, signal) {
      if (signal?.aborted) return { error: 'interrupted' };
      try {
        const response = await request(url, { method: 'GET', headers: { ...headers }, dispatcher, ...(signal ? { signal } : {}) });
        await response.body.dump({ limit: 1 << 20 }).catch(() => undefined);
        return { cacheStatus: cacheStatusOf(response.headers), httpStatus: response.statusCode };
      } catch (error) {
        if (signal?.aborted) return { error: 'interrupted' };
        return { error: printable(describeError(error)) };
      }
    },
    close: () => dispatcher.close(),
  };
}

/** A connection error in a few words (not yet escaped for the terminal). */
export function describeError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}
