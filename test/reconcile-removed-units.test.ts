// The pure parts of "items that leave a group are purged one last time": reading variants back
// from the state's keys, the state record as baseline items by zone, and what a group lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeVariant, parseVariantKey } from '../src/expand/variants.js';
import { lostItems, recordBaseline } from '../src/reconcile/removed.js';
import type { BaselineItems } from '../src/reconcile/removed.js';
import { planOf } from './support/config-builder.js';

describe('parseVariantKey reads back every key makeVariant writes', () => {
  const rows: [string, [string, string][]][] = [
    ['no headers', []],
    ['one header', [['cf-device-type', 'mobile']]],
    ['several, sorted', [['accept-language', 'en-US'], ['cf-ipcountry', 'JP'], ['origin', 'https://a.example']]],
    ['a value with "=" and "; "', [['cookie', 'ab=a; logged_in=1']]],
    ['a value with "," but no ", "', [['x-list', 'a,b=c']]],
    ['a value holding ", " (JSON-quoted)', [['x-tenant', 'a, b=c'], ['x-z', 'q']]],
    ['a value starting with a quote', [['forwarded', '"for=1"']]],
    ['a value with a backslash and a quote, quoted', [['x-a', 'x\\y, "z"']]],
  ];
  for (const [name, headers] of rows) {
    it(name, () => {
      const { key } = makeVariant(headers);
      assert.deepEqual(parseVariantKey(key), headers);
    });
  }
  it('anything else is not a key (null): the state was damaged', () => {
    for (const key of ['=x', 'a', 'a=b, ', 'a="unterminated', 'b=1, a=2', 'a=1, a=2']) assert.equal(parseVariantKey(key), null, key);
  });
});

describe('lostItems: what a group lost, by zone', () => {
  const { config, expansions } = planOf(`version: 1
zones:
  www: { id: 023e105f4ecef8ad9ca31a8372d0c353, name: example.com, cache_key: k }
cache_keys:
  k: { device_type: true }
groups:
  g:
    urls: ["https://www.example.com/{a,b}/"]
    variants: { device_type: [desktop, mobile] }
    tags: [t1]
    prefixes: [www.example.com/p/]
`);
  const v = (device: string) => ({ key: `cf-device-type=${device}`, headers: [['cf-device-type', device]] as const });
  const before = (zone: string, extra: Partial<BaselineItems> = {}): BaselineItems => ({
    zone, urls: ['https://www.example.com/a/', 'https://www.example.com/c/'], variants: [v('desktop'), v('mobile'), v('tablet')],
    hosts: ['img.example.com'], prefixes: ['www.example.com/p/'], tags: ['t1', 't2'], ...extra,
  });

  it('a URL gone with every variant; kept URLs with the variants gone; hosts, prefixes and tags gone', () => {
    const { removed, gone } = lostItems([before('www')], expansions, config.zones);
    assert.deepEqual(gone, []);
    assert.deepEqual(removed, [{
      zone: 'www', hosts: ['img.example.com'], tags: ['t2'],
      files: [
        { urls: ['https://www.example.com/c/'], variants: [{ 'cf-device-type': 'desktop' }, { 'cf-device-type': 'mobile' }, { 'cf-device-type': 'tablet' }] },
        { urls: ['https://www.example.com/a/'], variants: [{ 'cf-device-type': 'tablet' }] },
      ],
    }]);
  });

  it('nothing lost: nothing', () => {
    const same = before('www', { urls: ['https://www.example.com/a/'], variants: [v('desktop')], hosts: [], tags: ['t1'] });
    assert.deepEqual(lostItems([same], expansions, config.zones), { removed: [], gone: [] });
  });

  it('a zone the group left: every item there; a zone no longer declared: counted, not sent', () => {
    const { removed, gone } = lostItems([before('old', { hosts: [], prefixes: [], tags: [] })], expansions, config.zones);
    assert.deepEqual(removed, []);
    assert.deepEqual(gone, [{ zone: 'old', items: 6 }]);
  });
});

describe('recordBaseline: the state record as items by zone', () => {
  const { config } = planOf(`version: 1
zones:
  www: { id: 023e105f4ecef8ad9ca31a8372d0c353, name: example.com }
  shop: { id: 9a7806061c88ada191ed06f989cc3dac, name: shop.example.com }
groups:
  g:
    urls: ["https://shop.example.com/"]
`);
  it('a routed record (zones merged) is routed again by host; a host in none of its zones is unplaced', () => {
    const found = recordBaseline('www,shop', { urls: ['https://shop.example.com/a', 'https://www.example.com/b', 'https://other.example.net/c'], variants: [''], hosts: ['img.shop.example.com'] }, 4, false, config.zones);
    assert.ok('known' in found);
    assert.deepEqual(found.known.map((p) => [p.zone, p.urls, p.hosts]), [['www', ['https://www.example.com/b'], []], ['shop', ['https://shop.example.com/a'], ['img.shop.example.com']]]);
    assert.equal(found.unplaced, 1);
  });

  it('a record kept zone by zone is read as it is', () => {
    const found = recordBaseline('www,shop', { zones: { www: { urls: ['https://www.example.com/'], variants: ['cf-device-type=mobile'] }, shop: { prefixes: ['shop.example.com/p/'] } } }, 2, false, config.zones);
    assert.ok('known' in found);
    assert.deepEqual(found.known.map((p) => [p.zone, p.urls, p.variants.map((x) => x.headers), p.prefixes]), [['www', ['https://www.example.com/'], [[['cf-device-type', 'mobile']]], []], ['shop', [], [], ['shop.example.com/p/']]]);
  });

  it('no item list, or one that cannot be read: unknown, with the reason', () => {
    assert.deepEqual(recordBaseline('www', undefined, 20_000, false, config.zones), { unknown: 'the state keeps item lists only up to 10,000 items and this group had 20,000' });
    assert.deepEqual(recordBaseline('www', undefined, 5, true, config.zones), { unknown: 'the state was written by an older purgeplan, which did not keep item lists' });
    assert.deepEqual(recordBaseline('www', { urls: ['https://www.example.com/'], variants: ['not a key'] }, 1, false, config.zones), { unknown: 'the state\'s item list for this group cannot be read' });
  });
});
