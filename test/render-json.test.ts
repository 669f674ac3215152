// docs/commands.md, `plan --json`: one JSON document, byte-identical to JSON.stringify(plan), whatever form
// the files bodies are kept in (compact references or plain entries read back from a file), with
// the fixed fields and their types; an empty plan is still the whole document; diagnostics go to
// stderr only.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CompactFiles, wireBody } from '../src/plan/files.js';
import type { Plan } from '../src/plan/types.js';
import { jsonChunks, renderJson } from '../src/render/json.js';
import { SCENARIOS, ZONE_ID, planFor, yamlOf } from './golden/scenarios.js';
import { Site } from './support/site.js';

const STATUSES = ['new', 'changed', 'revised', 'content', 'forced', 'unchanged', 'removed'];
const SUMMARY_FIELDS = ['requests', 'files', 'hosts', 'prefixes', 'tags', 'everything', 'covered', 'duplicates'];
const BODY_KINDS = ['files', 'hosts', 'prefixes', 'tags', 'purge_everything'];

/** Headers on some URLs, none on others: compact bodies hold both kinds of entries. */
function variedPlan(): Plan {
  return planFor(yamlOf({
    zones: { www: { id: ZONE_ID, name: 'example.com', cache_key: 'pages' }, lookup: { name: 'example.org' } },
    cache_keys: { pages: { device_type: true, lang: true, headers: { include: ['x-tenant'] } } },
    groups: {
      pages: {
        zone: 'www',
        urls: ['https://www.example.com/{a,b}/?q="quoted"&x=\u00e9'],
        variants: { device_type: ['mobile'], lang: ['ja', 'en-US'], headers: { 'x-tenant': ['acme "co"', 'globex\\'] } },
      },
      plain: { zone: 'lookup', urls: ['https://www.example.org/{1..40}', 'https://www.example.org/caf\u00e9'], tags: ['Plain'] },
    },
  }));
}

const compactCount = (plan: Plan) => plan.requests.filter((r) => r.body instanceof CompactFiles).length;

/** Every fixed field of (docs/commands.md), with its type (checked at run time: the value comes from JSON.parse). */
function assertContract(document: unknown): void {
  const plan = document as Plan;
  assert.equal(plan.format_version, 1);
  assert.equal(typeof plan.config.path, 'string');
  assert.match(plan.config.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(['none', 'state', 'git'].includes(plan.baseline.kind));
  if (plan.baseline.kind === 'git') assert.equal(typeof plan.baseline.ref, 'string');
  assert.ok(Array.isArray(plan.groups));
  for (const group of plan.groups) {
    assert.equal(typeof group.name, 'string');
    assert.ok(typeof group.zone === 'string' || group.zone === null);
    assert.ok(Array.isArray(group.zones) && group.zones.every((z: unknown) => typeof z === 'string'));
    if (group.zone === null) assert.ok(group.zones.length > 1, 'zone is null only for a group routed to several zones');
    else assert.ok(group.zones.length <= 1 && (group.zones.length === 0 || group.zones[0] === group.zone), `zones of ${group.name}`);
    assert.ok(STATUSES.includes(group.status), group.status);
    assert.ok(Number.isInteger(group.items) && group.items >= 0);
  }
  assert.ok(Array.isArray(plan.requests));
  const due = new Set(plan.groups.filter((g) => g.due).map((g) => g.name));
  for (const request of plan.requests) {
    assert.equal(typeof request.zone, 'string');
    assert.ok(request.action === 'purge' || request.action === 'invalidate', String(request.action));
    assert.ok(request.zone_id === null || /^[0-9a-f]{32}$/.test(request.zone_id), String(request.zone_id));
    assert.ok(Array.isArray(request.groups) && request.groups.length > 0 && request.groups.every((g: unknown) => typeof g === 'string'));
    const body = wireBody(request.body) as Record<string, unknown>;
    const kinds = Object.keys(body);
    assert.equal(kinds.length, 1, 'one purge type per body');
    assert.ok(BODY_KINDS.includes(kinds[0]), kinds[0]);
    const value = body[kinds[0]];
    if (kinds[0] === 'purge_everything') assert.equal(value, true);
    else assert.ok(Array.isArray(value) && value.length > 0);
    // Only due groups contribute requests.
    for (const name of request.groups) assert.ok(due.has(name), name);
  }
  const summary = plan.summary as unknown as Record<string, unknown>;
  for (const field of SUMMARY_FIELDS) assert.ok(Number.isInteger(summary[field]) && (summary[field] as number) >= 0, field);
  assert.equal(plan.summary.requests, plan.requests.length);
}

describe('renderJson is JSON.stringify(plan) + "\\n"', () => {
  it('for compact files bodies, with and without headers, and characters JSON escapes', () => {
    const plan = variedPlan();
    assert.ok(compactCount(plan) >= 2, 'the plan keeps its files bodies compact');
    const text = renderJson(plan);
    assert.equal(text, `${JSON.stringify(plan)}\n`);
    const files = plan.requests.flatMap((r) => {
      const body = wireBody(r.body);
      return 'files' in body ? [...body.files] : [];
    });
    assert.ok(files.some((f) => typeof f === 'string') && files.some((f) => typeof f === 'object'), 'both kinds of entries');
  });

  for (const { name, plan: make } of SCENARIOS) {
    it(`for the ${name} scenario, and for that plan parsed back from its JSON`, () => {
      const { plan } = make();
      const text = renderJson(plan);
      assert.equal(text, `${JSON.stringify(plan)}\n`);
      const parsed = JSON.parse(text) as Plan;
      assert.equal(compactCount(parsed), 0);
      assert.equal(renderJson(parsed), text, 'a saved plan prints as it was saved');
      assert.equal(renderJson(parsed), `${JSON.stringify(parsed)}\n`);
    });
  }

  it('across chunk boundaries (a plan of several MB is written in chunks)', () => {
    const plan = planFor(yamlOf({
      zones: { www: { id: ZONE_ID, cache_key: 'k' } },
      cache_keys: { k: { device_type: true } },
      groups: { big: { urls: ['https://www.example.com/articles/{1..12000}/index.html'] } },
    }));
    const chunks = [...jsonChunks(plan)];
    assert.ok(chunks.length > 1, `${chunks.length} chunk(s)`);
    assert.equal(chunks.join(''), `${JSON.stringify(plan)}\n`);
    assert.equal(renderJson(JSON.parse(chunks.join('')) as Plan), chunks.join(''));
  });

  it('a plan value with extra or reordered request fields still prints as JSON.stringify does', () => {
    const plan = variedPlan();
    const reordered: Plan = { ...plan, requests: plan.requests.map((r) => ({ body: r.body, zone: r.zone, zone_id: r.zone_id, size: r.size, kind: r.kind, action: r.action, groups: r.groups })) };
    assert.equal(renderJson(reordered), `${JSON.stringify(reordered)}\n`);
  });
});

describe('the fixed fields of (docs/commands.md)', () => {
  it('are present with their types in every scenario', () => {
    for (const { plan } of SCENARIOS) assertContract(JSON.parse(renderJson(plan().plan)));
    assertContract(JSON.parse(renderJson(variedPlan())));
  });

  it('zone_id is null for a zone given by name only, the id otherwise', () => {
    const document = JSON.parse(renderJson(variedPlan())) as Plan;
    const ids = new Map(document.requests.map((r) => [r.zone, r.zone_id]));
    assert.equal(ids.get('www'), ZONE_ID);
    assert.equal(ids.get('lookup'), null);
  });

  it('a file with no groups prints the whole document, with empty requests', () => {
    const document = JSON.parse(renderJson(planFor(yamlOf({ zones: { www: { id: ZONE_ID } } })))) as Plan;
    assertContract(document);
    assert.deepEqual(document.requests, []);
    assert.deepEqual(document.groups, []);
    assert.deepEqual(document.summary, { ...Object.fromEntries(SUMMARY_FIELDS.map((f) => [f, 0])), estimated_seconds: 0 });
  });

  it('a file with nothing due prints every group, not due, and empty requests', () => {
    const document = JSON.parse(renderJson(SCENARIOS.find((s) => s.name === 'nothing-due')!.plan().plan)) as Plan;
    assertContract(document);
    assert.deepEqual(document.requests, []);
    assert.deepEqual(document.groups.map((g) => [g.name, g.status, g.due]), [['home', 'unchanged', false], ['feeds', 'unchanged', false]]);
  });
});

describe('plan --json through the CLI', () => {
  const sites: Site[] = [];
  after(() => sites.forEach((site) => site.remove()));
  const site = (yaml: string) => {
    const made = new Site().write('purge.yaml', yaml);
    sites.push(made);
    return made;
  };

  it('prints exactly one JSON document on stdout; warnings go to stderr only', async () => {
    const s = site(yamlOf({
      zones: { www: { id: ZONE_ID, name: 'example.com' } },
      groups: { pages: { urls: ['https://www.example.com/', 'https://elsewhere.example.net/'] } },
    }));
    const result = await s.run(['plan', '--json', '--out', 'saved.plan']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^purge\.yaml:\d+:\d+: warning: .*host "elsewhere\.example\.net" is not in zone "www"/m);
    assert.ok(result.stdout.endsWith('}\n'));
    assert.equal(result.stdout.split('\n').length, 2, 'one line, then the final newline');
    const document = JSON.parse(result.stdout) as Plan;
    assertContract(document);
    assert.equal(document.summary.files, 2);
    assert.equal(result.stdout, s.read('saved.plan'), 'what --out saves is what --json prints');
    assert.ok(!result.stderr.includes('{"format_version"'), 'no JSON on stderr');
  });

  it('a file with no groups: the whole document with empty requests, exit 0 (also with --detailed-exitcode)', async () => {
    const s = site(yamlOf({ zones: { www: { id: ZONE_ID } } }));
    for (const args of [['plan', '--json'], ['plan', '--json', '--detailed-exitcode']]) {
      const result = await s.run(args);
      assert.equal(result.code, 0, result.stderr);
      const document = JSON.parse(result.stdout) as Plan;
      assertContract(document);
      assert.deepEqual(document.requests, []);
    }
    const human = await s.run(['plan']);
    assert.equal(human.code, 0);
    assert.equal(human.stdout, 'No purges planned.\n');
  });

  it('nothing due against the git baseline: the whole document with every group unchanged and empty requests, exit 0', async () => {
    const s = site(yamlOf({ zones: { www: { id: ZONE_ID } }, groups: { home: { urls: ['https://www.example.com/'] }, feeds: { tags: ['feeds'] } } }));
    s.initGit().commit('purge.yaml');
    const result = await s.run(['plan', '--json', '--base', 'HEAD', '--detailed-exitcode']);
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as Plan;
    assertContract(document);
    assert.deepEqual(document.requests, []);
    assert.deepEqual(document.groups.map((g) => g.status), ['unchanged', 'unchanged']);
    assert.equal(document.baseline.kind, 'git');
    const human = await s.run(['plan', '--base', 'HEAD']);
    assert.equal(human.code, 0);
    assert.ok(human.stdout.endsWith('\nNo purges planned.\n'), human.stdout);
  });

  it('an invalid file: nothing on stdout, the errors on stderr, exit 1', async () => {
    const s = site('version: 1\nzones: {www: {id: nope}}\ngroups: {}\n');
    const result = await s.run(['plan', '--json']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /error: /);
  });
});
