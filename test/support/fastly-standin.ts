/**
 * A stand-in for Fastly's purge API, for tests (https://www.fastly.com/documentation/reference/api/purging/).
 * It listens on 127.0.0.1 (port 0) and implements:
 *   POST /purge/{host}{path}?{query}       one URL (the URL's query is the request's query)
 *   POST /service/{service_id}/purge        {"surrogate_keys": [...]} or a Surrogate-Key header; at most 256 keys
 *   POST /service/{service_id}/purge_all    everything (a soft purge_all is refused: Fastly has none)
 * Every request must carry a valid `Fastly-Key` (as with `Fastly-Purge-Requires-Auth`); errors are
 * Fastly's `{"msg", "detail"}`. It records every purge (soft or not), every request, and the most
 * requests it held at once (so tests observe the client's concurrency). Faults: a status with
 * headers (429 with Retry-After or Fastly-RateLimit-Reset), a reset, a hold until a promise settles.
 * Only Node built-ins are used; where Fastly's behaviour is undocumented, "ASSUMPTION" says so.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FASTLY_TEST_TOKEN = 'fastly-test-token-0123456789';
export const FASTLY_TEST_SERVICE = 'SU1Z0isxPaozGVKXdv0eY';

export type FastlyFault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'hold'; until: Promise<unknown> };

export interface FastlyRequestContext { seq: number; method: string; path: string }

export interface FastlyPurge {
  seq: number;
  kind: 'url' | 'keys' | 'all';
  service?: string;
  /** For a URL purge: `host/path?query` as received. */
  url?: string;
  keys?: string[];
  soft: boolean;
  id: string;
}

export interface FastlyLogged { seq: number; method: string; path: string; status: number | 'reset'; fastlyKey: string | undefined; soft: boolean; contentType: string | undefined }

export interface FastlyStandinOptions {
  tokens?: string[];
  services?: string[];
  fault?: (ctx: FastlyRequestContext) => FastlyFault | undefined;
  /** Every purge waits for this before it is answered (so that requests pile up). */
  gate?: () => Promise<unknown>;
}

export interface FastlyStandin {
  url: string;
  purges: FastlyPurge[];
  log: FastlyLogged[];
  /** The most requests held at once. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export async function startFastlyStandin(options: FastlyStandinOptions = {}): Promise<FastlyStandin> {
  const tokens = new Set(options.tokens ?? [FASTLY_TEST_TOKEN]);
  const services = new Set(options.services ?? [FASTLY_TEST_SERVICE]);
  const purges: FastlyPurge[] = [];
  const log: FastlyLogged[] = [];
  const sockets = new Set<Socket>();
  let seq = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let ids = 0;
  const nextId = (): string => `108-1391560174-${String(++ids).padStart(6, '0')}`;

  async function handle(req: IncomingMessage, res: ServerResponse, body: string, n: number): Promise<number | 'reset'> {
    const target = req.url ?? '/';
    const fault = options.fault?.({ seq: n, method: req.method ?? '', path: target });
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return 'reset';
    }
    if (fault?.kind === 'hold') await fault.until;
    if (fault?.kind === 'status') {
      json(res, fault.status, fault.body ?? { msg: 'Too many requests' }, fault.headers);
      return fault.status;
    }
    if (req.method !== 'POST') {
      json(res, 405, { msg: 'Method not allowed' });
      return 405;
    }
    const key = req.headers['fastly-key'];
    if (typeof key !== 'string' || !tokens.has(key)) {
      json(res, 401, { msg: 'Provided credentials are missing or invalid' });
      return 401;
    }
    await options.gate?.();
    const soft = req.headers['fastly-soft-purge'] !== undefined;
    const [path, query] = splitTarget(target);
    if (path.startsWith('/purge/')) {
      const id = nextId();
      purges.push({ seq: n, kind: 'url', url: `${path.slice('/purge/'.length)}${query}`, soft, id });
      json(res, 200, { status: 'ok', id });
      return 200;
    }
    const service = /^\/service\/([^/]+)\/(purge|purge_all)$/.exec(path);
    if (service === null) {
      json(res, 404, { msg: 'Record not found', detail: `Cannot find route '${path}'` });
      return 404;
    }
    const sid = decodeURIComponent(service[1]);
    if (!services.has(sid)) {
      json(res, 404, { msg: 'Record not found', detail: `Cannot find service '${sid}'` });
      return 404;
    }
    if (service[2] === 'purge_all') {
      // ASSUMPTION: a soft purge_all is refused with a 400 (Fastly: "Purge-all requests cannot be done in soft mode").
      if (soft) {
        json(res, 400, { msg: 'Bad request', detail: 'purge_all cannot be done in soft mode' });
        return 400;
      }
      purges.push({ seq: n, kind: 'all', service: sid, soft, id: nextId() });
      json(res, 200, { status: 'ok' });
      return 200;
    }
    return purgeKeys(req, res, body, n, sid, soft);
  }

  function purgeKeys(req: IncomingMessage, res: ServerResponse, body: string, n: number, sid: string, soft: boolean): number {
    let keys: unknown;
    if (body !== '') {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        json(res, 415, { msg: 'Unsupported media type' });
        return 415;
      }
      try {
        keys = (JSON.parse(body) as { surrogate_keys?: unknown }).surrogate_keys;
      } catch {
        json(res, 400, { msg: 'Bad request', detail: 'invalid JSON' });
        return 400;
      }
    } else {
      keys = String(req.headers['surrogate-key'] ?? '').split(' ').filter(Boolean);
    }
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
      json(res, 400, { msg: 'Bad request', detail: 'surrogate_keys must be a list of keys' });
      return 400;
    }
    if (keys.length > 256) {
      // The error text Fastly answers (fastly/fastly-magento2#104).
      json(res, 400, { msg: 'Batch surrogate key request only supports up to 256 surrogate keys' });
      return 400;
    }
    const answer: Record<string, string> = {};
    for (const key of keys as string[]) answer[key] = nextId();
    purges.push({ seq: n, kind: 'keys', service: sid, keys: keys as string[], soft, id: answer[(keys as string[])[0]] });
    json(res, 200, answer);
    return 200;
  }

  const server = createServer((req, res) => {
    const n = ++seq;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = (status: number | 'reset'): void => {
        inFlight--;
        log.push({
          seq: n, method: req.method ?? '', path: req.url ?? '', status,
          fastlyKey: typeof req.headers['fastly-key'] === 'string' ? req.headers['fastly-key'] : undefined,
          soft: req.headers['fastly-soft-purge'] !== undefined,
          contentType: req.headers['content-type'],
        });
      };
      handle(req, res, Buffer.concat(chunks).toString('utf8'), n).then(done, (error: unknown) => {
        json(res, 500, { msg: String(error) });
        done(500);
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    purges,
    log,
    get maxInFlight() { return maxInFlight; },
    get inFlight() { return inFlight; },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?');
  return q === -1 ? [target, ''] : [target.slice(0, q), target.slice(q)];
}
