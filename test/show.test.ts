// docs/commands.md `purgeplan show PLANFILE`: a saved plan renders exactly as `plan` rendered it (human,
// --json, --markdown), and a file that is not a usable plan is refused with a clear message,
// exit 1 and no stack trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { yamlOf } from './golden/scenarios.js';
import { Site, ZONE_ID } from './support/site.js';

const STACK_LINE = /^\s+at /m;

const BEFORE = yamlOf({
  zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'pages' }, cdn: { name: 'example-cdn.net', plan: 'pro' } },
  cache_keys: { pages: { device_type: true } },
  groups: {
    docs: { zone: 'www', urls: ['https://www.example.com/docs/{intro,setup,old-api}/'] },
    about: { zone: 'www', urls: ['https://www.example.com/about/'] },
    campaign: { zone: 'www', urls: ['https://www.example.com/spring/'] },
  },
});
const NOW = yamlOf({
  zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'pages' }, cdn: { name: 'example-cdn.net', plan: 'pro' } },
  cache_keys: { pages: { device_type: true } },
  groups: {
    docs: { zone: 'www', urls: ['https://www.example.com/docs/{intro,setup,api}/', 'https://www.example.com/docs/page-{1..9}/'] },
    about: { zone: 'www', urls: ['https://www.example.com/about/'] },
    assets: { zone: 'cdn', hosts: ['img.example-cdn.net'], urls: ['https://img.example-cdn.net/logo.png'], tags: ['fonts'] },
  },
});

describe('show renders a saved plan as plan did', () => {
  const site = new Site();
  let saved = '';
  before(async () => {
    site.initGit().write('purge.yaml', BEFORE);
    site.commit('before');
    site.write('purge.yaml', NOW);
    const result = await site.run(['plan', '--base', 'HEAD', '--out', 'release.plan']);
    assert.equal(result.code, 0, result.stderr);
    saved = site.read('release.plan');
  });
  after(() => site.remove());

  it('the saved plan has what makes the renderings differ: changed, unchanged, removed, new, two zones', () => {
    const plan = JSON.parse(saved) as { groups: { name: string; status: string }[]; baseline: { kind: string } };
    assert.equal(plan.baseline.kind, 'git');
    assert.deepEqual(plan.groups.map((g) => `${g.name} ${g.status}`), ['docs changed', 'about unchanged', 'assets new', 'campaign removed']);
  });

  it('show FILE (human) prints what plan printed', async () => {
    const planned = await site.run(['plan', '--base', 'HEAD']);
    const shown = await site.run(['show', 'release.plan']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stderr, '');
    assert.equal(shown.stdout, planned.stdout);
    assert.match(shown.stdout, /± docs · changed: /);
  });

  it('plan --out prints the same plan, then where it was saved', async () => {
    const planned = await site.run(['plan', '--base', 'HEAD', '--out', 'again.plan']);
    const shown = await site.run(['show', 'again.plan']);
    assert.equal(planned.stdout, `${shown.stdout}\nSaved this plan to again.plan. Apply exactly it with: purgeplan apply again.plan\n`);
  });

  it('show FILE --json prints the file as it was saved', async () => {
    const shown = await site.run(['show', 'release.plan', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stderr, '');
    assert.equal(shown.stdout, saved);
    const planned = await site.run(['plan', '--base', 'HEAD', '--json']);
    assert.equal(shown.stdout, planned.stdout);
  });

  it('show FILE --markdown prints what plan --markdown printed', async () => {
    const planned = await site.run(['plan', '--base', 'HEAD', '--markdown']);
    const shown = await site.run(['show', 'release.plan', '--markdown']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, planned.stdout);
    assert.match(shown.stdout, /<details><summary><b>docs<\/b>/);
  });

  it('show needs neither purge.yaml nor the repository', async () => {
    const elsewhere = new Site().write('copy.plan', saved);
    try {
      const planned = await site.run(['plan', '--base', 'HEAD']);
      const shown = await elsewhere.run(['show', 'copy.plan']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stdout, planned.stdout);
    } finally {
      elsewhere.remove();
    }
  });
});

/** A parsed plan file, typed loosely enough to break it. */
interface EditablePlan {
  format_version?: unknown;
  requests?: Record<string, unknown>[];
  coverage?: unknown;
  cache_keys?: unknown;
  summary?: unknown;
  groups: (Record<string, unknown> | null)[];
  zones: unknown[];
}

describe('show refuses what is not a usable plan file', () => {
  const site = new Site();
  let saved: unknown = {};
  before(async () => {
    site.write('purge.yaml', NOW);
    const result = await site.run(['plan', '--out', 'good.plan']);
    assert.equal(result.code, 0, result.stderr);
    saved = JSON.parse(site.read('good.plan'));
  });
  after(() => site.remove());

  /** The saved plan with one change made to a copy of it. */
  const edited = (edit: (plan: EditablePlan) => void): string => {
    const copy = structuredClone(saved) as EditablePlan;
    edit(copy);
    return JSON.stringify(copy);
  };

  const cases: { name: string; text: () => string; message: RegExp }[] = [
    { name: 'a file that is not JSON', text: () => 'format_version: 1\n', message: /^error: broken\.plan is not a purgeplan plan file \(it is not JSON\)$/m },
    { name: 'an empty file', text: () => '', message: /is not a purgeplan plan file \(it is not JSON\)/ },
    { name: 'binary bytes', text: () => '\u0000\u00ff\u0001PK\u0003\u0004', message: /is not a purgeplan plan file \(it is not JSON\)/ },
    { name: 'a plan cut off mid-way (truncated)', text: () => JSON.stringify(saved).slice(0, 200), message: /is not a purgeplan plan file \(it is not JSON\)/ },
    { name: 'a JSON object without format_version', text: () => '{"requests": []}', message: /^error: broken\.plan is not a purgeplan plan file \(no format_version\)$/m },
    { name: 'a JSON array', text: () => '[1, 2]', message: /no format_version/ },
    { name: 'JSON null', text: () => 'null', message: /no format_version/ },
    { name: 'a JSON string', text: () => '"format_version"', message: /no format_version/ },
    { name: 'format_version 2', text: () => edited((p) => { p.format_version = 2; }), message: /^error: broken\.plan: unsupported plan format_version: expected 1, got 2$/m },
    { name: 'format_version "1" (a string)', text: () => edited((p) => { p.format_version = '1'; }), message: /expected 1, got "1"/ },
    { name: 'a plan without its requests', text: () => edited((p) => { delete p.requests; }), message: /^error: broken\.plan is not a complete purgeplan plan file: requests is missing$/m },
    { name: 'a plan with format_version only', text: () => '{"format_version": 1}', message: /is not a complete purgeplan plan file: \S+ is missing/ },
    { name: 'a plan without coverage', text: () => edited((p) => { delete p.coverage; }), message: /is not a complete purgeplan plan file: coverage is missing/ },
    { name: 'a plan without cache_keys', text: () => edited((p) => { delete p.cache_keys; }), message: /is not a complete purgeplan plan file: cache_keys is missing/ },
    { name: 'an empty summary', text: () => edited((p) => { p.summary = {}; }), message: /is not a complete purgeplan plan file: summary\.requests is missing/ },
    { name: 'a null group', text: () => edited((p) => { p.groups[0] = null; }), message: /is not a complete purgeplan plan file: groups\[0\] is not valid/ },
    { name: 'a group with an unknown status', text: () => edited((p) => { p.groups[1]!.status = 'done'; }), message: /is not a complete purgeplan plan file: groups\[1\]\.status is not valid/ },
    { name: 'a group with a malformed diff', text: () => edited((p) => { p.groups[0]!.diff = { added: 'x' }; }), message: /groups\[0\]\.diff is not valid/ },
    { name: 'a request without a body', text: () => edited((p) => { p.requests![0].body = null; }), message: /is not a complete purgeplan plan file: requests\[0\]\.body is not valid/ },
    { name: 'a zone that is a string', text: () => edited((p) => { p.zones[0] = 'www'; }), message: /zones\[0\] is not valid/ },
  ];

  for (const { name, text, message } of cases) {
    it(`${name}: exit 1, a clear message, no stack trace`, async () => {
      site.write('broken.plan', text());
      for (const mode of [[], ['--json'], ['--markdown']]) {
        const result = await site.run(['show', 'broken.plan', ...mode]);
        assert.equal(result.code, 1, `${mode.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '', 'nothing on stdout');
        assert.match(result.stderr, message);
        assert.ok(!STACK_LINE.test(result.stderr), result.stderr);
        assert.ok(!result.stderr.includes('internal error'), result.stderr);
      }
    });
  }

  it('a missing file: says so, and how to make one', async () => {
    const result = await site.run(['show', 'missing.plan']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'error: cannot read plan file missing.plan: no such file\n  hint: save a plan with `purgeplan plan --out FILE`\n');
  });

  it('a directory: cannot be read, exit 1, no stack trace', async () => {
    const result = await site.run(['show', '.']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: cannot read plan file \.: /);
    assert.ok(!STACK_LINE.test(result.stderr));
  });

  it('the unedited plan is accepted (the cases above fail for what they change)', async () => {
    site.write('broken.plan', edited(() => {}));
    const result = await site.run(['show', 'broken.plan']);
    assert.equal(result.code, 0, result.stderr);
  });
});
