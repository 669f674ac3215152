// docs/commands.md, `plan --markdown`: a pull-request comment with a summary table and one <details> per
// due group, kept under 60,000 characters with a note of what was cut. Golden files in
// test/golden/*.md (regenerated only by scripts/update-golden.mjs), then the rules one by one.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Plan, PlanGroup } from '../src/plan/types.js';
import { MARKDOWN_LIMIT, renderMarkdown } from '../src/render/markdown.js';
import type { ListedPlan } from '../src/render/items.js';
import { SCENARIOS, ZONE_ID, goldenFiles, listedFor, yamlOf } from './golden/scenarios.js';
import { GOLDEN, UPDATE, golden, scenario } from './support/golden.js';

const CUT_NOTE = /^> Cut to stay under ([\d,]+) characters: (.+)\. Run `purgeplan show PLANFILE` for the whole plan\.$/m;



const occurrences = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? []).length;
const tableRows = (markdown: string) => markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Group |'));

/** The structure GitHub needs to render the comment: every <details> and every fence closed, in order. */
function assertWellFormed(markdown: string): void {
  let inFence = false;
  let openDetails = 0;
  for (const [index, line] of markdown.split('\n').entries()) {
    if (/^ {0,3}(```|~~~)/.test(line)) {
      if (!inFence) assert.match(line, /^```diff$/, `line ${index + 1}: a fence opens as \`\`\`diff`);
      else assert.equal(line, '```', `line ${index + 1}: a fence closes with a bare \`\`\``);
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    openDetails += occurrences(line, /<details>/) - occurrences(line, /<\/details>/);
    assert.ok(openDetails === 0 || openDetails === 1, `line ${index + 1}: <details> nested or closed twice`);
    if (line.includes('</details>')) assert.equal(openDetails, 0);
  }
  assert.equal(inFence, false, 'every ``` fence is closed');
  assert.equal(openDetails, 0, 'every <details> is closed');
  assert.equal(occurrences(markdown, /<details>/), occurrences(markdown, /<\/details>/));
  assert.equal(occurrences(markdown, /<summary>/), occurrences(markdown, /<\/summary>/));
}

describe('markdown output matches the golden files', () => {
  for (const { name } of SCENARIOS) {
    it(`${name}.md`, () => {
      assert.equal(goldenFiles(scenario(name), name).md, golden(`${name}.md`), `the markdown of scenario ${name} changed: ${UPDATE}`);
    });
  }

  it('every golden .md file belongs to a scenario (no stale files)', () => {
    const files = readdirSync(GOLDEN).filter((file) => file.endsWith('.md')).sort();
    assert.deepEqual(files, SCENARIOS.map((s) => `${s.name}.md`).sort(), UPDATE);
  });
});

describe('structure', () => {
  for (const { name } of SCENARIOS) {
    it(`${name}: a table row per group, one <details> per due group, well formed, no cut note`, () => {
      const listed = scenario(name);
      const { plan } = listed;
      const markdown = renderMarkdown(listed);
      assertWellFormed(markdown);
      assert.ok(markdown.startsWith('### purgeplan plan\n'));
      const rows = tableRows(markdown);
      assert.equal(rows.length, plan.groups.length);
      // A routed group sending to several zones (docs/purge-yaml.md) names them all.
      plan.groups.forEach((group, i) => assert.ok(rows[i].startsWith(`| ${group.name} | ${group.zone ?? group.zones.join(', ')} | `), rows[i]));
      plan.groups.forEach((group, i) => assert.ok(rows[i].endsWith(group.due ? ' | ✅ |' : ' | — |'), rows[i]));
      const summaries = [...markdown.matchAll(/^<details><summary><b>([^<]*)<\/b> — /gm)].map((m) => m[1]);
      assert.deepEqual(summaries, plan.groups.filter((g) => g.due).map((g) => g.name));
      assert.ok(!CUT_NOTE.test(markdown), 'a small plan has no cut note');
      assert.ok(markdown.includes(`**${plan.summary.requests === 0 ? 'No purges planned.' : 'Plan: '}`));
    });
  }

  it('the purge-everything warning appears exactly for zones that purge everything', () => {
    const markdown = renderMarkdown(scenario('purge-everything'));
    assert.equal(occurrences(markdown, /^> \[!WARNING\]$/m), 1);
    assert.match(markdown, /^> \*\*Purge everything\*\* in zone `www`: every cached file of the zone will be removed\.$/m);
    assert.ok(markdown.indexOf('[!WARNING]') < markdown.indexOf('**Plan:'), 'the warning comes before everything else');
    for (const { name } of SCENARIOS.filter((s) => s.name !== 'purge-everything')) {
      assert.ok(!renderMarkdown(scenario(name)).includes('[!WARNING]'), name);
    }
  });

  it('a file with no groups: the heading and "No purges planned." only, no table, no <details>', () => {
    const markdown = renderMarkdown(listedFor(yamlOf({ zones: { www: { id: ZONE_ID } } })));
    assert.equal(markdown, '### purgeplan plan\n\n**No purges planned.**\n\n');
  });

  it('names are HTML-escaped in the summary and in the table (a plan file may carry any name)', () => {
    const { plan } = scenario('single-file');
    const name = '<img src=x onerror=alert(1)> & <b>bold</b>';
    const hostile: Plan = { ...plan, groups: plan.groups.map((g): PlanGroup => ({ ...g, name })) };
    const markdown = renderMarkdown({ plan: hostile });
    assert.ok(!markdown.includes('<img'), markdown);
    assert.ok(!markdown.includes('<b>bold'), markdown);
    const escaped = '&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;';
    assert.ok(markdown.includes(`<summary><b>${escaped}</b> — `), 'in <summary>');
    assert.ok(tableRows(markdown)[0].startsWith(`| ${escaped} | `), 'in the table');
    assertWellFormed(markdown);
  });

  it('a | in a cell does not split the table row', () => {
    const { plan } = scenario('single-file');
    const markdown = renderMarkdown({ plan: { ...plan, groups: plan.groups.map((g): PlanGroup => ({ ...g, name: 'a|b' })) } });
    assert.ok(tableRows(markdown)[0].startsWith('| a\\|b | www | '));
  });
});

describe(`kept under ${MARKDOWN_LIMIT.toLocaleString('en-US')} characters`, () => {
  /** Dozens of changed groups with long URLs and diffs of 50 added and 50 removed lines each. */
  function largeChangedPlan(groups: number): ListedPlan {
    const zone = { www: { id: ZONE_ID, name: 'example.com', cache_key: 'pages' } };
    const cacheKeys = { pages: { device_type: true } };
    const long = 'a-rather-long-path-segment-that-reviewers-scroll-past'.repeat(2);
    const config = (range: string) => {
      const all: Record<string, unknown> = {};
      for (let i = 0; i < groups; i++) all[`section-${String(i).padStart(2, '0')}`] = { urls: [`https://www.example.com/${long}/${i}/{${range}}/`] };
      return yamlOf({ zones: zone, cache_keys: cacheKeys, groups: all });
    };
    return listedFor(config('31..90'), { before: config('1..60') });
  }

  it('a plan whose full comment is far longer is cut under the limit, with the note, and stays well formed', () => {
    const listed = largeChangedPlan(40);
    assert.ok(listed.plan.groups.every((g) => g.status === 'changed' && g.diff && g.diff.added.length === 50 && g.diff.removed.length === 50), 'every group has a long diff');
    const uncut = renderMarkdown(listed, Number.MAX_SAFE_INTEGER);
    assert.ok(uncut.length > 3 * MARKDOWN_LIMIT, `the whole comment is long (${uncut.length})`);
    assert.ok(!CUT_NOTE.test(uncut));

    const markdown = renderMarkdown(listed);
    assert.ok(markdown.length < MARKDOWN_LIMIT, `${markdown.length} characters`);
    assertWellFormed(markdown);
    const note = CUT_NOTE.exec(markdown);
    assert.ok(note, 'the note of what was cut');
    assert.equal(note[1], '60,000');
    assert.match(note[2], /item lists shortened to \d+ per group/);
    assert.ok(markdown.trimEnd().endsWith(note[0]), 'the note closes the comment');
    // Nothing is cut that fits: every group keeps its row and its <details>, its counts and its
    // variants, with "… and N more URLs" for its current and its removed items.
    assert.equal(tableRows(markdown).length, 40);
    assert.equal(occurrences(markdown, /<details>/), 40);
    assert.equal(occurrences(markdown, /^<details><summary><b>section-\d\d<\/b> — changed: 90 items added, 90 removed, purges all 60 URLs × 3 variants = 180 items and 90 removed items<\/summary>$/m), 40);
    assert.equal(occurrences(markdown, /^ {2}… and \d+ more URLs$/m), 40);
    assert.equal(occurrences(markdown, /^- 30 URLs × 3 variants = 90 items \(removed: purged\)$/m), 40);
    assert.equal(occurrences(markdown, /^ {2}variants: device desktop, mobile, tablet$/m), 40);
    assert.ok(markdown.length > MARKDOWN_LIMIT / 2, 'the room is used, not wasted');
  });

  it('thousands of groups: table rows and sections are left out, and the note says how many', () => {
    const groups: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) groups[`page-${i}`] = { urls: [`https://www.example.com/pages/${i}/`] };
    const plan = listedFor(yamlOf({ zones: { www: { id: ZONE_ID } }, groups }));
    const markdown = renderMarkdown(plan);
    assert.ok(markdown.length < MARKDOWN_LIMIT, `${markdown.length} characters`);
    assertWellFormed(markdown);
    const note = CUT_NOTE.exec(markdown);
    assert.ok(note);
    const rows = tableRows(markdown);
    const leftRows = Number(/^\| … and ([\d,]+) more groups \|/.exec(rows.at(-1) ?? '')?.[1].replace(/,/g, ''));
    assert.equal(rows.length - 1 + leftRows, 3000, 'the last row counts the rows left out');
    assert.match(note[2], new RegExp(`${leftRows.toLocaleString('en-US')} table rows left out`));
    const sections = occurrences(markdown, /<details>/);
    const leftGroups = Number(/([\d,]+) groups left out/.exec(note[2])?.[1].replace(/,/g, ''));
    assert.equal(sections + leftGroups, 3000, 'each due group has its <details> or is counted as left out');
  });

  it('thousands of covering items: the coverage notes are cut too', () => {
    const urls = Array.from({ length: 2000 }, (_, i) => `https://www.example.com/section-${i}/index.html`);
    const prefixes = Array.from({ length: 2000 }, (_, i) => `www.example.com/section-${i}/`);
    const listed = listedFor(yamlOf({ zones: { www: { id: ZONE_ID } }, groups: { pages: { urls }, sections: { prefixes } } }));
    assert.equal(listed.plan.coverage.length, 2000);
    const markdown = renderMarkdown(listed);
    assert.ok(markdown.length < MARKDOWN_LIMIT, `${markdown.length} characters`);
    assertWellFormed(markdown);
    const left = /^- … and ([\d,]+) more covering items$/m.exec(markdown);
    assert.ok(left, 'a last note counts the covering items left out');
    assert.equal(occurrences(markdown, /^- 1 item in zone `www` covered by prefix /m) + Number(left[1].replace(/,/g, '')), 2000);
    assert.match(CUT_NOTE.exec(markdown)?.[2] ?? '', new RegExp(`${left[1]} coverage notes left out`));
  });

  it('honours a smaller limit', () => {
    const plan = largeChangedPlan(12);
    for (const limit of [5000, 20_000]) {
      const markdown = renderMarkdown(plan, limit);
      assert.ok(markdown.length < limit, `${limit}: ${markdown.length}`);
      assertWellFormed(markdown);
      assert.equal(CUT_NOTE.exec(markdown)?.[1], limit.toLocaleString('en-US'));
    }
  });

  it('a plan that fits is not cut', () => {
    const plan = largeChangedPlan(3);
    const markdown = renderMarkdown(plan);
    assert.equal(markdown, renderMarkdown(plan, Number.MAX_SAFE_INTEGER));
    assert.ok(!CUT_NOTE.test(markdown));
    assert.equal(occurrences(markdown, /^ {2}… and 40 more URLs$/m), 3);
    assert.equal(occurrences(markdown, /^ {4}… and 10 more URLs$/m), 3, 'the removed items: 30 URLs, 20 listed');
    assert.equal(occurrences(markdown, /^ {2}https:/m), 3 * 20);
  });
});
