// docs/purge-yaml.md: one purge type per request, chunk sizes per plan and `limits`, request and item
// order; docs/commands.md: summary counts and zone_id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodiesOf, configYaml, errorsOf, filesOf, OTHER_ZONE_ID, planOf, ZONE_ID } from './support/config-builder.js';
import type { PurgeBody } from '../src/plan/types.js';
import { wireBody } from '../src/plan/files.js';

type Json = Record<string, unknown>;
const W = 'https://www.example.com';

function planGroups(groups: Record<string, Json>, zones: Record<string, Json> = { www: { id: ZONE_ID } }, cacheKeys?: Record<string, Json>) {
  return planOf(configYaml({ zones, cache_keys: cacheKeys, groups })).plan;
}

const kindOf = (planned: PurgeBody): string => {
  const body = wireBody(planned);
  const keys = Object.keys(body);
  assert.equal(keys.length, 1, `one purge type per request: ${JSON.stringify(body)}`);
  return keys[0];
};
const sizeOf = (body: PurgeBody): number => {
  const value = Object.values(wireBody(body))[0] as unknown;
  return Array.isArray(value) ? value.length : 1;
};
const pad = (n: number) => String(n).padStart(3, '0');
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('chunking (docs/purge-yaml.md): one purge type per request', () => {
  it('files, hosts, prefixes and tags of one group go to four requests', () => {
    const plan = planGroups({ g: { urls: [`${W}/a`], hosts: ['static.example.com'], prefixes: ['www.example.com/feeds/'], tags: ['posts'] } });
    assert.deepEqual(bodiesOf(plan), [{ hosts: ['static.example.com'] }, { prefixes: ['www.example.com/feeds/'] }, { tags: ['posts'] }, { files: [`${W}/a`] }]);
    for (const request of plan.requests) kindOf(request.body);
  });
});

describe('chunking (docs/purge-yaml.md): batch sizes', () => {
  const fileRows: { plan: string; files: number; sizes: number[] }[] = [
    { plan: 'free', files: 29, sizes: [29] },
    { plan: 'free', files: 30, sizes: [30] },
    { plan: 'free', files: 31, sizes: [30, 1] },
    { plan: 'free', files: 61, sizes: [30, 30, 1] },
    { plan: 'pro', files: 31, sizes: [30, 1] },
    { plan: 'business', files: 31, sizes: [30, 1] },
    { plan: 'enterprise', files: 500, sizes: [500] },
    { plan: 'enterprise', files: 501, sizes: [500, 1] },
  ];
  for (const row of fileRows) {
    it(`${row.plan}: ${row.files} files -> ${row.sizes.join(' + ')}`, () => {
      const plan = planGroups({ g: { urls: [`${W}/{001..${pad(row.files)}}`] } }, { www: { id: ZONE_ID, plan: row.plan } });
      assert.deepEqual(plan.requests.map((r) => [kindOf(r.body), sizeOf(r.body)]), row.sizes.map((n) => ['files', n]));
      assert.deepEqual(filesOf(plan), range(row.files).map((n) => `${W}/${pad(n)}`), 'nothing lost or reordered across chunks');
      assert.equal(plan.summary.files, row.files);
      assert.equal(plan.summary.requests, row.sizes.length);
    });
  }

  const itemRows: { kind: 'hosts' | 'prefixes' | 'tags'; make: (n: number) => string; plan: string }[] = [
    { kind: 'hosts', make: (n) => `h${pad(n)}.example.com`, plan: 'free' },
    { kind: 'prefixes', make: (n) => `www.example.com/p${pad(n)}/`, plan: 'free' },
    { kind: 'tags', make: (n) => `t${pad(n)}`, plan: 'free' },
    { kind: 'tags', make: (n) => `t${pad(n)}`, plan: 'enterprise' },
  ];
  for (const row of itemRows) {
    for (const [count, sizes] of [[99, [99]], [100, [100]], [101, [100, 1]], [201, [100, 100, 1]]] as [number, number[]][]) {
      it(`${row.plan}: ${count} ${row.kind} -> ${sizes.join(' + ')}`, () => {
        const values = range(count).map(row.make);
        const plan = planGroups({ g: { [row.kind]: values } }, { www: { id: ZONE_ID, plan: row.plan } });
        assert.deepEqual(plan.requests.map((r) => [kindOf(r.body), sizeOf(r.body)]), sizes.map((n) => [row.kind, n]));
        assert.deepEqual(plan.requests.flatMap((r) => (wireBody(r.body) as unknown as Record<string, string[]>)[row.kind]), values);
        assert.equal(plan.summary[row.kind], count);
      });
    }
  }

  it('limits lower the sizes: files_per_request 7, items_per_request 10', () => {
    const plan = planGroups(
      { g: { urls: [`${W}/{01..20}`], tags: range(25).map((n) => `t${pad(n)}`), hosts: range(10).map((n) => `h${pad(n)}.example.com`) } },
      { www: { id: ZONE_ID, limits: { files_per_request: 7, items_per_request: 10 } } },
    );
    assert.deepEqual(plan.requests.map((r) => [kindOf(r.body), sizeOf(r.body)]), [
      ['hosts', 10],
      ['tags', 10], ['tags', 10], ['tags', 5],
      ['files', 7], ['files', 7], ['files', 6],
    ]);
  });

  it('limits lower the enterprise size: files_per_request 200', () => {
    const plan = planGroups({ g: { urls: [`${W}/{001..401}`] } }, { www: { id: ZONE_ID, plan: 'enterprise', limits: { files_per_request: 200 } } });
    assert.deepEqual(plan.requests.map((r) => sizeOf(r.body)), [200, 200, 1]);
  });

  it('limits may raise files up to the documented maximum: 100 off Enterprise', () => {
    const plan = planGroups({ g: { urls: [`${W}/{001..101}`] } }, { www: { id: ZONE_ID, plan: 'pro', limits: { files_per_request: 100 } } });
    assert.deepEqual(plan.requests.map((r) => sizeOf(r.body)), [100, 1]);
  });

  it('limits above the maximum are errors', () => {
    const rows: [Json, RegExp][] = [
      [{ plan: 'free', limits: { files_per_request: 101 } }, /files_per_request: 101 is above/],
      [{ plan: 'enterprise', limits: { files_per_request: 501 } }, /files_per_request: 501 is above/],
      [{ plan: 'enterprise', limits: { items_per_request: 101 } }, /items_per_request: 101 is above/],
    ];
    for (const [zone, message] of rows) {
      const errors = errorsOf(configYaml({ zones: { www: { id: ZONE_ID, ...zone } }, groups: { g: { urls: [`${W}/a`] } } }));
      assert.ok(errors.some((m) => message.test(m)), `${JSON.stringify(zone)}: ${JSON.stringify(errors)}`);
    }
  });

  it('each zone is chunked by its own limits', () => {
    const plan = planGroups(
      { a: { zone: 'free', urls: [`${W}/{01..40}`] }, b: { zone: 'ent', urls: [`${W}/{01..40}`] } },
      { free: { id: ZONE_ID }, ent: { id: OTHER_ZONE_ID, plan: 'enterprise' } },
    );
    assert.deepEqual(plan.requests.map((r) => [r.zone, sizeOf(r.body)]), [['free', 30], ['free', 10], ['ent', 40]]);
  });
});

describe('order (docs/purge-yaml.md): requests', () => {
  it('by zone in file order, then purge_everything, hosts, prefixes, tags, files', () => {
    const plan = planGroups(
      {
        // Groups are listed in an order unrelated to the zones' to show that zones lead.
        aFirst: { zone: 'alpha', everything: true },
        mixed: { zone: 'zeta', tags: ['t'], urls: [`${W}/a`], prefixes: ['static.example.com/p/'], hosts: ['cdn.example.com'] },
        more: { zone: 'mid', urls: [`${W}/b`], tags: ['u'] },
      },
      { zeta: { id: ZONE_ID }, mid: { name: 'example.com' }, alpha: { id: OTHER_ZONE_ID, allow_purge_everything: true } },
    );
    assert.deepEqual(plan.requests.map((r) => [r.zone, kindOf(r.body)]), [
      ['zeta', 'hosts'], ['zeta', 'prefixes'], ['zeta', 'tags'], ['zeta', 'files'],
      ['mid', 'tags'], ['mid', 'files'],
      ['alpha', 'purge_everything'],
    ]);
  });

  it('chunks of one kind stay together, in item order', () => {
    const plan = planGroups({ g: { urls: [`${W}/{01..31}`], tags: range(101).map((n) => `t${pad(n)}`) } });
    assert.deepEqual(plan.requests.map((r) => kindOf(r.body)), ['tags', 'tags', 'files', 'files']);
  });
});

describe('order (docs/purge-yaml.md): items', () => {
  it('by first group in file order, then by value', () => {
    const plan = planGroups({
      zed: { hosts: ['b.example.com', 'a.example.com'], tags: ['y', 'x'], urls: [`${W}/z`, `${W}/m`] },
      abc: { hosts: ['c.example.com', '0.example.com', 'a.example.com'], tags: ['x', 'a'], urls: [`${W}/a`, `${W}/z`, `${W}/b`] },
    });
    assert.deepEqual(bodiesOf(plan), [
      { hosts: ['a.example.com', 'b.example.com', '0.example.com', 'c.example.com'] },
      { tags: ['x', 'y', 'a'] },
      { files: [`${W}/m`, `${W}/z`, `${W}/a`, `${W}/b`] },
    ]);
  });

  it('files: by URL, then by the header list (name=value pairs sorted by name)', () => {
    const plan = planGroups(
      { g: { urls: [`${W}/b`, `${W}/a`], variants: { device_type: ['mobile', 'desktop'], lang: ['ja', 'en'] } } },
      { www: { id: ZONE_ID, plan: 'enterprise', cache_key: 'k' } },
      { k: { device_type: true, lang: true } },
    );
    const keys = filesOf(plan).map((entry) => {
      assert.equal(typeof entry, 'object');
      const { url, headers } = entry as { url: string; headers: Record<string, string> };
      return `${url.slice(W.length)} ${Object.entries(headers).map(([n, v]) => `${n}=${v}`).join(' ')}`;
    });
    assert.deepEqual(keys, [
      // "accept-language=…" sorts before "cf-device-type=…", so the absent-language variants come last.
      '/a accept-language=en cf-device-type=desktop',
      '/a accept-language=en cf-device-type=mobile',
      '/a accept-language=ja cf-device-type=desktop',
      '/a accept-language=ja cf-device-type=mobile',
      '/a cf-device-type=desktop',
      '/a cf-device-type=mobile',
      '/b accept-language=en cf-device-type=desktop',
      '/b accept-language=en cf-device-type=mobile',
      '/b accept-language=ja cf-device-type=desktop',
      '/b accept-language=ja cf-device-type=mobile',
      '/b cf-device-type=desktop',
      '/b cf-device-type=mobile',
    ]);
  });

  it('request.groups lists the groups in file order', () => {
    const plan = planGroups({ zed: { urls: [`${W}/z`] }, abc: { urls: [`${W}/a`] }, mid: { urls: [`${W}/z`] } });
    assert.deepEqual(plan.requests.map((r) => r.groups), [['zed', 'abc', 'mid']]);
  });
});

describe('(docs/commands.md): summary and zone_id', () => {
  it('summary counts requests and each kind of item', () => {
    const plan = planGroups(
      {
        posts: { zone: 'www', urls: [`${W}/posts/{01..35}`, `${W}/feeds/x`], hosts: ['static.example.com'], prefixes: ['www.example.com/feeds/'], tags: ['posts', 'POSTS', 'home'] },
        home: { zone: 'www', urls: [`${W}/posts/01`, `${W}/`], tags: ['home'] },
        all: { zone: 'api', everything: true },
        api: { zone: 'api', urls: ['https://api.example.com/v1'] },
      },
      { www: { id: ZONE_ID }, api: { name: 'example.com', allow_purge_everything: true } },
    );
    assert.deepEqual(plan.summary, { requests: 6, files: 36, hosts: 1, prefixes: 1, tags: 2, everything: 1, covered: 2, duplicates: 2, estimated_seconds: 0 });
    assert.deepEqual(plan.groups.map((g) => [g.name, g.zone, g.status, g.items]), [
      ['posts', 'www', 'new', 35 + 1 + 1 + 1 + 2],
      ['home', 'www', 'new', 2 + 1],
      ['all', 'api', 'new', 1],
      ['api', 'api', 'new', 1],
    ]);
    const { summary } = plan;
    assert.equal(summary.files + summary.hosts + summary.prefixes + summary.tags + summary.everything + summary.covered + summary.duplicates, plan.groups.reduce((n, g) => n + g.items, 0));
  });

  it('zone_id is the id, or null for a zone given by name only', () => {
    const plan = planGroups(
      { a: { zone: 'byid', urls: [`${W}/a`] }, b: { zone: 'byname', urls: [`${W}/a`] }, c: { zone: 'both', urls: [`${W}/a`] } },
      { byid: { id: ZONE_ID }, byname: { name: 'example.com' }, both: { id: OTHER_ZONE_ID, name: 'example.org' } },
    );
    assert.deepEqual(plan.requests.map((r) => [r.zone, r.zone_id]), [['byid', ZONE_ID], ['byname', null], ['both', OTHER_ZONE_ID]]);
  });

  it('nothing due: no requests, zero summary', () => {
    const { plan } = planOf(configYaml({ groups: { g: { urls: [`${W}/a`] } } }), { due: () => false });
    assert.deepEqual(plan.requests, []);
    assert.deepEqual(plan.summary, { requests: 0, files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0, estimated_seconds: 0 });
  });
});
