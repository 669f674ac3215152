// docs/commands.md, human output: representative plans rendered without colour and compared byte for
// byte with test/golden/*.txt (regenerated only by scripts/update-golden.mjs, reviewed in diffs),
// then the rules a reviewer relies on, one by one.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ansiStyle, plainStyle } from '../src/diagnostics.js';
import { itemLine, renderHuman } from '../src/render/human.js';
import type { ListedPlan } from '../src/render/items.js';
import { planLine } from '../src/render/summary.js';
import { SCENARIOS, ZONE_ID, goldenFiles, listedFor, planFor, yamlOf } from './golden/scenarios.js';
import { GOLDEN, UPDATE, golden, scenario } from './support/golden.js';

const ANSI = /\u001b\[[0-9;]*m/g;

const plain = (listed: ListedPlan) => renderHuman(listed, { style: plainStyle });
const linesOf = (text: string) => text.split('\n');



describe('human output matches the golden files', () => {
  for (const { name } of SCENARIOS) {
    it(`${name}.txt`, () => {
      assert.equal(goldenFiles(scenario(name), name).txt, golden(`${name}.txt`), `the human output of scenario ${name} changed: ${UPDATE}`);
    });
  }

  it('every golden .txt file belongs to a scenario (no stale files)', () => {
    const files = readdirSync(GOLDEN).filter((file) => file.endsWith('.txt')).sort();
    assert.deepEqual(files, SCENARIOS.map((s) => `${s.name}.txt`).sort(), UPDATE);
  });

  it('the golden scenarios show what they are named for', () => {
    // Guards the goldens themselves: a scenario edited into something else would pass silently.
    const multiZone = golden('multi-zone.txt');
    assert.match(multiZone, /^zone www \(.*\) — cache key "pages" /m);
    assert.match(multiZone, /^zone cdn \(Cloudflare, example-cdn\.net, id looked up at apply, pro plan\)/m);
    assert.match(multiZone, /^ {2}\+ prices · new · 2 URLs × 2 variants = 4 items · cache key "prices" \(/m, 'a group with its own cache key says so');
    assert.match(multiZone, /^ {2}\+ posts · new · 5 URLs × 3 variants = 15 items$/m);
    assert.match(multiZone, /^ {6}variants: device desktop, mobile, tablet$/m);
    assert.match(multiZone, /^ {2}\+ images · new · 3 items, all covered$/m, 'items a broader item covers are counted, not listed');
    assert.match(multiZone, /^Covered: 2 items in zone cdn not sent: already purged by host img\.example-cdn\.net\.$/m);
    assert.match(multiZone, /^Deduplicated: 2 items asked for by more than one group are sent once\.$/m);
    const reconciled = golden('reconciled.txt');
    for (const status of ['changed: 3 items added, 3 removed', 'revised (revision 2)', 'watched content changed', 'unchanged', 'removed from purge.yaml', 'new']) {
      assert.ok(reconciled.includes(` · ${status} · `), status);
    }
    assert.match(reconciled, /^ {6}- 1 URL × 3 variants = 3 items \(removed: purged\)\n {10}https:\/\/www\.example\.com\/docs\/old-api\/\n {10}variants: device desktop, mobile, tablet$/m);
    assert.match(reconciled, /^ {2}± guides · changed: 18 items added, 0 removed · purges all 8 URLs × 3 variants = 24 items$/m);
    assert.match(golden('purge-everything.txt'), /^ {2}! purge EVERYTHING: every cached file of zone www will be removed$/m);
    assert.match(golden('single-file.txt'), /^Plan: 1 request — 1 file in 1 zone\. Estimated < 1 s at free-plan limits\.$/m);
    assert.match(golden('nothing-due.txt'), /\nNo purges planned\.\n$/);
    const invalidate = golden('invalidate.txt');
    assert.match(invalidate, /^ {2}~ docs · new · invalidate · 2 URLs × 1 variant \+ 1 more \+ 1 covered = 4 items$/m, 'an invalidating group is marked ~');
    assert.match(invalidate, /^ {6}~ prefix www\.example\.com\/blog\/$/m, 'and so are its items');
    assert.match(invalidate, /^ {6}\+ host old\.example\.com$/m, 'purged items keep +');
    assert.match(invalidate, /^ {2}~ feeds · changed: same items, another action or zone id · invalidate · invalidates all 1 item$/m);
    assert.match(invalidate, /^Covered: 1 invalidation in zone www not sent: purged too/m);
    assert.match(invalidate, /^Plan: 5 requests — 1 file purged, 1 host purged, 2 files invalidated, 1 prefix invalidated, 1 tag invalidated in 1 zone\./m);
  });
});

describe('items', () => {
  it('itemLine sets the headers apart with two spaces; other keys are left as they are', () => {
    const rows: [string, string][] = [
      ['https://www.example.com/ [cf-device-type=mobile]', 'https://www.example.com/  [cf-device-type=mobile]'],
      ['https://www.example.com/a?b=1 [accept-language=ja, cf-ipcountry=JP]', 'https://www.example.com/a?b=1  [accept-language=ja, cf-ipcountry=JP]'],
      ['http://www.example.com/', 'http://www.example.com/'],
      ['host static.example.com', 'host static.example.com'],
      ['prefix www.example.com/feeds/', 'prefix www.example.com/feeds/'],
      ['tag a[b', 'tag a[b'],
      ['tag x [y]', 'tag x [y]'],
      ['everything', 'everything'],
    ];
    for (const [key, line] of rows) assert.equal(itemLine(key), line, key);
  });

  it('with --expand, a URL with several header variants reads `+ URL  [header=value, …]`, one item a line', () => {
    const plan = listedFor(yamlOf({
      zones: { www: { id: ZONE_ID, cache_key: 'k' } },
      cache_keys: { k: { device_type: true, geo: true } },
      groups: { g: { urls: ['https://www.example.com/p/'], variants: { device_type: ['mobile'], geo: ['JP', 'US'] } } },
    }));
    const items = linesOf(renderHuman(plan, { style: plainStyle, expand: true })).filter((line) => line.startsWith('      + '));
    assert.deepEqual(items, [
      '      + https://www.example.com/p/  [cf-device-type=mobile, cf-ipcountry=JP]',
      '      + https://www.example.com/p/  [cf-device-type=mobile, cf-ipcountry=US]',
    ]);
  });

  it('lists itemsPerGroup flat items (default 10), then "… and N more" with N counting every item, not only the preview', () => {
    const plan = listedFor(yamlOf({ zones: { www: { id: ZONE_ID, name: 'example.com' } }, groups: { g: { hosts: ['h{1..1200}.example.com'] } } }));
    const listed = (text: string) => linesOf(text).filter((line) => line.startsWith('      + ')).length;
    assert.equal(listed(plain(plan)), 10);
    assert.match(plain(plan), /^ {6}… and 1,190 more$/m);
    const three = renderHuman(plan, { style: plainStyle, itemsPerGroup: 3 });
    assert.equal(listed(three), 3);
    assert.match(three, /^ {6}… and 1,197 more$/m);
  });

  it('a group that is not due is one dim line with no items', () => {
    const plan = listedFor(yamlOf({ zones: { www: { id: ZONE_ID } }, groups: { a: { urls: ['https://www.example.com/a'] }, b: { urls: ['https://www.example.com/b'] } } }), { notDue: ['b'] });
    const text = plain(plan);
    assert.match(text, /^ {2}= b · unchanged · 1 item$/m);
    assert.ok(!text.includes('https://www.example.com/b'));
    assert.match(text, /^purgeplan will send 1 purge request for 1 group\./);
  });
});

describe('No purges planned.', () => {
  it('a file with no groups: that line and nothing else', () => {
    const plan = listedFor(yamlOf({ zones: { www: { id: ZONE_ID } } }));
    assert.equal(plain(plan), 'No purges planned.\n');
  });

  it('a file with nothing due: the groups as not due, then that line, and no Plan line', () => {
    const text = plain(scenario('nothing-due'));
    assert.equal(linesOf(text).at(-2), 'No purges planned.');
    assert.ok(!/^Plan:/m.test(text));
    assert.ok(!text.includes('purgeplan will send'));
    assert.equal(planLine(scenario('nothing-due').plan), 'No purges planned.');
  });
});

describe('the closing Plan line', () => {
  const tagsPlan = (plan: string, tags: number) => planFor(yamlOf({
    zones: { www: { id: ZONE_ID, plan } },
    groups: { g: { tags: Array.from({ length: tags }, (_, i) => `t${i}`) } },
  }));
  const filesPlan = (plan: string, urls: number) => planFor(yamlOf({
    zones: { www: { id: ZONE_ID, plan } },
    groups: { g: { urls: [`https://www.example.com/{1..${urls}}`] } },
  }));

  it('pluralizes every count, prefixes included, and ends with the estimate', () => {
    const listed = listedFor(yamlOf({ zones: { www: { id: ZONE_ID } }, groups: { g: { hosts: ['a.example.com', 'b.example.com'], prefixes: ['www.example.com/a/', 'www.example.com/b/'] } } }));
    assert.equal(planLine(listed.plan), 'Plan: 2 requests — 2 hosts, 2 prefixes in 1 zone. Estimated < 1 s at free-plan limits.');
    assert.equal(linesOf(plain(listed)).at(-2), planLine(listed.plan));
    assert.equal(planLine(tagsPlan('free', 1)), 'Plan: 1 request — 1 tag in 1 zone. Estimated < 1 s at free-plan limits.');
  });

  // The estimate is apply's own pacing (apply/pacing.ts), margins included: 98% of the documented
  // request rate, and a URL window of 1,020 ms.
  it('estimates at the zone\'s plan: 40 tag requests take minutes on free (5 a minute after a burst of 25), not on enterprise', () => {
    assert.equal(planLine(tagsPlan('free', 4000)), 'Plan: 40 requests — 4,000 tags in 1 zone. Estimated 3 min 4 s at free-plan limits.');
    assert.equal(planLine(tagsPlan('enterprise', 4000)), 'Plan: 40 requests — 4,000 tags in 1 zone. Estimated < 1 s at enterprise-plan limits.');
  });

  it('estimates files by whole requests per window: 2,400 URLs in 80 requests of 30 take 4 s on free (26 fit 800 URLs/s), under 1 s on enterprise (3,000/s)', () => {
    assert.equal(planLine(filesPlan('free', 2400)), 'Plan: 80 requests — 2,400 files in 1 zone. Estimated 4 s at free-plan limits.');
    assert.equal(planLine(filesPlan('free', 900)), 'Plan: 30 requests — 900 files in 1 zone. Estimated 2 s at free-plan limits.');
    assert.equal(planLine(filesPlan('enterprise', 2400)), 'Plan: 5 requests — 2,400 files in 1 zone. Estimated < 1 s at enterprise-plan limits.');
  });

  it('names every plan tier in use when zones differ', () => {
    assert.match(planLine(scenario('multi-zone').plan), / at free\/pro-plan limits\.$/);
  });
});

describe('colour', () => {
  it('plainStyle writes no escape sequence', () => {
    for (const { name } of SCENARIOS) assert.ok(!plain(scenario(name)).includes('\u001b'), name);
  });

  it('ansiStyle colours the symbols and the purge-everything banner, and changes nothing else', () => {
    for (const { name } of SCENARIOS) {
      const listed = scenario(name);
      const coloured = renderHuman(listed, { style: ansiStyle });
      assert.equal(coloured.replace(ANSI, ''), plain(listed), name);
      if (listed.plan.summary.requests > 0) assert.ok(coloured.includes('\u001b[32m+\u001b[39m'), `${name}: a green +`);
    }
    const banner = linesOf(renderHuman(scenario('purge-everything'), { style: ansiStyle })).find((line) => line.includes('purge EVERYTHING'));
    assert.equal(banner, '\u001b[31m\u001b[1m  ! purge EVERYTHING: every cached file of zone www will be removed\u001b[22m\u001b[39m');
  });
});

describe('the legend: one meaning per symbol', () => {
  /** The legend's entries as [symbol, meaning], from the first line. */
  const legendOf = (text: string): [string, string][] => {
    const legend = /Symbols: (.*)\.$/m.exec(text)?.[1] ?? '';
    return legend.split(/, (?=\S )/).map((entry) => [entry.slice(0, entry.indexOf(' ')), entry.slice(entry.indexOf(' ') + 1)]);
  };

  it('a changed purge group and an invalidating group: `~` is invalidate only, changed has its own symbol', () => {
    const zones = { www: { id: ZONE_ID, name: 'example.com' } };
    const before = yamlOf({ zones, groups: { docs: { urls: ['https://www.example.com/docs/{a,b}/'] } } });
    const now = yamlOf({ zones, groups: { docs: { urls: ['https://www.example.com/docs/{a,c}/'] }, drafts: { action: 'invalidate', urls: ['https://www.example.com/drafts/'] } } });
    const text = plain(listedFor(now, { before }));
    const legend = legendOf(text);
    assert.deepEqual(legend.map(([symbol]) => symbol), [...new Set(legend.map(([symbol]) => symbol))], 'no symbol twice');
    assert.equal(Object.fromEntries(legend)['~'], 'invalidate (marked stale, not deleted)');
    assert.equal(Object.fromEntries(legend)['±'], 'purge (changed since the baseline)');
    assert.match(text, /^ {2}± docs · changed: 1 item added, 1 removed · purges all 2 URLs × 1 variant = 2 items and 1 removed item$/m);
    assert.match(text, /^ {2}~ drafts · new · invalidate · 1 URL × 1 variant = 1 item$/m);
    assert.match(text, /^ {6}- 1 URL × 1 variant = 1 item \(removed: purged\)\n {10}https:\/\/www\.example\.com\/docs\/b\/$/m);
  });

  it('every golden plan: each symbol of the legend once, and every symbol shown at a line start is in the legend', () => {
    for (const { name } of SCENARIOS) {
      const text = golden(`${name}.txt`);
      const legend = legendOf(text);
      if (legend.length === 1 && legend[0][0] === '') continue;
      const symbols = legend.map(([symbol]) => symbol);
      assert.deepEqual(symbols, [...new Set(symbols)], name);
      for (const match of text.matchAll(/^ {2}(?: {4})?([+±~=-]) /gm)) assert.ok(symbols.includes(match[1]), `${name}: ${match[1]} is not in the legend`);
    }
  });
});

describe('counts are pluralized', () => {
  it('"… and 1 more URL", not "1 more URLs"; "1 URL × 1 variant = 1 item"', () => {
    const zones = { www: { id: ZONE_ID } };
    const before = yamlOf({ zones, groups: { g: { urls: ['https://www.example.com/{1..3}'] } } });
    const now = yamlOf({ zones, groups: { g: { urls: ['https://www.example.com/{1..2}', 'https://www.example.com/{4..22}'] } } });
    const text = renderHuman(listedFor(now, { before }), { style: plainStyle, itemsPerGroup: 1 });
    assert.match(text, /^ {6}… and 1 more URL$/m);
    assert.match(text, /^ {6}- 1 URL × 1 variant = 1 item \(removed: purged\)$/m);
    assert.match(text, /^Plan: 1 request — 22 files in 1 zone \(1 removed item purged\)\./m);
  });
});

describe('--group: only the named groups are due, whatever the baseline', () => {
  it('with no baseline (--all), the baseline line does not say every group is due', () => {
    const text = plain(scenario('forced'));
    assert.match(text, /^Baseline: none \(only the groups given with --group are due\)\.$/m);
    assert.doesNotMatch(text, /every group is due/);
  });
});
