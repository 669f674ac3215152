// The factored plan (docs/commands.md, "How the plan lists items"): a group's items as the
// largest URL x variant product, its URLs (at most 20) and each dimension's values once, the rest
// flat; `--expand` lists every item flat; the markdown of the 930,000-item benchmark plan is one
// GitHub comment. Pure factoring first, then the rendered plans, then the built CLI.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeIssue15Site } from '../bench/scale-cases.js';
import { plainStyle } from '../src/diagnostics.js';
import { makeVariant } from '../src/expand/variants.js';
import { factorItems } from '../src/render/factor.js';
import type { DeclaredDimension, UrlRun, VariantLike } from '../src/render/factor.js';
import { renderHuman } from '../src/render/human.js';
import { variantsLine } from '../src/render/listing.js';
import { renderMarkdown, renderMarkdownWhole } from '../src/render/markdown.js';
import { withGitHub } from './support/forge-world.js';
import { golden } from './support/golden.js';
import { Site } from './support/site.js';
import { ZONE_ID, listedFor, yamlOf } from './golden/scenarios.js';

/** A seeded PRNG (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every combination of the dimensions' values (null: the header left out), as variants. */
function product(dimensions: readonly DeclaredDimension[]): VariantLike[] {
  let combos: [string, string][][] = [[]];
  for (const d of dimensions) {
    combos = combos.flatMap((pairs) => d.values.map((value) => (value === null ? pairs : [...pairs, [d.name, value] as [string, string]])));
  }
  return combos.map((pairs) => makeVariant([...pairs].sort(([a], [b]) => (a < b ? -1 : 1))));
}

const keysOf = (runs: readonly UrlRun[]) => runs.flatMap((r) => r.variants.map((v) => `${r.url} ${v.key}`));

/** A random set of dimensions: some headers Cloudflare sets, custom ones, each with or without an absent value. */
function randomDimensions(next: () => number): DeclaredDimension[] {
  const names = ['cf-device-type', 'cf-ipcountry', 'accept-language', 'x-brand', 'origin'].filter(() => next() < 0.6);
  return names.map((name) => {
    const values: (string | null)[] = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, i) => `${name.slice(0, 2)}${i}`);
    if (next() < 0.4) values.push(null);
    return { kind: 'header' as const, name, values };
  });
}

describe('factorItems: the largest full product, the rest flat', () => {
  it('the spec example: 2 URLs × 24 variants, each dimension once in declared order, (none) for the absent value', () => {
    const declared: DeclaredDimension[] = [
      { kind: 'header', name: 'cf-device-type', values: ['desktop', 'mobile', 'tablet'] },
      { kind: 'header', name: 'cf-ipcountry', values: ['JP', 'US'] },
      { kind: 'header', name: 'accept-language', values: [null, 'en-US', 'ja', 'fr'] },
    ];
    const variants = product(declared).sort((a, b) => (a.key < b.key ? -1 : 1));
    const factored = factorItems(['https://www.example.com/', 'https://www.example.com/about/'].map((url) => ({ url, variants })), declared);
    assert.deepEqual(factored.rest, []);
    assert.deepEqual(factored.product?.urls, ['https://www.example.com/', 'https://www.example.com/about/']);
    assert.equal(factored.product?.variants, 24);
    assert.equal(variantsLine(factored.product!), 'variants: device desktop, mobile, tablet × country JP, US × language en-US, ja, fr, (none)');
  });

  it('random full products (URLs × header dimensions) are never left flat', () => {
    const next = random(15);
    for (let round = 0; round < 300; round++) {
      const dimensions = randomDimensions(next);
      const variants = product(dimensions);
      const urls = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => `https://www.example.com/${round}/${i}/`);
      // Items in any order: sorted by key as a plan has them, or as the dimensions list them.
      const listed = next() < 0.5 ? [...variants].sort((a, b) => (a.key < b.key ? -1 : 1)) : variants;
      const factored = factorItems(urls.map((url) => ({ url, variants: listed })), next() < 0.5 ? dimensions : []);
      assert.equal(factored.restItems, 0, `round ${round}: ${factored.restItems} items left flat`);
      assert.deepEqual(factored.product?.urls, urls, `round ${round}`);
      assert.equal(factored.product?.variants, variants.length, `round ${round}`);
      assert.equal(factored.product?.dimensions.reduce((n, d) => n * d.values.length, 1), variants.length, `round ${round}: the dimensions multiply to the variants`);
    }
  });

  it('items taken out of a full product: a full product of what is left, and the rest, each item once', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const variants = product(randomDimensions(next));
      const urls = Array.from({ length: 1 + Math.floor(next() * 12) }, (_, i) => `https://www.example.com/${i}/`);
      const runs = urls.map((url) => ({ url, variants: variants.filter(() => next() < 0.8) }));
      const factored = factorItems(runs);
      const items = keysOf(runs);
      if (items.length === 0) { assert.equal(factored.product, null); continue; }
      const { product: shown } = factored;
      assert.ok(shown, `round ${round}`);
      // The product is full: each of its URLs has each of its variants.
      const have = new Set(items);
      const combos = product(shown.dimensions.map((d) => ({ kind: 'header', name: d.label, values: d.values })));
      assert.equal(combos.length, shown.variants);
      const inProduct = new Set<string>();
      for (const url of shown.urls) {
        const own = runs.find((r) => r.url === url)!.variants;
        const keys = own.filter((v) => factored.rest.every((r) => r.url !== url || !r.variants.includes(v))).map((v) => `${url} ${v.key}`);
        assert.equal(keys.length, shown.variants, `round ${round}: ${url} has each variant of the product`);
        for (const key of keys) { assert.ok(have.has(key)); inProduct.add(key); }
      }
      // Product and rest split the items exactly.
      const rest = keysOf(factored.rest);
      assert.equal(inProduct.size + rest.length, items.length, `round ${round}`);
      for (const key of rest) assert.ok(have.has(key) && !inProduct.has(key), `round ${round}: ${key}`);
      // At least as large as the best single URL, and as all URLs that kept every variant.
      const whole = runs.filter((r) => r.variants.length === variants.length).length * variants.length;
      assert.ok(shown.urls.length * shown.variants >= whole, `round ${round}: ${shown.urls.length * shown.variants} < ${whole}`);
    }
  });

  it('a variant missing on one URL: the URLs that have all of them × all, the rest flat', () => {
    const variants = ['desktop', 'mobile', 'tablet'].map((d) => makeVariant([['cf-device-type', d]]));
    const runs = [
      { url: 'https://www.example.com/a', variants },
      { url: 'https://www.example.com/b', variants },
      { url: 'https://www.example.com/c', variants: variants.slice(0, 2) },
    ];
    const factored = factorItems(runs);
    assert.deepEqual(factored.product?.urls, ['https://www.example.com/a', 'https://www.example.com/b']);
    assert.equal(factored.product?.variants, 3);
    assert.deepEqual(keysOf(factored.rest), ['https://www.example.com/c cf-device-type=desktop', 'https://www.example.com/c cf-device-type=mobile']);
  });

  it('cookies are one dimension each; a value that could read as two is quoted', () => {
    const variants = [['a', 'x'], ['a', 'y'], ['b', 'x'], ['b', 'y']].map(([ab, v]) => makeVariant([['cookie', `ab=${ab}; v=${v}`], ['x-brand', 'red, blue']]));
    const factored = factorItems([{ url: 'https://www.example.com/', variants }], [
      { kind: 'header', name: 'x-brand', values: ['red, blue', null] }, { kind: 'cookie', name: 'ab', values: ['b', 'a'] }, { kind: 'cookie', name: 'v', values: ['x', 'y'] },
    ]);
    assert.equal(factored.restItems, 0);
    assert.equal(variantsLine(factored.product!), 'variants: x-brand "red, blue" × cookie ab b, a × cookie v x, y');
  });
});

/** The file items rendered one a line (v1's format), which a factored group never shows for a full product. */
const flatFileLines = (text: string) => text.split('\n').filter((line) => /^(?: {6})?[+~] https?:\/\//.test(line));

describe('rendered plans: a full product is never shown flat', () => {
  it('random groups of URLs × declared variants, in the human and the markdown plan', () => {
    const next = random(42);
    const pick = <T>(values: readonly T[]) => values.filter(() => next() < 0.6);
    for (let round = 0; round < 40; round++) {
      const devices = pick(['desktop', 'mobile', 'tablet']);
      const countries = pick(['JP', 'US', 'DE', 'FR', 'BR']);
      const languages = pick(['en-US', 'ja', 'fr', 'de']);
      const brands = pick(['red', 'blue']);
      const urls = Array.from({ length: 1 + Math.floor(next() * 40) }, (_, i) => `https://www.example.com/r${round}/${i}/`);
      const variants: Record<string, unknown> = {};
      if (devices.length) variants.device_type = devices;
      if (countries.length) variants.geo = countries;
      if (languages.length) variants.lang = next() < 0.5 ? languages : { values: languages, absent: false };
      if (brands.length) variants.headers = { 'x-brand': brands };
      const listed = listedFor(yamlOf({
        zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'k' } },
        cache_keys: { k: { device_type: true, geo: countries.length > 0, lang: languages.length > 0, ...(brands.length ? { headers: { include: ['x-brand'] } } : {}) } },
        groups: { g: { urls, ...(Object.keys(variants).length ? { variants } : {}) } },
      }));
      const items = listed.plan.groups[0].items;
      const variantCount = items / urls.length;
      const human = renderHuman(listed, { style: plainStyle });
      const markdown = renderMarkdown(listed);
      for (const [name, text] of [['human', human], ['markdown', markdown]]) {
        assert.deepEqual(flatFileLines(text), [], `round ${round} (${name}): items shown flat`);
        assert.ok(text.includes(`${urls.length} URL${urls.length === 1 ? "" : "s"} × ${variantCount} variant${variantCount === 1 ? "" : "s"} = ${items.toLocaleString("en-US")} item${items === 1 ? "" : "s"}`), `round ${round} (${name}): ${text.split('\n').find((line) => line.includes('g · ') || line.includes('<b>g</b>'))}`);
        assert.equal(text.split('\n').filter((line) => /^ {2}(?: {4})?https:\/\//.test(line)).length, Math.min(20, urls.length), `round ${round} (${name}): at most 20 URLs`);
      }
      if (urls.length > 20) assert.match(human, new RegExp(`^ {6}… and ${urls.length - 20} more URLs?$`, 'm'));
    }
  });

  it('--expand: every item flat, one a line, nothing cut', () => {
    const plan = listedFor(yamlOf({
      zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'k' } },
      cache_keys: { k: { device_type: true } },
      groups: { g: { urls: ['https://www.example.com/{1..40}/'] } },
    }));
    const human = renderHuman(plan, { style: plainStyle, expand: true });
    assert.equal(flatFileLines(human).length, 120);
    assert.doesNotMatch(human, /… and/);
    assert.match(human, /^ {2}\+ g · new · 120 items$/m);
    assert.match(human, /^ {6}\+ https:\/\/www\.example\.com\/9\/ {2}\[cf-device-type=tablet\]$/m);
    const markdown = renderMarkdownWhole(plan, { expand: true });
    assert.equal(flatFileLines(markdown).length, 120);
    assert.doesNotMatch(markdown, /… and/);
  });
});

describe('the golden factored plans show what they are named for', () => {
  it('factored: the spec\'s product, more than 20 URLs, a covered URL, variants that differ per URL, removed items', () => {
    const text = golden('factored.txt');
    assert.match(text, /^ {2}± home · changed: 0 items added, 24 removed · purges all 2 URLs × 24 variants = 48 items and 24 removed items$/m);
    assert.match(text, /^ {6}variants: device desktop, mobile, tablet × country JP, US × language en-US, ja, fr, \(none\)$/m);
    assert.match(text, /^ {6}- 1 URL × 24 variants = 24 items \(removed: purged\)\n {10}https:\/\/www\.example\.com\/old\/$/m);
    assert.match(text, /^ {2}\+ news · new · 24 URLs × 3 variants \+ 3 covered = 75 items$/m);
    assert.match(text, /^ {6}… and 4 more URLs$/m);
    assert.match(text, /^ {2}~ sale · new · invalidate · 1 URL × 9 variants \+ 3 more \+ 6 covered = 18 items$/m);
    assert.match(golden('factored.md'), /^- 1 URL × 24 variants = 24 items \(removed: purged\)$/m);
    assert.equal(flatFileLines(golden('factored-expand.txt')).length, 48 + 75 + 18);
  });

  it('escalated: the escalated group keeps its one line, the other is factored', () => {
    const text = golden('escalated.txt');
    assert.match(text, /^ {2}↑ posts · escalated · 120 files → prefix www\.example\.com\/blog\/ /m);
    assert.match(text, /^ {2}\+ home · new · 2 URLs × 3 variants = 6 items$/m);
    assert.match(golden('escalated.md'), /<summary><b>home<\/b> — new, 2 URLs × 3 variants = 6 items<\/summary>/);
  });
});

describe('rendered plans: what is not a full product', () => {
  it('coverage took a URL: the product of the others, the covered items counted', () => {
    const plan = listedFor(yamlOf({
      zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'k' } },
      cache_keys: { k: { device_type: true } },
      groups: { pages: { urls: ['https://www.example.com/{a,b,c}/'] }, blog: { prefixes: ['www.example.com/b/'] } },
    }));
    const human = renderHuman(plan, { style: plainStyle });
    assert.match(human, /^ {2}\+ pages · new · 2 URLs × 3 variants \+ 3 covered = 9 items\n {6}https:\/\/www\.example\.com\/a\/\n {6}https:\/\/www\.example\.com\/c\/\n {6}variants: device desktop, mobile, tablet$/m);
    assert.match(human, /^Covered: 3 items in zone www not sent: already purged by prefix www\.example\.com\/b\/\.$/m);
    // --expand lists every item of the group, as its line counts them: the covered ones too.
    const expanded = renderHuman(plan, { style: plainStyle, expand: true });
    assert.match(expanded, /^ {2}\+ pages · new · 9 items$/m);
    assert.equal(flatFileLines(expanded).filter((line) => line.includes('example.com/')).length, 9);
    assert.match(expanded, /^ {6}\+ https:\/\/www\.example\.com\/b\/ {2}\[cf-device-type=mobile\]$/m);
  });

  it('variants that differ per URL (an invalidation partly purged by another group): the largest product, the rest flat', () => {
    const plan = listedFor(yamlOf({
      zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'k' } },
      cache_keys: { k: { device_type: true } },
      groups: {
        home: { urls: ['https://www.example.com/'], variants: { device_type: ['desktop'] } },
        refresh: { action: 'invalidate', urls: ['https://www.example.com/', 'https://www.example.com/a/', 'https://www.example.com/b/'] },
      },
    }));
    const human = renderHuman(plan, { style: plainStyle });
    assert.match(human, /^ {2}~ refresh · new · invalidate · 2 URLs × 3 variants \+ 2 more \+ 1 covered = 9 items\n {6}https:\/\/www\.example\.com\/a\/\n {6}https:\/\/www\.example\.com\/b\/\n {6}variants: device desktop, mobile, tablet\n {6}~ https:\/\/www\.example\.com\/ {2}\[cf-device-type=mobile\]\n {6}~ https:\/\/www\.example\.com\/ {2}\[cf-device-type=tablet\]$/m);
    const markdown = renderMarkdown(plan);
    assert.match(markdown, /^~ https:\/\/www\.example\.com\/ {2}\[cf-device-type=mobile\]$/m);
  });
});

describe('rendered plans: what a changed group lost', () => {
  it('items purged one last time are factored under their own `-` line; what is no longer planned stays flat', () => {
    const zones = { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', allow_purge_everything: true } };
    const before = yamlOf({ zones, groups: { g: { urls: ['https://www.example.com/{a,b,c}'], everything: true } } });
    const now = yamlOf({ zones, groups: { g: { urls: ['https://www.example.com/a'] } } });
    const plan = listedFor(now, { before });
    const human = renderHuman(plan, { style: plainStyle });
    assert.match(human, /^ {2}± g · changed: 0 items added, 3 removed · purges all 1 URL × 1 variant = 1 item and 2 removed items\n(?: {6}[^\n]*\n){2} {6}- 2 URLs × 1 variant = 2 items \(removed: purged\)\n {10}https:\/\/www\.example\.com\/b\n {10}https:\/\/www\.example\.com\/c\n {10}variants: none[^\n]*\n {6}- everything \(no longer planned\)$/m);
    assert.match(human, /an item marked "no longer planned" is not sent/);
    const expanded = renderHuman(plan, { style: plainStyle, expand: true });
    assert.match(expanded, /^ {6}\+ https:\/\/www\.example\.com\/a\n {6}- https:\/\/www\.example\.com\/b \(removed: purged\)\n {6}- https:\/\/www\.example\.com\/c \(removed: purged\)\n {6}- everything \(no longer planned\)$/m);
  });
});

describe('escaping: values from purge.yaml stay inert', () => {
  const config = (lang: string) => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: k }
cache_keys:
  k: { lang: true }
groups:
  g:
    urls: ["https://www.example.com/?q=\`\`\`\`"]
    variants: { lang: [${lang}] }
`;

  it('the terminal never gets a bidirectional override; markdown keeps every value inside its fence', async () => {
    const site = new Site().write('purge.yaml', config('"ja\u202e", "<b>@team</b>", "a, b"'));
    try {
      const human = await site.run(['plan']);
      assert.equal(human.code, 0, human.stderr);
      assert.ok(!human.stdout.includes('\u202e'), 'no raw U+202E');
      assert.match(human.stdout, /^ {6}variants: language ja\\u202e, <b>@team<\/b>, "a, b", \(none\)$/m);
      const markdown = await site.run(['plan', '--markdown']);
      assert.equal(markdown.code, 0, markdown.stderr);
      assert.ok(!markdown.stdout.includes('\u202e'));
      const lines = markdown.stdout.split('\n');
      const open = lines.findIndex((line) => /^`{3,}diff$/.test(line));
      const fence = lines[open].slice(0, -4);
      assert.ok(fence.length >= 5, `a fence longer than the URL's backticks: ${fence}`);
      const close = lines.indexOf(fence, open + 1);
      const inside = lines.slice(open + 1, close);
      assert.ok(inside.some((line) => line.includes('<b>@team</b>')), 'the value is in the fence');
      assert.ok(lines.slice(0, open).concat(lines.slice(close + 1)).every((line) => !line.includes('@team')), 'and nowhere else');
    } finally {
      site.remove();
    }
  });
});

describe('the CLI: plan and show, factored and --expand', () => {
  const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { device_type: true, geo: true, lang: true }
groups:
  home:
    urls: ["https://www.example.com/", "https://www.example.com/about/"]
    variants: { geo: [JP, US], lang: [en-US, ja, fr] }
  posts:
    urls: ["https://www.example.com/posts/{1..30}/"]
    variants: { geo: [JP], lang: { values: [ja], absent: false } }
`;

  it('plan: the spec\'s factored group; --expand: every item; --json and the exit codes do not change', async () => {
    const site = new Site().write('purge.yaml', yaml);
    try {
      const plan = await site.run(['plan']);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /^ {2}\+ home · new · 2 URLs × 24 variants = 48 items\n {6}https:\/\/www\.example\.com\/\n {6}https:\/\/www\.example\.com\/about\/\n {6}variants: device desktop, mobile, tablet × country JP, US × language en-US, ja, fr, \(none\)$/m);
      assert.match(plan.stdout, /^ {2}\+ posts · new · 30 URLs × 3 variants = 90 items$/m);
      assert.match(plan.stdout, /^ {6}… and 10 more URLs$/m);
      const expanded = await site.run(['plan', '--expand']);
      assert.equal(expanded.code, 0, expanded.stderr);
      assert.equal(flatFileLines(expanded.stdout).length, 48 + 90);
      assert.doesNotMatch(expanded.stdout, /… and/);
      const json = await site.run(['plan', '--json']);
      assert.equal((await site.run(['plan', '--json', '--expand'])).stdout, json.stdout, '--json is the same document');
      assert.equal((await site.run(['plan', '--detailed-exitcode'])).code, 2);
      assert.equal((await site.run(['plan', '--detailed-exitcode', '--expand'])).code, 2);
    } finally {
      site.remove();
    }
  });

  it('show: a saved plan beside its purge.yaml renders as plan did; --expand lists every item', async () => {
    const site = new Site().write('purge.yaml', yaml);
    try {
      const saved = await site.run(['plan', '--out', 'release.plan']);
      assert.equal(saved.code, 0, saved.stderr);
      const shown = await site.run(['show', 'release.plan']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(`${shown.stdout}\nSaved this plan to release.plan. Apply exactly it with: purgeplan apply release.plan\n`, saved.stdout);
      assert.equal((await site.run(['show', 'release.plan', '--markdown'])).stdout, (await site.run(['plan', '--markdown'])).stdout);
      const expanded = await site.run(['show', 'release.plan', '--expand']);
      assert.equal(expanded.stdout, (await site.run(['plan', '--expand'])).stdout);
      // Away from its purge.yaml, a group up to 10,000 items is still listed whole (its record), in sorted order.
      mkdirSync(join(site.dir, 'elsewhere'));
      renameSync(join(site.dir, 'release.plan'), join(site.dir, 'elsewhere', 'release.plan'));
      const away = await site.run(['show', 'elsewhere/release.plan']);
      assert.equal(away.code, 0, away.stderr);
      assert.match(away.stdout, /^ {2}\+ home · new · 2 URLs × 24 variants = 48 items$/m);
      assert.match(away.stdout, /^ {6}variants: device desktop, mobile, tablet × country JP, US × language en-US, fr, ja, \(none\)$/m);
    } finally {
      site.remove();
    }
  });

  it('show: a group over 10,000 items away from its purge.yaml lists the items the plan file keeps, and says so', async () => {
    const site = new Site().write('purge.yaml', yaml.replace('{1..30}', '{1..4000}'));
    try {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      site.write('purge.yaml', yaml);
      const shown = await site.run(['show', 'release.plan']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^ {2}\+ posts · new · 12,000 items$/m);
      assert.match(shown.stdout, /^ {6}variants: device desktop, mobile, tablet × country JP × language ja$/m);
      assert.match(shown.stdout, /^ {6}… and 11,952 more items: the plan file lists only a group's first items; show it beside its unchanged purge\.yaml to list them all$/m);
      assert.deepEqual(flatFileLines(shown.stdout), [], 'what it knows is factored too');
    } finally {
      site.remove();
    }
  });
});

describe('comment PLANFILE: a saved plan of a group over 10,000 items is factored whole beside its purge.yaml', () => {
  it('one comment with the group\'s product, its first 20 URLs and its variants', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { device_type: true, geo: true }
groups:
  posts:
    urls: ["https://www.example.com/posts/{1..4000}/"]
    variants: { geo: [US, JP] }
`;
    await withGitHub({}, yaml, async ({ site, standin, run }) => {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      const result = await run(['release.plan']);
      assert.equal(result.code, 0, result.stderr);
      const [comment] = standin.comments(7);
      assert.equal(standin.comments(7).length, 1);
      assert.match(comment!.body, /<summary><b>posts<\/b> — new, 4,000 URLs × 6 variants = 24,000 items<\/summary>/);
      assert.match(comment!.body, /^ {2}… and 3,980 more URLs\n {2}variants: device desktop, mobile, tablet × country US, JP$/m);
      assert.equal(comment!.body.split('\n').filter((line) => line.startsWith('  https://')).length, 20);
    });
  });
});

describe('the 930,000-item benchmark plan is one GitHub comment', () => {
  it('comment github: under 65,536 characters, posted as one comment, every group with its product', async () => {
    const bench = new Site();
    writeIssue15Site(bench.dir);
    const read = (file: string) => readFileSync(join(bench.dir, file), 'utf8');
    try {
      await withGitHub({}, read('purge.yaml'), async ({ site, standin, run }) => {
        site.write('slugs.txt', read('slugs.txt')).write('overlap.txt', read('overlap.txt'));
        const result = await run(['--all']);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^\*\*Plan: 1,800 requests — 900,000 files in 1 zone\./m);
        assert.ok(result.stdout.length < 65_536, `${result.stdout.length} characters`);
        const comments = standin.comments(7);
        assert.equal(comments.length, 1, 'one comment');
        assert.ok([...comments[0]!.body].length < 65_536);
        assert.doesNotMatch(comments[0]!.body, /part 1 of/);
        assert.match(comments[0]!.body, /<summary><b>articles<\/b> — new, 75,000 URLs × 12 variants = 900,000 items<\/summary>/);
        assert.match(comments[0]!.body, /<summary><b>front<\/b> — new, 2,500 URLs × 12 variants = 30,000 items<\/summary>/);
        assert.match(comments[0]!.body, /^ {2}… and 74,980 more URLs\n {2}variants: device desktop, mobile, tablet × country JP, US, DE, FR$/m);
      });
    } finally {
      bench.remove();
    }
  });
});
