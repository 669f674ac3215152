// The GraphQL stand-in is an oracle for coverage --graphql: these tests check that it refuses what
// Cloudflare refuses (more than 10 zones, a limit over maxPageSize, a window over maxDuration or
// older than notOlderThan, a field the zone lacks, a bad token) and answers what it should (the
// settings node, grouped rows summed and sorted, filters with OR, aliases and variables).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGraphqlStandin } from './support/graphql-standin.js';
import type { GraphqlStandin } from './support/graphql-standin.js';

const ZONE = 'a'.repeat(32);
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

let standin: GraphqlStandin;
before(async () => {
  standin = await startGraphqlStandin({
    zones: [{ id: ZONE, settings: { maxPageSize: 100, maxDuration: 86_400, notOlderThan: 7 * 86_400, availableFields: ['count', 'dimensions_clientRequestPath', 'dimensions_clientDeviceType'] } }, ...Array.from({ length: 11 }, (_, i) => ({ id: `${i}`.padStart(32, 'b') }))],
    readers: { good: [ZONE, ...Array.from({ length: 11 }, (_, i) => `${i}`.padStart(32, 'b'))] },
    events: [
      { zone: ZONE, at: NOW - 1000, host: 'h', path: '/a', count: 2 },
      { zone: ZONE, at: NOW - 2000, host: 'h', path: '/a', device: 'mobile' },
      { zone: ZONE, at: NOW - 3000, host: 'h', path: '/b', count: 5 },
      { zone: ZONE, at: NOW - 3000, host: 'h', path: '/b', source: 'purge', count: 50 },
    ],
  });
});
after(() => standin.close());

const FILTER = { datetime_geq: iso(NOW - 3_600_000), datetime_lt: iso(NOW), requestSource: 'eyeball' };

async function ask(query: string, variables: Record<string, unknown> = {}, token = 'good'): Promise<{ status: number; body: { data: any; errors: { message: string }[] | null } }> {
  const response = await fetch(`${standin.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: await response.json() as { data: any; errors: { message: string }[] | null } };
}

const groups = (args: string, dims = 'clientRequestPath clientDeviceType') =>
  `query Q($f: ZoneHttpRequestsAdaptiveGroupsFilter_InputObject!) { viewer { z: zones(filter: {zoneTag: "${ZONE}"}) { httpRequestsAdaptiveGroups(${args}) { count dimensions { ${dims} } } } } }`;
const ORDER = 'orderBy: [clientRequestPath_ASC, clientDeviceType_ASC]';

describe('the GraphQL stand-in', () => {
  it('answers the settings node per zone', async () => {
    const { status, body } = await ask(`{ viewer { zones(filter: {zoneTag_in: ["${ZONE}"]}) { zoneTag settings { httpRequestsAdaptiveGroups { enabled maxPageSize notOlderThan } } } } }`);
    assert.equal(status, 200);
    assert.deepEqual(body.data.viewer.zones, [{ zoneTag: ZONE, settings: { httpRequestsAdaptiveGroups: { enabled: true, maxPageSize: 100, notOlderThan: 604_800 } } }]);
  });

  it('groups eyeball events by the dimensions asked, summing count, sorted, cut to the limit, paged by an OR filter', async () => {
    const first = await ask(groups(`limit: 2, filter: $f, ${ORDER}`), { f: FILTER });
    assert.deepEqual(first.body.data.viewer.z[0].httpRequestsAdaptiveGroups, [
      { count: 2, dimensions: { clientRequestPath: '/a', clientDeviceType: 'desktop' } },
      { count: 1, dimensions: { clientRequestPath: '/a', clientDeviceType: 'mobile' } },
    ]);
    const next = await ask(groups(`limit: 2, filter: $f, ${ORDER}`), { f: { ...FILTER, OR: [{ clientRequestPath_gt: '/a' }, { clientRequestPath: '/a', clientDeviceType_gt: 'mobile' }] } });
    assert.deepEqual(next.body.data.viewer.z[0].httpRequestsAdaptiveGroups, [{ count: 5, dimensions: { clientRequestPath: '/b', clientDeviceType: 'desktop' } }]);
  });

  it('refuses what Cloudflare refuses, with its messages', async () => {
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      [groups(`limit: 101, filter: $f, ${ORDER}`), { f: FILTER }, 400, /limit must be positive number and not greater than 100/],
      [groups(`limit: 1, filter: $f, ${ORDER}`), { f: { ...FILTER, datetime_geq: iso(NOW - 2 * 86_400_000) } }, 400, /query time range is too large/],
      [groups(`limit: 1, filter: $f, ${ORDER}`), { f: { ...FILTER, datetime_geq: iso(NOW - 8 * 86_400_000), datetime_lt: iso(NOW - 7.5 * 86_400_000) } }, 400, /cannot request data older than 604800s/],
      [groups(`limit: 1, filter: $f, ${ORDER}`), { f: { ...FILTER, requestSource: undefined } }, 400, /requestSource "eyeball"/],
      [groups(`limit: 1, filter: $f, orderBy: [clientRequestPath_ASC, clientRequestScheme_ASC]`, 'clientRequestPath clientRequestScheme'), { f: FILTER }, 400, /unknown field "clientRequestScheme"/],
      [groups(`limit: 1, filter: $f, orderBy: [clientRequestPath_ASC]`), { f: FILTER }, 400, /orderBy must sort by every dimension/],
      [groups(`limit: 1, filter: $g, ${ORDER}`), { f: FILTER }, 400, /variable \$g is not declared/],
      [`{ viewer { zones(filter: {zoneTag_in: [${Array.from({ length: 11 }, (_, i) => `"${`${i}`.padStart(32, 'b')}"`).join(', ')}]}) { zoneTag } } }`, {}, 400, /up to 10 zones/],
      [`{ viewer { zones(filter: {zoneTag: "${'c'.repeat(32)}"}) { zoneTag } } }`, {}, 403, /are not authorized/],
      ['{ viewer { zones(filter: {zoneTag: "x"}) { zoneTag }', {}, 400, /query contains error/],
    ];
    for (const [query, variables, status, message] of cases) {
      const answer = await ask(query, variables);
      assert.equal(answer.status, status, String(message));
      assert.equal(answer.body.data, null);
      assert.match(answer.body.errors![0]!.message, message);
    }
    assert.equal((await ask(`{ viewer { zones(filter: {zoneTag: "${ZONE}"}) { zoneTag } } }`, {}, 'bad')).status, 401);
  });
});
