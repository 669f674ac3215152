// docs/purge-yaml.md: header variants. One test per row of the table (what the cache key has -> which
// values, which header), then the cookie join, {values, absent: false}, the cross product and the
// body form. Every assertion is on the files body that apply would POST.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorsOf, filesOf, keyedConfig, planOf } from './support/config-builder.js';

type Json = Record<string, unknown>;
const URL_A = 'https://www.example.com/a';

/** The files entries for one URL under `cacheKey` (null: the default key) with `variants`. */
function entries(cacheKey: Json | null, variants?: Json, zone: Json = { plan: 'enterprise' }): unknown[] {
  const { plan } = planOf(keyedConfig(cacheKey, { urls: [URL_A], ...(variants ? { variants } : {}) }, zone));
  return filesOf(plan);
}

const withHeaders = (headers: Record<string, string>) => ({ url: URL_A, headers });

describe('variants (docs/purge-yaml.md): one test per row of the table', () => {
  it('device_type: default [desktop, mobile, tablet], sent as cf-device-type, no absent variant', () => {
    assert.deepEqual(entries({ device_type: true }), [
      withHeaders({ 'cf-device-type': 'desktop' }),
      withHeaders({ 'cf-device-type': 'mobile' }),
      withHeaders({ 'cf-device-type': 'tablet' }),
    ]);
  });

  it('device_type: the listed values only', () => {
    assert.deepEqual(entries({ device_type: true }, { device_type: ['mobile'] }), [withHeaders({ 'cf-device-type': 'mobile' })]);
  });

  it('device_type: a value other than the three is an error', () => {
    const errors = errorsOf(keyedConfig({ device_type: true }, { urls: [URL_A], variants: { device_type: ['phone'] } }));
    assert.ok(errors.some((m) => m.includes('"phone" is not a device type')), JSON.stringify(errors));
  });

  it('geo: values upper-cased, sent as cf-ipcountry, no absent variant', () => {
    assert.deepEqual(entries({ geo: true }, { geo: ['us', 'Jp'] }), [withHeaders({ 'cf-ipcountry': 'JP' }), withHeaders({ 'cf-ipcountry': 'US' })]);
  });

  it('geo: XX (unknown) and T1 (Tor) are valid', () => {
    assert.deepEqual(entries({ geo: true }, { geo: ['xx', 't1'] }), [withHeaders({ 'cf-ipcountry': 'T1' }), withHeaders({ 'cf-ipcountry': 'XX' })]);
  });

  it('geo: all = the 249 ISO 3166-1 alpha-2 codes + XX + T1', () => {
    const found = entries({ geo: true }, { geo: ['all'] }) as { headers: Record<string, string> }[];
    const codes = found.map((entry) => entry.headers['cf-ipcountry']);
    assert.equal(codes.length, 251);
    assert.equal(new Set(codes).size, 251);
    for (const code of ['JP', 'US', 'DE', 'AQ', 'SS', 'XX', 'T1']) assert.ok(codes.includes(code), code);
    assert.ok(codes.every((code) => /^[A-Z][A-Z0-9]$/.test(code)));
    assert.deepEqual(codes, [...codes].sort(), 'sorted by header value');
  });

  it('geo: all together with a listed code is still 251 variants', () => {
    assert.equal(entries({ geo: true }, { geo: ['ALL', 'jp'] }).length, 251);
  });

  it('geo: required when the key has geo', () => {
    const errors = errorsOf(keyedConfig({ geo: true }, { urls: [URL_A] }, { plan: 'enterprise' }));
    assert.ok(errors.some((m) => m.includes('geo')), JSON.stringify(errors));
  });

  it('geo: a code outside the ISO list is an error', () => {
    const errors = errorsOf(keyedConfig({ geo: true }, { urls: [URL_A], variants: { geo: ['ZZZ'] } }, { plan: 'enterprise' }));
    assert.ok(errors.some((m) => m.includes('"ZZZ" is not a country code')), JSON.stringify(errors));
  });

  it('lang: absent + each value exactly as written (case-sensitive), sent as accept-language', () => {
    assert.deepEqual(entries({ lang: true }, { lang: ['ja', 'en-US', 'ja-jp', 'ja-Jp'] }), [
      { url: URL_A },
      withHeaders({ 'accept-language': 'en-US' }),
      withHeaders({ 'accept-language': 'ja' }),
      withHeaders({ 'accept-language': 'ja-Jp' }),
      withHeaders({ 'accept-language': 'ja-jp' }),
    ]);
  });

  it('headers.include: absent + the listed values of the header', () => {
    assert.deepEqual(entries({ headers: { include: ['x-tenant'] } }, { headers: { 'x-tenant': ['globex', 'acme'] } }), [
      { url: URL_A },
      withHeaders({ 'x-tenant': 'acme' }),
      withHeaders({ 'x-tenant': 'globex' }),
    ]);
  });

  it('headers.include: a header written in upper case is sent lower-case', () => {
    assert.deepEqual(entries({ headers: { include: ['X-Tenant'] } }, { headers: { 'X-Tenant': ['acme'] } }), [{ url: URL_A }, withHeaders({ 'x-tenant': 'acme' })]);
  });

  it('headers.include: values are required', () => {
    const errors = errorsOf(keyedConfig({ headers: { include: ['x-tenant'] } }, { urls: [URL_A] }, { plan: 'enterprise' }));
    assert.ok(errors.some((m) => m.includes('x-tenant')), JSON.stringify(errors));
  });

  it('headers.check_presence: present (value 1) and absent', () => {
    assert.deepEqual(entries({ headers: { check_presence: ['x-beta'] } }), [{ url: URL_A }, withHeaders({ 'x-beta': '1' })]);
  });

  it('Origin (default key): absent only, when no origin is listed', () => {
    assert.deepEqual(entries(null), [URL_A]);
  });

  it('Origin (default key): absent + the listed values', () => {
    assert.deepEqual(entries(null, { headers: { origin: ['https://app.example.com', 'https://example.net'] } }), [
      { url: URL_A },
      withHeaders({ origin: 'https://app.example.com' }),
      withHeaders({ origin: 'https://example.net' }),
    ]);
  });

  it('Origin with exclude_origin: a variant for it is an error (it would purge nothing)', () => {
    const errors = errorsOf(keyedConfig({ headers: { exclude_origin: true } }, { urls: [URL_A], variants: { headers: { origin: ['https://a.example'] } } }, { plan: 'enterprise' }));
    assert.ok(errors.some((m) => m.includes('Origin')), JSON.stringify(errors));
  });

  for (const header of ['x-forwarded-host', 'x-host', 'x-forwarded-scheme', 'x-original-url', 'x-rewrite-url', 'forwarded', 'x-http-method-override', 'x-http-method', 'x-method-override']) {
    it(`default-key header ${header}: absent + the listed values`, () => {
      assert.deepEqual(entries(null, { headers: { [header]: ['v2', 'v1'] } }), [{ url: URL_A }, withHeaders({ [header]: 'v1' }), withHeaders({ [header]: 'v2' })]);
    });
  }

  it('a header that is not in the key is an error', () => {
    const errors = errorsOf(keyedConfig(null, { urls: [URL_A], variants: { headers: { 'x-tenant': ['a'] } } }));
    assert.ok(errors.some((m) => m.includes('x-tenant')), JSON.stringify(errors));
  });

  it('cookies.include: absent + the listed values, sent as cookie name=value', () => {
    assert.deepEqual(entries({ cookies: { include: ['ab_bucket'] } }, { cookies: { ab_bucket: ['b', 'a'] } }), [
      { url: URL_A },
      withHeaders({ cookie: 'ab_bucket=a' }),
      withHeaders({ cookie: 'ab_bucket=b' }),
    ]);
  });

  it('cookies.include: values are required', () => {
    const errors = errorsOf(keyedConfig({ cookies: { include: ['ab_bucket'] } }, { urls: [URL_A] }, { plan: 'enterprise' }));
    assert.ok(errors.some((m) => m.includes('ab_bucket')), JSON.stringify(errors));
  });

  it('cookies.check_presence: present (c=1) and absent', () => {
    assert.deepEqual(entries({ cookies: { check_presence: ['logged_in'] } }), [{ url: URL_A }, withHeaders({ cookie: 'logged_in=1' })]);
  });
});

describe('variants (docs/purge-yaml.md): {values, absent: false} drops the absent variant', () => {
  const rows: { dimension: string; key: Json | null; variants: Json; expected: unknown[] }[] = [
    { dimension: 'lang', key: { lang: true }, variants: { lang: { values: ['ja'], absent: false } }, expected: [withHeaders({ 'accept-language': 'ja' })] },
    { dimension: 'headers.include', key: { headers: { include: ['x-tenant'] } }, variants: { headers: { 'x-tenant': { values: ['acme'], absent: false } } }, expected: [withHeaders({ 'x-tenant': 'acme' })] },
    { dimension: 'headers.check_presence', key: { headers: { check_presence: ['x-beta'] } }, variants: { headers: { 'x-beta': { absent: false } } }, expected: [withHeaders({ 'x-beta': '1' })] },
    { dimension: 'origin', key: null, variants: { headers: { origin: { values: ['https://a.example'], absent: false } } }, expected: [withHeaders({ origin: 'https://a.example' })] },
    { dimension: 'x-forwarded-host', key: null, variants: { headers: { 'x-forwarded-host': { values: ['w.example'], absent: false } } }, expected: [withHeaders({ 'x-forwarded-host': 'w.example' })] },
    { dimension: 'cookies.include', key: { cookies: { include: ['ab'] } }, variants: { cookies: { ab: { values: ['a'], absent: false } } }, expected: [withHeaders({ cookie: 'ab=a' })] },
    { dimension: 'cookies.check_presence', key: { cookies: { check_presence: ['li'] } }, variants: { cookies: { li: { absent: false } } }, expected: [withHeaders({ cookie: 'li=1' })] },
    { dimension: 'absent: true keeps it (the default)', key: { lang: true }, variants: { lang: { values: ['ja'], absent: true } }, expected: [{ url: URL_A }, withHeaders({ 'accept-language': 'ja' })] },
  ];
  for (const row of rows) {
    it(row.dimension, () => assert.deepEqual(entries(row.key, row.variants), row.expected));
  }
});

describe('variants (docs/purge-yaml.md): cookies are joined into one cookie header', () => {
  const key = { cookies: { include: ['zz', 'aa'], check_presence: ['li'] } };
  const variants = { cookies: { zz: ['1'], aa: ['2'] } };

  it('in the order the cache key lists them (include first, then check_presence), separated by "; "', () => {
    const cookies = (entries(key, variants) as { headers?: Record<string, string> }[]).map((entry) => entry.headers?.cookie ?? null);
    assert.deepEqual(cookies, [
      null,
      'aa=2',
      'aa=2; li=1',
      'li=1',
      'zz=1',
      'zz=1; aa=2',
      'zz=1; aa=2; li=1',
      'zz=1; li=1',
    ]);
  });

  it('with no cookie present the cookie header is left out, and there is exactly one cookie header', () => {
    const found = entries(key, variants);
    assert.equal(found.length, 2 * 2 * 2);
    assert.deepEqual(found[0], { url: URL_A });
    for (const entry of found.slice(1)) {
      assert.equal(typeof entry, 'object');
      assert.deepEqual(Object.keys((entry as { headers: object }).headers), ['cookie']);
    }
  });
});

describe('variants (docs/purge-yaml.md): the cross product', () => {
  const key = {
    device_type: true,
    geo: true,
    lang: true,
    headers: { include: ['x-tenant'], check_presence: ['x-beta'] },
    cookies: { include: ['ab_bucket'], check_presence: ['logged_in'] },
  };
  const variants = {
    geo: ['JP', 'US'],
    lang: ['ja', 'en-US'],
    headers: { 'x-tenant': ['acme', 'globex'], origin: ['https://app.example.com'], 'x-forwarded-host': ['www.example.com'] },
    cookies: { ab_bucket: ['a', 'b'] },
  };
  // device 3 x geo 2 x lang (2+absent) x x-tenant (2+absent) x x-beta 2 x origin (1+absent)
  // x x-forwarded-host (1+absent) x ab_bucket (2+absent) x logged_in 2
  const size = 3 * 2 * 3 * 3 * 2 * 2 * 2 * 3 * 2;

  it(`has the product of the dimensions' sizes (${size}) distinct items, reported as the group's items`, () => {
    const { plan } = planOf(keyedConfig(key, { urls: [URL_A], variants }, { plan: 'enterprise' }));
    const found = filesOf(plan);
    assert.equal(found.length, size);
    assert.equal(new Set(found.map((entry) => JSON.stringify(entry))).size, size);
    assert.equal(plan.groups[0].items, size);
    assert.equal(plan.summary.files, size);
  });

  it('multiplies with the URLs and schemes', () => {
    const { plan } = planOf(keyedConfig(key, { urls: ['https://www.example.com/{1..3}'], variants }, { plan: 'enterprise', schemes: ['https', 'http'] }));
    assert.equal(plan.groups[0].items, 3 * 2 * size);
    assert.equal(filesOf(plan).length, 3 * 2 * size);
  });

  it('every item carries exactly the key headers, names lower-case and sorted', () => {
    const { plan } = planOf(keyedConfig(key, { urls: [URL_A], variants }, { plan: 'enterprise' }));
    const allowed = ['accept-language', 'cf-device-type', 'cf-ipcountry', 'cookie', 'origin', 'x-beta', 'x-forwarded-host', 'x-tenant'];
    for (const entry of filesOf(plan)) {
      assert.equal(typeof entry, 'object');
      const names = Object.keys((entry as { headers: object }).headers);
      assert.deepEqual(names, [...names].sort());
      assert.ok(names.every((name) => allowed.includes(name)), names.join());
      assert.ok(names.includes('cf-device-type') && names.includes('cf-ipcountry'), 'device type and country have no absent variant');
    }
  });
});

describe('variants (docs/purge-yaml.md): the body form', () => {
  it('an item without headers is a plain URL string', () => {
    const { plan } = planOf(keyedConfig(null, { urls: [URL_A] }));
    assert.equal(JSON.stringify(plan.requests[0].body), '{"files":["https://www.example.com/a"]}');
  });

  it('an item with headers is {url, headers}, header names lower-case and sorted', () => {
    const { plan } = planOf(keyedConfig({ device_type: true, headers: { include: ['X-Tenant'] } }, { urls: [URL_A], variants: { device_type: ['mobile'], headers: { 'X-Tenant': { values: ['acme'], absent: false } } } }, { plan: 'enterprise' }));
    assert.equal(JSON.stringify(plan.requests[0].body), '{"files":[{"url":"https://www.example.com/a","headers":{"cf-device-type":"mobile","x-tenant":"acme"}}]}');
  });

  it('a body mixing items with and without headers is all objects: the header-less one is {url}', () => {
    const { plan } = planOf(keyedConfig({ lang: true }, { urls: [URL_A], variants: { lang: ['ja'] } }, { plan: 'enterprise' }));
    assert.equal(JSON.stringify(plan.requests[0].body), '{"files":[{"url":"https://www.example.com/a"},{"url":"https://www.example.com/a","headers":{"accept-language":"ja"}}]}');
  });

  it('a variant for a dimension the key lacks is an error', () => {
    for (const variants of [{ device_type: ['mobile'] }, { geo: ['JP'] }, { lang: ['ja'] }, { cookies: { ab: ['a'] } }]) {
      const errors = errorsOf(keyedConfig(null, { urls: [URL_A], variants }));
      assert.ok(errors.some((m) => m.includes('would purge nothing')), `${JSON.stringify(variants)}: ${JSON.stringify(errors)}`);
    }
  });
});
