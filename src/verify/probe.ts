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
 * The seed experiment used an Android and a Windows User-Agent. Each string ends with
 * purgeplan's own product token (which matches none of the patterns) so that logs show who asked.
 */
export const DEVICE_USER_AGENTS: Readonly<Record<'mobile' | 'tablet' | 'desktop', string>> = {
  mobile: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 purgeplan-verify/1',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1 purgeplan-verify/1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 purgeplan-verify/1',
};

export type ProbePlan =
  | { readonly probeable: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly probeable: false; readonly reason: string };

/**
 * The request headers that reach the item's cache entry: its key headers as they are, except
 * `cf-device-type`, which becomes a User-Agent of that class. A key with a country cannot be
 * reached: the edge takes `cf-ipcountry` from the client's address.
 */
export function probeHeaders(item: VerifyItem): ProbePlan {
  const headers: Record<string, string> = {};
  let device: string | undefined;
  for (const [name, value] of Object.entries(item.headers)) {
    if (name === 'cf-ipcountry') return { probeable: false, reason: `its cache key has the country (${value}), which the edge takes from the client's address` };
    if (name === 'cf-device-type') device = value;
    else headers[name] = value;
  }
  if (device !== undefined && !(device in DEVICE_USER_AGENTS)) return { probeable: false, reason: `unknown device type "${device}"` };
  headers['user-agent'] = DEVICE_USER_AGENTS[(device ?? 'desktop') as keyof typeof DEVICE_USER_AGENTS];
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
 * At most `rate` request starts in any one second: starts are spaced 1000/rate ms apart, so the
 * rate+1-th start is a whole second after the first. Starts are taken in call order.
 */
export class RateGate {
  private nextAt = -Infinity;
  private readonly intervalMs: number;
  constructor(rate: number, private readonly clock: Clock) {
    this.intervalMs = 1000 / rate;
  }

  /** Resolves when a request may start; false when the signal aborted the wait. */
  async take(signal?: AbortSignal): Promise<boolean> {
    const at = Math.max(this.clock.now(), this.nextAt);
    this.nextAt = at + this.intervalMs;
    // A timer may fire a little early: wait until the clock has really reached the slot.
    for (let wait = at - this.clock.now(); wait > 0; wait = at - this.clock.now()) {
      if (signal?.aborted) return false;
      await this.clock.sleep(Math.ceil(wait), signal);
    }
    return !signal?.aborted;
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

/**
 * An undici Agent of its own (nothing of the API client, or its token, is shared with it) whose
 * connections follow the --connect-to rules: `--verify`, `--wait-for` and `--warm` alike.
 */
export async function routedAgent(options: ProberOptions): Promise<Dispatcher> {
  const { Agent, buildConnector } = await import('undici');
  const connector = buildConnector({ timeout: options.timeoutMs });
  return new Agent({
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
}

/** A prober on its own Agent (routedAgent). */
export async function createProber(options: ProberOptions): Promise<Prober> {
  const { request } = await import('undici');
  const agent = await routedAgent(options);
  return {
    async get(url, headers, signal) {
      if (signal?.aborted) return { error: 'interrupted' };
      try {
        const response = await request(url, { method: 'GET', headers: { ...headers }, dispatcher: agent, ...(signal ? { signal } : {}) });
        const raw = response.headers['cf-cache-status'];
        const value = Array.isArray(raw) ? raw[0] : raw;
        await response.body.dump({ limit: 1 << 20 }).catch(() => undefined);
        // What the edge (or whatever answers at --connect-to) sends is printable from here on: it
        // reaches the report, the verdict's reason and the --json events.
        return { cacheStatus: value === undefined ? null : printable(value.trim().toUpperCase()), httpStatus: response.statusCode };
      } catch (error) {
        if (signal?.aborted) return { error: 'interrupted' };
        return { error: printable(describeError(error)) };
      }
    },
    close: () => agent.close(),
  };
}

/** A connection failure in a few words (`timeout`, `connection refused`, …). */
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
