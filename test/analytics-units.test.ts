// The pure parts of `coverage --graphql` (docs/coverage.md), one rule a row: the window from the flags,
// consecutive windows within maxDuration, the filter that pages after the last row (checked as a
// property against every row of random data), reading the settings node and pages without
// trusting them, what a failure means, and which dimensions the dataset cannot observe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureKind, readPage, readSettings } from '../src/analytics/answer.js';
import { notObservable, observableView } from '../src/analytics/observable.js';
import { DIMENSIONS, pageFilter, pageRequest, settingsRequest } from '../src/analytics/query.js';
import { durationText, parseDuration, splitWindow, windowOf } from '../src/analytics/window.js';
import { UserError } from '../src/errors.js';
import { configYaml, planOf, seededRandom, ZONE_ID } from './support/config-builder.js';

const NOW = Date.parse('2026-11-30T12:00:00.250Z');
const at = (iso: string) => Date.parse(iso);
const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof UserError && message.test(e.message));

describe('the window (docs/coverage.md: --since D | --from ISO --to ISO)', () => {
  it('defaults to the 24 hours before now, on whole seconds', () => {
    assert.deepEqual(windowOf({}, NOW), { from: at('2026-11-29T12:00:00Z'), to: at('2026-11-30T12:00:00Z') });
  });

  it('takes s, m, h and d', () => {
    for (const [text, seconds] of [['30s', 30], ['15m', 900], ['6h', 21_600], ['7d', 604_800]] as const) {
      assert.equal(parseDuration(text, '--since'), seconds);
      const window = windowOf({ since: text }, NOW);
      assert.equal(window.to - window.from, seconds * 1000);
    }
    for (const bad of ['', '7', 'd', '1w', '0d', '-1h', '1.5h', '1 h', '99999999999d']) refused(() => parseDuration(bad, '--since'), /is not a duration/);
  });

  it('reads ISO times with Z or an offset, or a date at midnight UTC; a time without a zone, an impossible date and an empty window are refused', () => {
    assert.deepEqual(windowOf({ from: '2026-11-30T08:00:00Z', to: '2026-11-30T10:00:00+01:00' }, NOW), { from: at('2026-11-30T08:00:00Z'), to: at('2026-11-30T09:00:00Z') });
    assert.deepEqual(windowOf({ from: '2026-11-29' }, NOW), { from: at('2026-11-29T00:00:00Z'), to: at('2026-11-30T12:00:00Z') });
    assert.deepEqual(windowOf({ from: '2026-11-30T08:00:00.900Z', to: '2026-11-30T09:00:00.100Z' }, NOW), { from: at('2026-11-30T08:00:00Z'), to: at('2026-11-30T09:00:01Z') });
    refused(() => windowOf({ from: '2026-11-30T08:00:00' }, NOW), /has no time zone/);
    refused(() => windowOf({ from: '2026-02-30' }, NOW), /is not a valid date/);
    refused(() => windowOf({ from: '2026-11-30T25:00:00Z' }, NOW), /is not a valid date/);
    refused(() => windowOf({ from: 'yesterday' }, NOW), /is not an ISO 8601 time/);
    refused(() => windowOf({ from: '2026-11-30T10:00:00Z', to: '2026-11-30T10:00:00Z' }, NOW), /is not before --to/);
    refused(() => windowOf({ from: '2026-11-30T10:00:00Z', to: '2026-12-01' }, NOW), /is in the future/);
    refused(() => windowOf({ to: '2026-11-30' }, NOW), /--to needs --from/);
    refused(() => windowOf({ since: '1h', from: '2026-11-30' }, NOW), /cannot be combined/);
  });

  it('is cut into consecutive windows no longer than maxDuration, end to end', () => {
    const window = { from: at('2026-11-23T00:00:00Z'), to: at('2026-11-30T00:00:00Z') };
    assert.deepEqual(splitWindow(window, 3 * 86_400).map((w) => [w.from, w.to]), [
      [at('2026-11-23T00:00:00Z'), at('2026-11-26T00:00:00Z')], [at('2026-11-26T00:00:00Z'), at('2026-11-29T00:00:00Z')], [at('2026-11-29T00:00:00Z'), at('2026-11-30T00:00:00Z')],
    ]);
    assert.deepEqual(splitWindow(window, 7 * 86_400), [window]);
    assert.deepEqual(splitWindow(window, 86_400).length, 7);
  });

  it('names a limit in the units --since takes', () => {
    assert.deepEqual([86_400, 7_200, 90, 2_678_400, 61].map(durationText), ['1d', '2h', '90s', '31d', '61s']);
    assert.equal(durationText(300), '5m');
  });
});

describe('pages without a cursor: the rows after the last one', () => {
  /** The rows a filter of pageFilter's shape selects, evaluated as Cloudflare's filter grammar reads it. */
  const selects = (filter: Record<string, unknown>, row: Record<string, string>): boolean =>
    Object.entries(filter).every(([key, value]) => {
      if (key === 'OR') return (value as Record<string, unknown>[]).some((term) => selects(term, row));
      if (key.startsWith('datetime') || key === 'requestSource') return true;
      if (key.endsWith('_gt')) return Buffer.compare(Buffer.from(row[key.slice(0, -3)]!), Buffer.from(value as string)) > 0;
      return row[key] === value;
    });

  it('selects exactly the rows after the cursor in the order of the dimensions, for any rows', () => {
    const random = seededRandom(17);
    const pick = (values: string[]) => values[Math.floor(random() * values.length)]!;
    const dimensions = [...DIMENSIONS, 'clientRequestScheme'];
    for (let round = 0; round < 40; round++) {
      const rows = new Map<string, Record<string, string>>();
      for (let i = 0; i < 60; i++) {
        const row = Object.fromEntries(dimensions.map((d) => [d, pick(['', 'a', 'b', 'ab', 'é', 'Z'])]));
        rows.set(JSON.stringify(dimensions.map((d) => row[d])), row);
      }
      const sorted = [...rows.values()].sort((a, b) => {
        for (const d of dimensions) {
          const c = Buffer.compare(Buffer.from(a[d]!), Buffer.from(b[d]!));
          if (c) return c;
        }
        return 0;
      });
      const cut = Math.floor(random() * sorted.length);
      const filter = pageFilter({ from: 0, to: 1000 }, dimensions, dimensions.map((d) => sorted[cut]![d]!));
      assert.deepEqual(sorted.filter((row) => selects(filter, row)), sorted.slice(cut + 1));
    }
  });

  it('bounds the window, keeps eyeball requests, and names every zone under its own alias with its variables', () => {
    assert.deepEqual(pageFilter({ from: at('2026-11-30T00:00:00Z'), to: at('2026-11-30T01:00:00Z') }, DIMENSIONS, null), { datetime_geq: '2026-11-30T00:00:00Z', datetime_lt: '2026-11-30T01:00:00Z', requestSource: 'eyeball' });
    const request = pageRequest([{ zoneTag: 'a', filter: { x: 1 } }, { zoneTag: 'b"}', filter: { y: 2 } }], DIMENSIONS, 500);
    assert.deepEqual(request.variables, { z0: 'a', z0Filter: { x: 1 }, z1: 'b"}', z1Filter: { y: 2 } });
    assert.match(request.query, /z1: zones\(filter: \{zoneTag: \$z1\}\)/);
    assert.doesNotMatch(request.query, /b"\}/);
    assert.match(request.query, /httpRequestsAdaptiveGroups\(limit: 500, filter: \$z0Filter, orderBy: \[clientRequestHTTPHost_ASC, /);
    assert.deepEqual(settingsRequest(['a', 'b']).variables, { zoneTags: ['a', 'b'] });
  });
});

describe('answers read without trusting them', () => {
  const settingsAnswer = (node: unknown) => ({ viewer: { zones: [{ zoneTag: 'z', settings: { httpRequestsAdaptiveGroups: node } }] } });
  const good = { enabled: true, maxDuration: 259_200, maxPageSize: 10_000, notOlderThan: 2_678_400, maxNumberOfFields: 30, availableFields: ['count', 'dimensions_clientRequestScheme', 'dimensions.cacheStatus', 'clientDeviceType', 7] };

  it('reads the settings node, its fields without their dimensions_ prefix', () => {
    const settings = readSettings(settingsAnswer(good), ['z']).get('z')!;
    assert.ok(!('problem' in settings));
    assert.deepEqual([...settings.availableFields!].sort(), ['cacheStatus', 'clientDeviceType', 'clientRequestScheme', 'count']);
    assert.equal(settings.maxNumberOfFields, 30);
  });

  it('says why a zone\'s settings cannot be used', () => {
    const problem = (data: unknown, tag = 'z') => { const s = readSettings(data, [tag]).get(tag)!; return 'problem' in s ? s.problem : ''; };
    assert.match(problem(settingsAnswer(good), 'other'), /does not list the zone/);
    assert.match(problem(settingsAnswer(null)), /no settings/);
    assert.match(problem(settingsAnswer({ ...good, enabled: false })), /not enabled/);
    assert.match(problem(settingsAnswer({ ...good, maxDuration: 0 })), /no usable maxDuration/);
    assert.match(problem(settingsAnswer({ ...good, notOlderThan: '86400' })), /no usable notOlderThan \(string\)/);
    assert.match(problem({ viewer: 'x' }), /does not list the zone/);
  });

  it('reads a page\'s rows in the order of the dimensions asked, and nothing else as rows', () => {
    const data = { viewer: { z0: [{ zoneTag: 'z', httpRequestsAdaptiveGroups: [{ count: 3, dimensions: { b: 'B', a: 'A' } }, { count: 'x', dimensions: { a: 1 } }, 7] }] } };
    assert.deepEqual(readPage(data, 'z0', 'z', ['a', 'b']), [{ count: 3, values: ['A', 'B'] }, { count: 'x', values: [null, null] }, { count: undefined, values: [null, null] }]);
    assert.match((readPage(data, 'z1', 'z', ['a']) as { problem: string }).problem, /no data for the zone/);
    assert.match((readPage({ viewer: { z0: [{ zoneTag: 'other' }] } }, 'z0', 'z', ['a']) as { problem: string }).problem, /does not list the zone/);
    assert.match((readPage({ viewer: { z0: [{ zoneTag: 'z', httpRequestsAdaptiveGroups: {} }] } }, 'z0', 'z', ['a']) as { problem: string }).problem, /no httpRequestsAdaptiveGroups list/);
  });

  it('tells a refused token, a window too old and a query too large apart', () => {
    assert.equal(failureKind(403, ['anything']), 'permission');
    assert.equal(failureKind(401, []), 'permission');
    assert.equal(failureKind(200, ['zones [abc] are not authorized']), 'permission');
    assert.equal(failureKind(200, ['not authorized for that account']), 'permission');
    assert.equal(failureKind(400, ['user does not have access to the path viewer.zones']), 'permission');
    assert.equal(failureKind(400, ['cannot request data older than 86400s']), 'retention');
    assert.equal(failureKind(400, ['query time range is too large']), 'limits');
    assert.equal(failureKind(400, ['limit must be positive number and not greater than 10000']), 'limits');
    assert.equal(failureKind(200, ['unknown field "x"']), 'other');
    assert.equal(failureKind(undefined, []), 'other');
  });
});

describe('what the dataset cannot observe', () => {
  const zone = (extra: Record<string, unknown>) => ({ www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', ...extra } });

  it('names Origin for the default key, nothing for a key the dataset sees whole', () => {
    assert.deepEqual(notObservable(planOf(configYaml({ zones: zone({}), groups: { g: { urls: ['https://example.com/'] } } })).config, undefined), ['origin']);
    const whole = configYaml({ zones: zone({ cache_key: 'k' }), cache_keys: { k: { device_type: true, geo: true, headers: { exclude_origin: true } } }, groups: { g: { urls: ['https://example.com/'], variants: { geo: ['US'] } } } });
    assert.deepEqual(notObservable(planOf(whole).config, undefined), []);
  });

  it('names the language, each header, each cookie, and a default-key header only where a group declares values for it', () => {
    const yaml = configYaml({
      zones: zone({ cache_key: 'k' }),
      cache_keys: { k: { lang: true, headers: { include: ['x-tenant'], check_presence: ['x-debug'] }, cookies: { include: ['ab'], check_presence: ['session'] } }, bare: { headers: { exclude_origin: true } } },
      groups: { g: { urls: ['https://example.com/'], variants: { lang: ['ja'], headers: { 'x-tenant': ['t1'], 'x-forwarded-host': ['a.example.com'] }, cookies: { ab: ['1'] } } } },
    });
    const { config } = planOf(yaml);
    assert.deepEqual(notObservable(config, undefined), ['accept-language', 'cookie:ab', 'cookie:session', 'origin', 'x-debug', 'x-forwarded-host', 'x-tenant']);
    assert.deepEqual(notObservable(config, config.cacheKeys.get('bare')), ['x-forwarded-host']);
  });

  it('sees the plan through the same lens: variants keep only the device type and the country, groups declare only those', () => {
    const yaml = configYaml({
      zones: zone({ cache_key: 'k' }),
      cache_keys: { k: { device_type: true, lang: true, cookies: { include: ['ab'] } } },
      groups: { g: { urls: ['https://example.com/'], variants: { device_type: ['mobile', 'desktop'], lang: ['ja', 'en'], cookies: { ab: ['1', '2'] } } } },
    });
    const { config, expansions } = planOf(yaml);
    assert.equal(expansions[0]!.variants.length, 18);
    const seen = observableView({ config, expansions });
    assert.deepEqual(seen.expansions[0]!.variants.map((v) => v.key), ['cf-device-type=desktop', 'cf-device-type=mobile']);
    assert.deepEqual(seen.config.groups[0]!.dimensions.map((d) => d.name), ['cf-device-type']);
    assert.equal(seen.expansions[0]!.group, seen.config.groups[0]);
    assert.equal(config.groups[0]!.dimensions.length, 3);
  });
});
