// docs/purge-yaml.md: deduplication (with provenance) and coverage, per zone, within the plan's due groups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodiesOf, configYaml, filesOf, OTHER_ZONE_ID, planOf, ZONE_ID } from './support/config-builder.js';
import { wireBody } from '../src/plan/files.js';

type Json = Record<string, unknown>;
const W = 'https://www.example.com';

function planGroups(groups: Record<string, Json>, extra: { zones?: Record<string, Json>; cache_keys?: Record<string, Json> } = {}, due?: (name: string) => boolean) {
  return planOf(configYaml({ zones: extra.zones ?? { www: { id: ZONE_ID, allow_purge_everything: true } }, cache_keys: extra.cache_keys, groups }), { due }).plan;
}

describe('dedupe (docs/purge-yaml.md): identical items are kept once and remember every group', () => {
  it('a URL in three groups: one item, its request lists every group, two duplicates', () => {
    const plan = planGroups({ a: { urls: [`${W}/x`] }, b: { urls: [`${W}/x`, `${W}/y`] }, c: { urls: [`${W}/x`] } });
    assert.deepEqual(plan.requests.map((r) => ({ groups: r.groups, body: wireBody(r.body) })), [{ groups: ['a', 'b', 'c'], body: { files: [`${W}/x`, `${W}/y`] } }]);
    assert.equal(plan.summary.files, 2);
    assert.equal(plan.summary.duplicates, 2);
  });

  it('URLs identical after normalization are duplicates', () => {
    const plan = planGroups({ a: { urls: [`${W}/x`] }, b: { urls: ['HTTPS://WWW.EXAMPLE.COM:443/x#frag'] } });
    assert.deepEqual(bodiesOf(plan), [{ files: [`${W}/x`] }]);
    assert.deepEqual(plan.requests[0].groups, ['a', 'b']);
    assert.equal(plan.summary.duplicates, 1);
  });

  it('the same URL with different headers is not a duplicate; the same headers are', () => {
    const plan = planGroups(
      { a: { cache_key: 'l', urls: [`${W}/x`], variants: { lang: ['ja'] } }, b: { urls: [`${W}/x`] }, c: { cache_key: 'l', urls: [`${W}/x`], variants: { lang: ['en', 'ja'] } } },
      { zones: { www: { id: ZONE_ID, plan: 'enterprise' } }, cache_keys: { l: { lang: true } } },
    );
    // a and c use the lang key, b the zone's default key: b's plain URL is a's absent variant,
    // sent as `{url}` in a body of header items (one form per files body).
    assert.deepEqual(filesOf(plan), [{ url: `${W}/x` }, { url: `${W}/x`, headers: { 'accept-language': 'ja' } }, { url: `${W}/x`, headers: { 'accept-language': 'en' } }]);
    assert.equal(plan.summary.files, 3);
    assert.equal(plan.summary.duplicates, 1 + 2);
    assert.deepEqual(plan.requests[0].groups, ['a', 'b', 'c']);
  });

  it('hosts, prefixes and tags across groups; tags compared case-insensitively', () => {
    const plan = planGroups({
      a: { hosts: ['static.example.com'], prefixes: ['www.example.com/feeds/'], tags: ['Posts'] },
      b: { hosts: ['STATIC.example.com'], prefixes: ['https://www.example.com/feeds/'], tags: ['posts', 'home'] },
    });
    assert.deepEqual(plan.requests.map((r) => [r.groups, wireBody(r.body)]), [
      [['a', 'b'], { hosts: ['static.example.com'] }],
      [['a', 'b'], { prefixes: ['www.example.com/feeds/'] }],
      [['a', 'b'], { tags: ['posts', 'home'] }],
    ]);
    assert.equal(plan.summary.duplicates, 3);
  });

  it('everything asked by two groups: one request listing both', () => {
    const plan = planGroups({ a: { everything: true }, b: { everything: true } });
    assert.deepEqual(plan.requests.map((r) => [r.groups, wireBody(r.body)]), [[['a', 'b'], { purge_everything: true }]]);
    assert.equal(plan.summary.everything, 1);
    assert.equal(plan.summary.duplicates, 1);
  });

  it('the same URL in two zones is two items, one per zone', () => {
    const plan = planGroups(
      { a: { zone: 'one', urls: [`${W}/x`] }, b: { zone: 'two', urls: [`${W}/x`] } },
      { zones: { one: { id: ZONE_ID }, two: { id: OTHER_ZONE_ID } } },
    );
    assert.deepEqual(plan.requests.map((r) => [r.zone, r.groups, wireBody(r.body)]), [
      ['one', ['a'], { files: [`${W}/x`] }],
      ['two', ['b'], { files: [`${W}/x`] }],
    ]);
    assert.equal(plan.summary.duplicates, 0);
  });

  it('a duplicate in a later chunk still names its group on that chunk only', () => {
    const urls = Array.from({ length: 31 }, (_, i) => `${W}/${String(i).padStart(2, '0')}`);
    const plan = planGroups({ a: { urls }, b: { urls: [urls[30]] } });
    assert.deepEqual(plan.requests.map((r) => r.groups), [['a'], ['a', 'b']]);
  });
});

describe('coverage (docs/purge-yaml.md)', () => {
  it('everything covers every other item of the zone, counted on the everything item', () => {
    const plan = planGroups({
      all: { everything: true },
      other: { urls: [`${W}/a`, `${W}/b`], hosts: ['static.example.com'], prefixes: ['www.example.com/p/'], tags: ['t'] },
    });
    assert.deepEqual(bodiesOf(plan), [{ purge_everything: true }]);
    // It purges `other` too: its items are covered (docs/commands.md: a group covered whole is applied).
    assert.deepEqual(plan.requests[0].groups, ['all', 'other']);
    assert.deepEqual(plan.coverage, [{ zone: 'www', kind: 'everything', value: 'everything', covered: 5 }]);
    assert.deepEqual(plan.summary, { requests: 1, files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 1, covered: 5, duplicates: 0, estimated_seconds: 0 });
  });

  it('everything in one zone covers nothing in another', () => {
    const plan = planGroups(
      { all: { zone: 'one', everything: true }, other: { zone: 'two', urls: [`${W}/a`] } },
      { zones: { one: { id: ZONE_ID, allow_purge_everything: true }, two: { id: OTHER_ZONE_ID } } },
    );
    assert.deepEqual(bodiesOf(plan), [{ purge_everything: true }, { files: [`${W}/a`] }]);
    assert.equal(plan.summary.covered, 0);
  });

  it('a host covers the files and prefixes on that host under any scheme, not a URL with an explicit port, and nothing on other hosts', () => {
    const plan = planGroups({
      h: { hosts: ['www.example.com'] },
      f: {
        urls: [`${W}/a`, 'http://www.example.com/b?x=1', 'https://www.example.com:8443/c', 'https://static.example.com/a', 'https://example.com/a', 'https://sub.www.example.com/a'],
        prefixes: ['www.example.com/p/', 'static.example.com/p/'],
      },
    });
    assert.deepEqual(bodiesOf(plan), [
      { hosts: ['www.example.com'] },
      { prefixes: ['static.example.com/p/'] },
      { files: ['https://example.com/a', 'https://static.example.com/a', 'https://sub.www.example.com/a', 'https://www.example.com:8443/c'] },
    ]);
    assert.deepEqual(plan.coverage, [{ zone: 'www', kind: 'host', value: 'www.example.com', covered: 3 }]);
    assert.equal(plan.summary.covered, 3);
  });

  it('a host covers every header variant of a URL', () => {
    const plan = planGroups(
      { h: { hosts: ['www.example.com'] }, f: { urls: [`${W}/a`] } },
      { zones: { www: { id: ZONE_ID, cache_key: 'd' } }, cache_keys: { d: { device_type: true } } },
    );
    assert.deepEqual(bodiesOf(plan), [{ hosts: ['www.example.com'] }]);
    assert.equal(plan.summary.covered, 3);
  });

  describe('a prefix covers files at a path-segment boundary', () => {
    const rows: { rule: string; prefix: string; url: string; covered: boolean }[] = [
      { rule: 'prefix ending with /: a file below it', prefix: 'www.example.com/foo/', url: `${W}/foo/bar`, covered: true },
      { rule: 'prefix ending with /: the directory URL itself', prefix: 'www.example.com/foo/', url: `${W}/foo/`, covered: true },
      { rule: 'prefix ending with /: its query strings', prefix: 'www.example.com/foo/', url: `${W}/foo/?a=1`, covered: true },
      { rule: 'prefix ending with /: not the URL without the slash', prefix: 'www.example.com/foo/', url: `${W}/foo`, covered: false },
      { rule: 'next character /', prefix: 'www.example.com/foo', url: `${W}/foo/bar`, covered: true },
      { rule: 'next character / (deep)', prefix: 'www.example.com/foo', url: `${W}/foo/bar/baz.jpg`, covered: true },
      { rule: 'next character ?', prefix: 'www.example.com/foo', url: `${W}/foo?id=1`, covered: true },
      // Regression: the end of the URL is a boundary too ("the next character is /, ? or the end").
      { rule: 'the end: the URL equal to the prefix', prefix: 'www.example.com/foo', url: `${W}/foo`, covered: true },
      { rule: 'NOT www.example.com/foo covering /foobar', prefix: 'www.example.com/foo', url: `${W}/foobar`, covered: false },
      { rule: 'NOT www.example.com/foo covering /foo.html', prefix: 'www.example.com/foo', url: `${W}/foo.html`, covered: false },
      { rule: 'NOT www.example.com/foo covering /foo-bar/x', prefix: 'www.example.com/foo', url: `${W}/foo-bar/x`, covered: false },
      { rule: 'the path is case-sensitive', prefix: 'www.example.com/foo', url: `${W}/Foo/bar`, covered: false },
      { rule: 'a host-only prefix covers the whole host', prefix: 'www.example.com', url: `${W}/foo`, covered: true },
      { rule: 'host/ covers the whole host', prefix: 'www.example.com/', url: `${W}/`, covered: true },
      { rule: 'another host is not covered', prefix: 'www.example.com/foo', url: 'https://static.example.com/foo/bar', covered: false },
      { rule: 'a host that merely starts like the prefix is not covered', prefix: 'www.example.com', url: 'https://www.example.company/foo', covered: false },
      { rule: 'an http URL is covered like an https one', prefix: 'www.example.com/foo', url: 'http://www.example.com/foo/bar', covered: true },
      { rule: 'a percent-encoded path is compared as the cache sees it', prefix: 'www.example.com/café/', url: `${W}/café/x`, covered: true },
    ];
    for (const row of rows) {
      it(`${row.rule}: ${row.prefix} ${row.covered ? 'covers' : 'does not cover'} ${row.url}`, () => {
        const plan = planGroups({ p: { prefixes: [row.prefix] }, f: { urls: [row.url] } });
        const prefixValue = (plan.requests[0].body as { prefixes: string[] }).prefixes[0];
        if (row.covered) {
          assert.deepEqual(bodiesOf(plan), [{ prefixes: [prefixValue] }]);
          assert.deepEqual(plan.coverage, [{ zone: 'www', kind: 'prefix', value: prefixValue, covered: 1 }]);
          assert.equal(plan.summary.covered, 1);
        } else {
          assert.equal(plan.requests.length, 2);
          assert.ok('files' in wireBody(plan.requests[1].body));
          assert.deepEqual(plan.coverage, []);
          assert.equal(plan.summary.covered, 0);
        }
      });
    }
  });

  it('a prefix covers every variant and both schemes of a URL', () => {
    const plan = planGroups(
      { p: { prefixes: ['www.example.com/foo'] }, f: { urls: [`${W}/foo`, `${W}/foo/a`, `${W}/foobar`] } },
      { zones: { www: { id: ZONE_ID, cache_key: 'd', schemes: ['https', 'http'] } }, cache_keys: { d: { device_type: true } } },
    );
    assert.deepEqual(plan.requests.map((r) => Object.keys(wireBody(r.body))[0]), ['prefixes', 'files']);
    const files = filesOf(plan) as { url: string }[];
    assert.deepEqual([...new Set(files.map((f) => f.url))], ['http://www.example.com/foobar', 'https://www.example.com/foobar']);
    assert.equal(plan.summary.covered, 2 * 2 * 3);
  });

  describe('longer prefixes are covered by shorter ones', () => {
    const rows: { rule: string; prefixes: string[]; sent: string[]; coverage: [string, number][] }[] = [
      { rule: 'a longer prefix below the next /', prefixes: ['www.example.com/foo', 'www.example.com/foo/bar'], sent: ['www.example.com/foo'], coverage: [['www.example.com/foo', 1]] },
      { rule: 'the prefix with a trailing /', prefixes: ['www.example.com/foo', 'www.example.com/foo/'], sent: ['www.example.com/foo'], coverage: [['www.example.com/foo', 1]] },
      { rule: 'a chain counts on the broadest', prefixes: ['www.example.com/a/b/c', 'www.example.com/a/b', 'www.example.com/a'], sent: ['www.example.com/a'], coverage: [['www.example.com/a', 2]] },
      { rule: 'not /foobar under /foo', prefixes: ['www.example.com/foo', 'www.example.com/foobar'], sent: ['www.example.com/foo', 'www.example.com/foobar'], coverage: [] },
      { rule: 'a host-only prefix covers the host\'s prefixes', prefixes: ['www.example.com', 'www.example.com/x/'], sent: ['www.example.com'], coverage: [['www.example.com', 1]] },
    ];
    for (const row of rows) {
      it(row.rule, () => {
        const plan = planGroups({ p: { prefixes: row.prefixes } });
        assert.deepEqual(bodiesOf(plan), [{ prefixes: row.sent }]);
        assert.deepEqual(plan.coverage.map((c) => [c.value, c.covered]), row.coverage);
        assert.equal(plan.summary.prefixes, row.sent.length);
        assert.equal(plan.summary.covered, row.coverage.reduce((n, [, c]) => n + c, 0));
      });
    }
  });

  it('tags cover nothing', () => {
    const plan = planGroups({ t: { tags: ['www.example.com', 'posts'] }, f: { urls: [`${W}/posts/`] } });
    assert.deepEqual(bodiesOf(plan), [{ tags: ['posts', 'www.example.com'] }, { files: [`${W}/posts/`] }]);
    assert.deepEqual(plan.coverage, []);
    assert.equal(plan.summary.covered, 0);
  });

  it('coverage is per zone: a host in one zone covers nothing in another', () => {
    const plan = planGroups(
      { h: { zone: 'one', hosts: ['www.example.com'] }, f: { zone: 'two', urls: [`${W}/a`], prefixes: ['www.example.com/p/'] } },
      { zones: { one: { id: ZONE_ID }, two: { id: OTHER_ZONE_ID } } },
    );
    assert.deepEqual(plan.requests.map((r) => [r.zone, wireBody(r.body)]), [
      ['one', { hosts: ['www.example.com'] }],
      ['two', { prefixes: ['www.example.com/p/'] }],
      ['two', { files: [`${W}/a`] }],
    ]);
    assert.equal(plan.summary.covered, 0);
  });

  it('coverage is within the plan: a group that is not due covers nothing', () => {
    const plan = planGroups({ h: { hosts: ['www.example.com'] }, f: { urls: [`${W}/a`] } }, {}, (name) => name === 'f');
    assert.deepEqual(bodiesOf(plan), [{ files: [`${W}/a`] }]);
    assert.equal(plan.summary.covered, 0);
  });

  it('coverage counts: several covering items, each with what it absorbed, summed in summary.covered', () => {
    const plan = planGroups({
      h: { hosts: ['static.example.com'], prefixes: ['www.example.com/blog/', 'www.example.com/docs'] },
      f: {
        urls: ['https://static.example.com/{1..4}.css', `${W}/blog/{a,b,c}`, `${W}/docs`, `${W}/docs/x`, `${W}/home`],
        prefixes: ['static.example.com/img/', 'www.example.com/blog/2024/'],
      },
    });
    assert.deepEqual(bodiesOf(plan), [
      { hosts: ['static.example.com'] },
      { prefixes: ['www.example.com/blog/', 'www.example.com/docs'] },
      { files: [`${W}/home`] },
    ]);
    const coverage = Object.fromEntries(plan.coverage.map((c) => [`${c.kind} ${c.value}`, c.covered]));
    assert.deepEqual(coverage, { 'host static.example.com': 5, 'prefix www.example.com/blog/': 4, 'prefix www.example.com/docs': 2 });
    assert.equal(plan.summary.covered, 11);
    assert.equal(plan.summary.files + plan.summary.hosts + plan.summary.prefixes + plan.summary.covered + plan.summary.duplicates, plan.groups.reduce((n, g) => n + g.items, 0));
  });

  it('a duplicate that is also covered counts once, as a duplicate', () => {
    const plan = planGroups({ h: { hosts: ['www.example.com'] }, a: { urls: [`${W}/a`] }, b: { urls: [`${W}/a`] } });
    assert.deepEqual(plan.summary, { requests: 1, files: 0, hosts: 1, prefixes: 0, tags: 0, everything: 0, covered: 1, duplicates: 1, estimated_seconds: 0 });
  });
});

describe('a request names the groups whose items it covers (docs/commands.md)', () => {
  it('a host request names the group whose URLs and prefixes it covers; a prefix request the group whose files it covers', () => {
    const plan = planGroups({
      h: { hosts: ['www.example.com'] },
      p: { prefixes: ['static.example.com/p/'] },
      f: { urls: [`${W}/a`, 'https://static.example.com/p/x'], prefixes: ['www.example.com/q/'] },
    });
    assert.deepEqual(plan.requests.map((r) => [r.kind, r.size, r.groups]), [['hosts', 1, ['h', 'f']], ['prefixes', 1, ['p', 'f']]]);
  });

  it('a duplicate of a covered item names its group on the covering request too', () => {
    const plan = planGroups({ h: { hosts: ['www.example.com'] }, a: { urls: [`${W}/a`] }, b: { urls: [`${W}/a`] } });
    assert.deepEqual(plan.requests.map((r) => r.groups), [['h', 'a', 'b']]);
  });
});
