// Property: explain, coverage and the planner agree (docs/commands.md#explain, docs/coverage.md). On pseudo-random
// configurations (fixed seeds), a request built from any file item of the plan has that item's
// key as its entry and is purged, by explain and by coverage alike; a request whose value no
// group declares is a near miss for explain and missed for coverage, naming that value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestOf } from '../src/commands/explain.js';
import { fileKey } from '../src/expand/group.js';
import { CoverageTally } from '../src/inspect/coverage.js';
import { explain } from '../src/inspect/explain.js';
import { Inspector } from '../src/inspect/inspector.js';
import { PurgeIndex } from '../src/inspect/items.js';
import { parseLogLine } from '../src/inspect/logs.js';
import type { Variant } from '../src/expand/variants.js';
import { configYaml, OTHER_ZONE_ID, planOf, seededRandom, ZONE_ID } from './support/config-builder.js';
import { logLine } from './support/logpush.js';

type Json = Record<string, unknown>;
type Random = () => number;
const CONFIGS = 120;

const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const chance = (random: Random, p: number) => random() < p;
function subset<T>(random: Random, values: readonly T[]): T[] {
  const chosen = values.filter(() => chance(random, 0.5));
  return chosen.length ? chosen : [values[0]!];
}

function generate(random: Random): string {
  const key: Json = {};
  const query = pick(random, ['none', 'sort', 'ignore', 'include', 'exclude']);
  if (query === 'sort') key.query_string = { sort: true };
  if (query === 'ignore') key.query_string = { ignore: true };
  if (query === 'include') key.query_string = { include: ['page'], sort: chance(random, 0.5) };
  if (query === 'exclude') key.query_string = { exclude: ['utm'] };
  if (chance(random, 0.4)) key.device_type = true;
  if (chance(random, 0.3)) key.geo = true;
  if (chance(random, 0.4)) key.lang = true;
  const headers: Json = {};
  if (chance(random, 0.25)) headers.include = ['x-tenant'];
  if (chance(random, 0.25)) headers.check_presence = ['x-beta'];
  if (chance(random, 0.2)) headers.exclude_origin = true;
  if (Object.keys(headers).length) key.headers = headers;
  const cookies: Json = {};
  if (chance(random, 0.25)) cookies.include = ['ab'];
  if (chance(random, 0.2)) cookies.check_presence = ['li'];
  if (Object.keys(cookies).length) key.cookies = cookies;
  const groups: Record<string, Json> = {};
  const count = 1 + Math.floor(random() * 3);
  for (let g = 0; g < count; g++) {
    const variants: Json = {};
    if (key.device_type && chance(random, 0.6)) variants.device_type = subset(random, ['desktop', 'mobile', 'tablet']);
    if (key.geo) variants.geo = subset(random, ['jp', 'US', 'fr']);
    const list = (values: string[]) => (chance(random, 0.3) ? { values: subset(random, values), absent: false } : subset(random, values));
    if (key.lang) variants.lang = list(['ja', 'en-US', 'ja-JP']);
    const vh: Json = {};
    if (headers.include) vh['x-tenant'] = list(['acme', 'globex']);
    if (headers.check_presence && chance(random, 0.3)) vh['x-beta'] = { absent: false };
    if (!headers.exclude_origin && chance(random, 0.3)) vh.origin = list(['https://a.example', 'https://b.example']);
    if (Object.keys(vh).length) variants.headers = vh;
    const vc: Json = {};
    if (cookies.include) vc.ab = list(['a', 'b']);
    if (cookies.check_presence && chance(random, 0.3)) vc.li = { absent: false };
    if (Object.keys(vc).length) variants.cookies = vc;
    const group: Json = {
      urls: subset(random, ['https://www.example.com/p/{n}/', 'https://www.example.com/list?page={n}&utm=x', 'http://shop.example.com/Item/{n}?b=2&a=1']),
      vars: { n: subset(random, ['1', '2', '3']) },
      variants,
    };
    if (chance(random, 0.2)) group.prefixes = ['www.example.com/p/2'];
    if (chance(random, 0.15)) group.hosts = ['shop.example.com'];
    groups[`g${g}`] = group;
  }
  return configYaml({
    zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'k', ...(chance(random, 0.2) ? { schemes: ['https', 'http'] } : {}) } },
    cache_keys: { k: key },
    groups,
  });
}

/** The request a file item describes: its URL and exactly its key headers. */
function requestFlags(variant: Variant) {
  const header: string[] = [];
  let country: string | undefined;
  let deviceType: string | undefined;
  let cookie: string[] = [];
  for (const [name, value] of variant.headers) {
    if (name === 'cf-device-type') deviceType = value;
    else if (name === 'cf-ipcountry') country = value;
    else if (name === 'cookie') cookie = value.split('; ');
    else header.push(`${name}: ${value}`);
  }
  return { header, cookie, country, deviceType };
}

function logOf(url: string, flags: ReturnType<typeof requestFlags>): string {
  const headers = Object.fromEntries(flags.header.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 2)]));
  const cookies = Object.fromEntries(flags.cookie.map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]));
  return logLine({ url, device: flags.deviceType ?? 'desktop', country: (flags.country ?? 'us').toLowerCase(), headers, cookies });
}

describe('explain and coverage agree with the plan on random configurations', () => {
  for (let seed = 1; seed <= CONFIGS; seed++) {
    it(`configuration ${seed}`, () => {
      const yaml = generate(seededRandom(seed));
      const { config, expansions } = planOf(yaml);
      const inspector = new Inspector(config, PurgeIndex.fromExpansions(config, expansions, null));
      const tally = new CoverageTally(inspector);
      tally.startFile('generated');
      let items = 0;
      for (const expansion of expansions) {
        for (const url of expansion.urls) {
          for (const variant of expansion.variants) {
            items++;
            const flags = requestFlags(variant);
            const result = explain(inspector, requestOf(url, { ...flags, deviceType: flags.deviceType ?? 'desktop', country: flags.country ?? 'US' }));
            assert.ok('explanation' in result, `${yaml}\n${'problem' in result ? result.problem : ''}`);
            assert.equal(result.explanation.entry.key, fileKey(url, variant), yaml);
            assert.ok(result.explanation.purgedBy.some((p) => p.group === expansion.group.name), `${fileKey(url, variant)} not purged by ${expansion.group.name}\n${yaml}`);
            tally.add(parseLogLine(logOf(url, flags)), items);
          }
        }
      }
      const report = tally.report(10, () => 0);
      assert.equal(report.requests.purged, items, yaml);
      assert.equal(report.requests.missed + report.requests.unknown + report.requests.skipped, 0, yaml);

      // A language no group declares: a near miss naming it, and missed for coverage.
      if (config.groups[0]!.cacheKey.lang) {
        const e = expansions[0]!;
        const variant = e.variants[0]!;
        const flags = requestFlags(variant);
        const header = [...flags.header.filter((h) => !h.startsWith('accept-language:')), 'accept-language: xx-UNDECLARED'];
        const result = explain(inspector, requestOf(e.urls[0]!, { ...flags, header, deviceType: flags.deviceType ?? 'desktop', country: flags.country ?? 'US' }));
        assert.ok('explanation' in result);
        const { explanation } = result;
        if (explanation.purgedBy.length === 0) {
          assert.ok(explanation.nearMisses.some((m) => m.dimension === 'lang' && m.value === 'xx-UNDECLARED'), yaml);
          const missedTally = new CoverageTally(inspector);
          missedTally.startFile('generated');
          missedTally.add(parseLogLine(logOf(e.urls[0]!, { ...flags, header })), 1);
          const missed = missedTally.report(10, () => 0);
          assert.equal(missed.requests.missed, 1, yaml);
          assert.ok(missed.missedValues.some((v) => v.dimension === 'lang' && v.value === 'xx-UNDECLARED'), yaml);
        }
      }
    });
  }
});

/** Purges and invalidations mixed: files, hosts, prefixes, tags and everything, in two zones. */
function generateActions(random: Random): string {
  const groups: Record<string, Json> = {};
  const count = 2 + Math.floor(random() * 4);
  for (let g = 0; g < count; g++) {
    const zone = chance(random, 0.75) ? 'www' : 'other';
    const host = zone === 'www' ? 'www.example.com' : 'cdn.example.org';
    const group: Json = { zone };
    if (chance(random, 0.4)) group.action = 'invalidate';
    if (chance(random, 0.8)) {
      group.urls = subset(random, [`https://${host}/a/{n}`, `https://${host}/a/b/{n}.xml`, `https://${host}/c/{n}?x=1`]);
      group.vars = { n: subset(random, ['1', '2']) };
      if (zone === 'www') group.variants = { lang: subset(random, ['ja', 'en']) };
    }
    if (chance(random, 0.35)) group.prefixes = subset(random, [`${host}/a/`, `${host}/a/b`, `${host}/c`]);
    if (chance(random, 0.15)) group.hosts = [host];
    if (chance(random, 0.3)) group.tags = subset(random, ['t1', 't2']);
    if (zone === 'other' && chance(random, 0.2)) group.everything = true;
    if (!group.urls && !group.prefixes && !group.hosts && !group.tags && !group.everything) group.tags = ['t3'];
    groups[`g${g}`] = group;
  }
  return configYaml({
    zones: {
      www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'k' },
      other: { id: OTHER_ZONE_ID, name: 'example.org', allow_purge_everything: true },
    },
    cache_keys: { k: { lang: true } },
    groups,
  });
}

/**
 * The plan drops what a broader item covers (an invalidation under a purge is only purged): explain
 * names each group's own item with what the plan does to it, from the groups or from the plan alike.
 */
describe('explain gives one answer against every group and against the plan of every group', () => {
  for (let seed = 1; seed <= CONFIGS; seed++) {
    it(`configuration ${seed}`, () => {
      const yaml = generateActions(seededRandom(1000 + seed));
      const { config, expansions, plan } = planOf(yaml);
      const every = new Inspector(config, PurgeIndex.fromExpansions(config, expansions, null));
      const saved = new Inspector(config, PurgeIndex.fromPlan(config, expansions, plan));
      const urls = ['/a/1', '/a/2', '/a/b/1.xml', '/a/b/2.xml', '/a/bx', '/c/1?x=1', '/c/2?x=2', '/c/1?x=1&y=2', '/c', '/d'];
      for (const origin of ['https://www.example.com', 'https://cdn.example.org', 'http://www.example.com']) {
        for (const path of urls) {
          for (const language of [undefined, 'ja', 'en', 'fr']) {
            const request = requestOf(`${origin}${path}`, { header: language ? [`Accept-Language: ${language}`] : [], cookie: [] });
            const a = explain(every, request);
            const b = explain(saved, request);
            assert.ok('explanation' in a && 'explanation' in b);
            const view = (e: typeof a.explanation) => ({ entry: e.entry.key, purgedBy: e.purgedBy, tags: e.tags, nearMisses: e.nearMisses });
            assert.deepEqual(view(b.explanation), view(a.explanation), `${origin}${path} ${language}\n${yaml}\n${JSON.stringify(plan.requests)}`);
          }
        }
      }
    });
  }
});
