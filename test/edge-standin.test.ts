// The edge stand-in itself: it must key, cache and evict as its configuration says, or the verify
// tests prove nothing. Purges go through the API stand-in over HTTP and reach the edge by its hook.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { DEFAULT_TOKEN, DEFAULT_ZONE, startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { deviceTypeOf, startEdge } from './support/edge-standin.js';
import type { Edge, EdgeOptions } from './support/edge-standin.js';

const UA = {
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
  androidTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1',
  windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
};

function get(edge: Edge, host: string, path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: edge.port, path, method: 'GET', headers: { host, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['cf-cache-status'])));
    });
    req.on('error', reject);
    req.end();
  });
}

async function purge(standin: Standin, body: unknown): Promise<void> {
  const response = await fetch(`${standin.url}/zones/${DEFAULT_ZONE.id}/purge_cache`, {
    method: 'POST', headers: { authorization: `Bearer ${DEFAULT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

async function withEdge(options: EdgeOptions, body: (edge: Edge, standin: Standin) => Promise<void>): Promise<void> {
  const standin = await startStandin({ enforceLimits: false });
  const edge = await startEdge({ ...options, standin });
  try {
    await body(edge, standin);
  } finally {
    await edge.close();
    await standin.close();
  }
}

const H = 'www.example.com';

describe('edge stand-in: caching', () => {
  it('classifies User-Agents as Cloudflare does', () => {
    assert.equal(deviceTypeOf(UA.android), 'mobile');
    assert.equal(deviceTypeOf(UA.iphone), 'mobile');
    assert.equal(deviceTypeOf(UA.ipad), 'tablet');
    assert.equal(deviceTypeOf(UA.androidTablet), 'tablet');
    assert.equal(deviceTypeOf(UA.windows), 'desktop');
    assert.equal(deviceTypeOf(undefined), 'desktop');
  });

  it('MISS then HIT; uncacheable paths answer their status and are never stored', async () => {
    await withEdge({ uncacheable: [{ path: '/api/', status: 'DYNAMIC' }, { path: '/cart', status: 'BYPASS' }] }, async (edge) => {
      assert.equal(await get(edge, H, '/a'), 'MISS');
      assert.equal(await get(edge, H, '/a'), 'HIT');
      assert.equal(await get(edge, H, '/api/x'), 'DYNAMIC');
      assert.equal(await get(edge, H, '/api/x'), 'DYNAMIC');
      assert.equal(await get(edge, H, '/cart'), 'BYPASS');
      assert.equal(edge.entries().length, 1);
    });
  });

  it('keys by device type, language, headers, cookies, Origin and query as the rule says', async () => {
    const cacheKey = {
      cache_by_device_type: true, ignore_query_strings_order: true,
      custom_key: { query_string: { exclude: { list: ['utm'] } }, user: { lang: true }, header: { include: ['x-tenant'], check_presence: ['x-beta'] }, cookie: { include: ['ab'] } },
    };
    await withEdge({ cacheKey }, async (edge) => {
      assert.equal(await get(edge, H, '/p?b=2&a=1', { 'user-agent': UA.android }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2&utm=x', { 'user-agent': UA.iphone }), 'HIT');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, 'accept-language': 'ja' }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, 'x-tenant': 'acme' }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, 'x-beta': 'yes' }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, 'x-beta': 'other' }), 'HIT');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, cookie: 'ab=a; other=1' }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, cookie: 'other=2; ab=a' }), 'HIT');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, origin: 'https://app.example.com' }), 'MISS');
      assert.equal(await get(edge, H, '/p?a=1&b=2', { 'user-agent': UA.windows, 'x-unrelated': '1' }), 'HIT');
    });
  });
});

describe('edge stand-in: evicts exactly what accepted purges name', () => {
  it('files with headers: the named variant only; a missing header is an empty value', async () => {
    await withEdge({ cacheKey: { custom_key: { user: { device_type: true, lang: true } } } }, async (edge, standin) => {
      await get(edge, H, '/f', { 'user-agent': UA.android, 'accept-language': 'ja' });
      await get(edge, H, '/f', { 'user-agent': UA.windows, 'accept-language': 'ja' });
      await get(edge, H, '/f', { 'user-agent': UA.windows });
      await purge(standin, { files: [{ url: `http://${H}/f`, headers: { 'cf-device-type': 'mobile', 'accept-language': 'ja' } }] });
      assert.equal(await get(edge, H, '/f', { 'user-agent': UA.windows, 'accept-language': 'ja' }), 'HIT');
      assert.equal(await get(edge, H, '/f', { 'user-agent': UA.android, 'accept-language': 'ja' }), 'MISS');
      // No cf-device-type in the purge: an empty device type, which no request has.
      await purge(standin, { files: [`http://${H}/f`] });
      assert.equal(await get(edge, H, '/f', { 'user-agent': UA.windows }), 'HIT');
      await purge(standin, { files: [{ url: `http://${H}/f`, headers: { 'cf-device-type': 'desktop' } }] });
      assert.equal(await get(edge, H, '/f', { 'user-agent': UA.windows }), 'MISS');
      assert.equal(edge.purges.length, 3);
    });
  });

  it('the purge URL is keyed like a request (sorted query)', async () => {
    await withEdge({ cacheKey: { ignore_query_strings_order: true } }, async (edge, standin) => {
      await get(edge, H, '/q?a=1&b=2');
      await purge(standin, { files: [`http://${H}/q?b=2&a=1`] });
      assert.equal(await get(edge, H, '/q?a=1&b=2'), 'MISS');
    });
  });

  it('hosts, prefixes (at a segment boundary), tags, everything', async () => {
    const tags = (url: string) => (url.includes('/blog/') ? ['Blog'] : []);
    await withEdge({ tags }, async (edge, standin) => {
      const warm = async () => { for (const [h, p] of [[H, '/a'], ['img.example.com', '/i'], [H, '/docs/x'], [H, '/docsx'], [H, '/blog/1']]) await get(edge, h, p); };
      await warm();
      await purge(standin, { hosts: ['img.example.com'] });
      assert.deepEqual(await Promise.all([get(edge, 'img.example.com', '/i'), get(edge, H, '/a')]), ['MISS', 'HIT']);
      await purge(standin, { prefixes: [`${H}/docs`] });
      assert.deepEqual([await get(edge, H, '/docs/x'), await get(edge, H, '/docsx')], ['MISS', 'HIT']);
      await purge(standin, { tags: ['blog'] });
      assert.deepEqual([await get(edge, H, '/blog/1'), await get(edge, H, '/a')], ['MISS', 'HIT']);
      await purge(standin, { purge_everything: true });
      assert.deepEqual(edge.entries(), []);
    });
  });

  it('an invalidation marks entries stale: REVALIDATED once, then HIT', async () => {
    await withEdge({}, async (edge) => {
      await get(edge, H, '/v');
      edge.purge({ seq: 1, zoneId: DEFAULT_ZONE.id, body: { files: [`http://${H}/v`] }, at: 0, id: 'x', action: 'invalidate' } as never);
      assert.equal(await get(edge, H, '/v'), 'REVALIDATED');
      assert.equal(await get(edge, H, '/v'), 'HIT');
    });
  });

  it('a purge of another zone touches nothing', async () => {
    await withEdge({ zones: [{ id: DEFAULT_ZONE.id, name: 'example.org' }] }, async (edge, standin) => {
      await get(edge, H, '/z');
      await purge(standin, { purge_everything: true });
      assert.equal(await get(edge, H, '/z'), 'HIT');
    });
  });
});
