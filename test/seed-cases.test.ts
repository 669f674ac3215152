// Every cache-key case of the seed article (the cache-key cases of docs/cloudflare.md),
// in its order: the purge.yaml that describes the setting, and the exact request bodies purgeplan
// plans for it. Where the article shows one purge body, the plan must contain that purge; it also
// purges the *absent* variant where the key has one (docs/purge-yaml.md), so the expected bodies list it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodiesOf, errorsOf, keyedConfig, planOf } from './support/config-builder.js';

type Json = Record<string, unknown>;
const FOO = 'https://www.example.com/foo';

function bodies(cacheKey: Json | null, group: Json, zone: Json = { plan: 'enterprise' }): unknown[] {
  return bodiesOf(planOf(keyedConfig(cacheKey, group, zone)).plan);
}

describe('seed: purging by URL only (default cache key)', () => {
  it('a URL without a query string', () => {
    assert.deepEqual(bodies(null, { urls: [FOO] }), [{ files: [FOO] }]);
  });

  it('a URL with a query string is purged with that query string (id=2 is not)', () => {
    assert.deepEqual(bodies(null, { urls: [`${FOO}?id=1`] }), [{ files: [`${FOO}?id=1`] }]);
  });

  it('multiple query parameters: a=0&b=1 and b=1&a=0 are different keys, each purged as written', () => {
    assert.deepEqual(bodies(null, { urls: [`${FOO}?a=0&b=1`] }), [{ files: [`${FOO}?a=0&b=1`] }]);
    assert.deepEqual(bodies(null, { urls: [`${FOO}?a=0&b=1`, `${FOO}?b=1&a=0`] }), [{ files: [`${FOO}?a=0&b=1`, `${FOO}?b=1&a=0`] }]);
  });
});

describe('seed: query string cache rules', () => {
  it('query string sort: b=1&a=0 is purged as a=0&b=1, and both orders are one item', () => {
    assert.deepEqual(bodies({ query_string: { sort: true } }, { urls: [`${FOO}?b=1&a=0`] }), [{ files: [`${FOO}?a=0&b=1`] }]);
    const { plan } = planOf(keyedConfig({ query_string: { sort: true } }, { urls: [`${FOO}?a=0&b=1`, `${FOO}?b=1&a=0`] }));
    assert.deepEqual(bodiesOf(plan), [{ files: [`${FOO}?a=0&b=1`] }]);
  });

  it('ignore query string: the URL is purged without its query string, whatever it was', () => {
    assert.deepEqual(bodies({ query_string: { ignore: true } }, { urls: [`${FOO}?id=1`, `${FOO}?hoge=2345`, FOO] }), [{ files: [FOO] }]);
  });
});

describe('seed: headers in the default cache key', () => {
  it('Origin: the URL with the Origin header (and without it)', () => {
    assert.deepEqual(bodies(null, { urls: [FOO], variants: { headers: { origin: ['https://example.net'] } } }), [
      { files: [{ url: FOO }, { url: FOO, headers: { origin: 'https://example.net' } }] },
    ]);
  });

  it('Origin: two origins cached separately are purged separately', () => {
    assert.deepEqual(bodies(null, { urls: [FOO], variants: { headers: { origin: ['https://example.com', 'https://example.net'] } } }), [
      { files: [{ url: FOO }, { url: FOO, headers: { origin: 'https://example.com' } }, { url: FOO, headers: { origin: 'https://example.net' } }] },
    ]);
  });

  // The seed's table: Origin X-Forwarded-Host X-Host X-Forwarded-Scheme X-Original-URL X-Rewrite-URL Forwarded.
  const seedHeaders: [string, string][] = [
    ['X-Forwarded-Host', 'www.example.net'],
    ['X-Host', 'www.example.net'],
    ['X-Forwarded-Scheme', 'ws'],
    ['X-Original-URL', '/bar'],
    ['X-Rewrite-URL', '/bar'],
    ['Forwarded', 'for=192.0.2.60;proto=http;by=203.0.113.43'],
  ];
  for (const [header, value] of seedHeaders) {
    it(`${header}: the header, lower-case, with its value`, () => {
      assert.deepEqual(bodies(null, { urls: [FOO], variants: { headers: { [header]: [value] } } }), [
        { files: [{ url: FOO }, { url: FOO, headers: { [header.toLowerCase()]: value } }] },
      ]);
    });
  }
});

describe('seed: cache key changed with cache rules', () => {
  it('specified request header and value: headers {"z-id": "1"}', () => {
    assert.deepEqual(bodies({ headers: { include: ['z-id'] } }, { urls: [FOO], variants: { headers: { 'z-id': ['1'] } } }), [
      { files: [{ url: FOO }, { url: FOO, headers: { 'z-id': '1' } }] },
    ]);
  });

  it('specified request header and value: z-id 1 and 2 are purged separately; only the listed values', () => {
    assert.deepEqual(bodies({ headers: { include: ['z-id'] } }, { urls: [FOO], variants: { headers: { 'z-id': { values: ['1'], absent: false } } } }), [
      { files: [{ url: FOO, headers: { 'z-id': '1' } }] },
    ]);
  });

  it('existence of a request header: the header with a value (any works; purgeplan sends 1), and without it', () => {
    assert.deepEqual(bodies({ headers: { check_presence: ['z-id'] } }, { urls: [FOO] }), [{ files: [{ url: FOO }, { url: FOO, headers: { 'z-id': '1' } }] }]);
  });

  it('specified cookie and value: headers {"cookie": "z-id=1"}', () => {
    assert.deepEqual(bodies({ cookies: { include: ['z-id'] } }, { urls: [FOO], variants: { cookies: { 'z-id': ['1'] } } }), [
      { files: [{ url: FOO }, { url: FOO, headers: { cookie: 'z-id=1' } }] },
    ]);
  });

  it('existence of a cookie: the cookie with a value (any works; purgeplan sends z-id=1), and without it', () => {
    assert.deepEqual(bodies({ cookies: { check_presence: ['z-id'] } }, { urls: [FOO] }), [{ files: [{ url: FOO }, { url: FOO, headers: { cookie: 'z-id=1' } }] }]);
  });

  it('device type: cf-device-type mobile', () => {
    assert.deepEqual(bodies({ device_type: true }, { urls: [FOO], variants: { device_type: ['mobile'] } }, {}), [
      { files: [{ url: FOO, headers: { 'cf-device-type': 'mobile' } }] },
    ]);
  });

  it('device type: by default every type Cloudflare classifies (desktop, mobile, tablet)', () => {
    assert.deepEqual(bodies({ device_type: true }, { urls: [FOO] }, {}), [
      { files: ['desktop', 'mobile', 'tablet'].map((type) => ({ url: FOO, headers: { 'cf-device-type': type } })) },
    ]);
  });

  it('country: cf-ipcountry JP, upper-case even when written lower-case', () => {
    assert.deepEqual(bodies({ geo: true }, { urls: [FOO], variants: { geo: ['jp'] } }), [{ files: [{ url: FOO, headers: { 'cf-ipcountry': 'JP' } }] }]);
    assert.deepEqual(bodies({ geo: true }, { urls: [FOO], variants: { geo: ['JP', 'AU'] } }), [
      { files: [{ url: FOO, headers: { 'cf-ipcountry': 'AU' } }, { url: FOO, headers: { 'cf-ipcountry': 'JP' } }] },
    ]);
  });

  it('language: accept-language ja', () => {
    assert.deepEqual(bodies({ lang: true }, { urls: [FOO], variants: { lang: ['ja'] } }), [{ files: [{ url: FOO }, { url: FOO, headers: { 'accept-language': 'ja' } }] }]);
  });

  it('language is case-sensitive: de is sent as de, DE as DE (not folded)', () => {
    assert.deepEqual(bodies({ lang: true }, { urls: [FOO], variants: { lang: { values: ['de'], absent: false } } }), [{ files: [{ url: FOO, headers: { 'accept-language': 'de' } }] }]);
    assert.deepEqual(bodies({ lang: true }, { urls: [FOO], variants: { lang: { values: ['DE'], absent: false } } }), [{ files: [{ url: FOO, headers: { 'accept-language': 'DE' } }] }]);
  });

  it('language: ja-jp and ja-Jp are cached separately and purged separately', () => {
    assert.deepEqual(bodies({ lang: true }, { urls: [FOO], variants: { lang: { values: ['ja-jp', 'ja-Jp'], absent: false } } }), [
      { files: [{ url: FOO, headers: { 'accept-language': 'ja-Jp' } }, { url: FOO, headers: { 'accept-language': 'ja-jp' } }] },
    ]);
  });
});

describe('seed: other settings', () => {
  it('resolved host: a URL purge cannot match it, so urls are refused by validation', () => {
    const errors = errorsOf(keyedConfig({ host: { resolved: true } }, { urls: ['https://www.example.com/custom/ts.bin'] }, { plan: 'enterprise' }));
    assert.ok(errors.some((m) => m.includes('resolved host') && m.includes('groups.g')), JSON.stringify(errors));
  });

  it('resolved host: purged by hosts instead: {"hosts": ["o1.oymk.work"]}', () => {
    assert.deepEqual(bodies({ host: { resolved: true } }, { hosts: ['o1.oymk.work'] }), [{ hosts: ['o1.oymk.work'] }]);
  });

  it('Origin excluded from the key: the plain URL, no Origin header', () => {
    assert.deepEqual(bodies({ headers: { exclude_origin: true } }, { urls: [FOO] }), [{ files: [FOO] }]);
  });

  it('cache deception armor does not change the key: the plain URL', () => {
    // It only refuses to cache on an extension/Content-Type mismatch (docs/cloudflare.md):
    // a profile may say so, as its Cache Rule does, and the purge is the plain URL either way.
    const url = 'https://www.example.com/deception/foo.png';
    assert.deepEqual(bodies(null, { urls: [url] }), [{ files: [url] }]);
    assert.deepEqual(bodies({ cache_deception_armor: true }, { urls: [url] }), [{ files: [url] }]);
  });
});
