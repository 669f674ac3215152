// The GETs of `apply --warm` (docs/commands.md#warm-the-cache): on an edge client of their own (undici, with
// --connect-to), nothing of the API client or its token shared; each answer read to its end, as a
// visitor's browser would, so that the edge stores the whole response.
import { printable } from '../format.js';
import type { ConnectTo } from '../verify/probe.js';
import { cacheStatusOf, DEFAULT_PROBE_TIMEOUT_MS, describeError, edgeClient } from '../verify/probe.js';
import type { WarmFetch } from './warm.js';

export interface EdgeFetch {
  readonly fetch: WarmFetch;
  close(): Promise<void>;
}

export async function createWarmFetch(options: { readonly connectTo: readonly ConnectTo[]; readonly connections: number; readonly timeoutMs?: number }): Promise<EdgeFetch> {
  const { dispatcher, request } = await edgeClient({ connectTo: options.connectTo, connections: options.connections, timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS });
  const fetch: WarmFetch = async (url, headers, signal) => {
    if (signal?.aborted) return { error: 'interrupted' };
    try {
      // undici adds no header of its own that a cache key reads (no Accept-Language, no User-Agent but the one given).
      const response = await request(url, { method: 'GET', headers: { ...headers }, dispatcher, ...(signal ? { signal } : {}) });
      const rest = async (): Promise<string | null> => {
        try {
          for await (const chunk of response.body) void chunk;
          return null;
        } catch (error) {
          return printable(describeError(error));
        }
      };
      return { httpStatus: response.statusCode, cacheStatus: cacheStatusOf(response.headers), rest };
    } catch (error) {
      return { error: signal?.aborted ? 'interrupted' : printable(describeError(error)) };
    }
  };
  return { fetch, close: () => dispatcher.close() };
}
