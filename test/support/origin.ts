// A site's origin for `apply --wait-for` tests: a loopback HTTP server whose answer a test decides
// (and switches: the old build, then the new one), recording every request it receives. Only
// Node built-ins are used.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface OriginAnswer {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Destroy the connection instead of answering. */
  readonly reset?: boolean;
}

export interface OriginRequest {
  /** From 1, in arrival order. */
  readonly seq: number;
  readonly method: string;
  /** Path and query as received. */
  readonly target: string;
  /** As received (names lower-case). */
  readonly headers: IncomingHttpHeaders;
}

export interface Origin {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly requests: OriginRequest[];
  /** From now on, answer this (or what the function says for the n-th request, from 1). */
  serve(answer: OriginAnswer | ((seq: number) => OriginAnswer)): void;
  /** Calls `listener` with every request as it arrives. */
  onRequest(listener: (request: OriginRequest) => void): void;
  close(): Promise<void>;
}

export async function startOrigin(first: OriginAnswer | ((seq: number) => OriginAnswer)): Promise<Origin> {
  let answer = typeof first === 'function' ? first : () => first;
  const requests: OriginRequest[] = [];
  const listeners: ((request: OriginRequest) => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const request: OriginRequest = { seq: requests.length + 1, method: req.method ?? 'GET', target: req.url ?? '/', headers: { ...req.headers } };
    requests.push(request);
    for (const listener of listeners) listener(request);
    const reply = answer(request.seq);
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    const body = reply.body ?? '';
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...(reply.headers as Record<string, string | string[]>) });
    res.end(body);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    serve: (next) => { answer = typeof next === 'function' ? next : () => next; },
    onRequest: (listener) => { listeners.push(listener); },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }),
  };
}
