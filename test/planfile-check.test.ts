// Issue 20 item 8: a saved plan is checked in full. `apply PLANFILE` rebuilds the whole document
// from the configuration and its baseline (statuses and diffs too) and sends nothing unless the
// two are the same; `show`, `comment PLANFILE` and `--plan FILE` refuse a file that does not agree
// with itself (summary and requests, groups and requests, and the plan_id its content gives).
// Each field of a saved plan is edited in turn, and each edit must be refused, clearly, by every
// command that reads the file, with nothing sent to Cloudflare or GitHub.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import { makeVariant } from '../src/expand/variants.js';
import { CompactFiles } from '../src/plan/files.js';
import { planId } from '../src/plan/plan.js';
import { planInconsistency, readPlanFile } from '../src/plan/planfile.js';
import type { Plan } from '../src/plan/types.js';
import { plainStyle } from '../src/diagnostics.js';
import { renderHuman } from '../src/render/human.js';
import { renderJson } from '../src/render/json.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { startGitHubStandin } from './support/github-standin.js';
import type { GitHubStandin } from './support/github-standin.js';
import { GITHUB_TOKEN } from './support/comment-fixtures.js';
import { configYaml, planOf, seededRandom } from './support/config-builder.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

type Json = Record<string, unknown>;
const STACK_LINE = /^\s+at /m;
const OTHER_ZONE_ID = '9a7806061c88ada191ed06f989cc3dac';

const BEFORE = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, cache_key: pages }
  cdn: { name: example-cdn.net }
cache_keys:
  pages: { device_type: true }
groups:
  posts:
    zone: www
    description: Blog posts
    vars: { slug: [a, b, c] }
    urls: ["https://www.example.com/posts/{slug}/"]
  pages:
    zone: www
    urls: ["https://www.example.com/", "https://www.example.com/about/"]
  old:
    zone: www
    urls: ["https://www.example.com/old/"]
`;

/** A changed group with a diff, an unchanged one, a removed one, new ones (tags, prefix, an invalidation, a routed group), two zones. */
const NOW = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, cache_key: pages }
  cdn: { name: example-cdn.net }
cache_keys:
  pages: { device_type: true }
groups:
  posts:
    zone: www
    description: Blog posts
    vars: { slug: [a, b, d] }
    urls: ["https://www.example.com/posts/{slug}/"]
  pages:
    zone: www
    urls: ["https://www.example.com/", "https://www.example.com/about/"]
  feeds:
    zone: www
    tags: [rss, atom]
    prefixes: [www.example.com/feeds/]
    urls: ["https://www.example.com/feeds/all.xml"]
  soft:
    zone: www
    action: invalidate
    urls: ["https://www.example.com/posts/a/", "https://www.example.com/search/"]
  assets:
    urls: ["https://img.example-cdn.net/logo.png", "https://www.example.com/favicon.ico"]
`;

interface SavedPlan {
  config: Json & { digest: string };
  baseline: Json;
  groups: (Json & { name: string; status: string; due: boolean; items: number; diff?: { added: string[]; removed: string[]; added_count: number; removed_count: number }; preview?: string[]; record?: Json; routes?: Json[] })[];
  requests: (Json & { zone_id: string | null; groups: string[]; size: number; body: Json })[];
  summary: Record<string, number>;
  zones: Json[];
  coverage: Json[];
  cache_keys: Record<string, string>;
  state: Json;
  plan_id: string;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** The plan_id a forger would write: the one the edited content gives. */
function reId(plan: SavedPlan): void {
  const { plan_id: _id, ...content } = plan;
  plan.plan_id = planId(content as unknown as Omit<Plan, 'plan_id'>);
}

/** Every path to a leaf value of a JSON document (`["groups", 0, "name"]`). */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((item, i) => leafPaths(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    return keys.length === 0 ? [path] : keys.flatMap((key) => leafPaths((value as Json)[key], [...path, key]));
  }
  return [path];
}

function parentOf(document: unknown, path: readonly (string | number)[]): { parent: Json | unknown[]; key: string | number } {
  let parent = document as Json;
  for (const key of path.slice(0, -1)) parent = (parent as Json)[key as string] as Json;
  return { parent, key: path[path.length - 1]! };
}

/** Another value of the same JSON type (so that the schema alone cannot tell). */
function otherValue(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('sha256:') ? `sha256:${'0'.repeat(64)}` : `${value}x`;
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (value === null) return 'x';
  if (Array.isArray(value)) return ['x'];
  return { x: 1 };
}

// ---------------------------------------------------------------------------------------------

describe('plan_id: the same function digests a plan made here and the same plan read back', () => {
  it('200 generated plans: read back from their JSON, each agrees with itself and gives its own plan_id', () => {
    const random = seededRandom(20);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    for (let n = 0; n < 200; n++) {
      const groups: Record<string, Json> = {};
      const count = 1 + Math.floor(random() * 5);
      for (let g = 0; g < count; g++) {
        const group: Json = { zone: pick(['www', 'www', 'api']) };
        const host = group.zone === 'www' ? 'www.example.com' : 'api.example.org';
        if (random() < 0.8) group.urls = [`https://${host}/${pick(['a', 'b', 'p'])}/{1..${1 + Math.floor(random() * 40)}}`, `https://${host}/shared/`];
        if (random() < 0.3) group.prefixes = [`${host}/${pick(['a', 'p', 'z'])}/`];
        if (random() < 0.3) group.hosts = [host];
        if (random() < 0.3) group.tags = [pick(['t1', 't2']), 'shared'];
        if (random() < 0.3) group.action = 'invalidate';
        if (group.zone === 'www' && random() < 0.2) group.variants = { device_type: ['desktop', 'mobile'] };
        if (random() < 0.2) group.description = `group ${g}`;
        if (!group.urls && !group.prefixes && !group.hosts && !group.tags) group.tags = ['t'];
        groups[`g${g}`] = group;
      }
      const yaml = configYaml({
        zones: { www: { id: ZONE_ID, name: 'example.com', plan: pick(['free', 'pro', 'enterprise']), cache_key: 'k' }, api: { id: OTHER_ZONE_ID, name: 'example.org' } },
        cache_keys: { k: { device_type: true } },
        groups,
      });
      const due = new Set(Object.keys(groups).filter(() => random() < 0.8));
      const { plan } = planOf(yaml, { due: (name) => due.has(name) });
      const read = JSON.parse(renderJson(plan)) as Plan;
      assert.equal(planInconsistency(read), null, yaml);
      const { plan_id: id, ...content } = read;
      assert.equal(planId(content), id, yaml);
    }
  });

  it('a files body split into runs of one URL, merged or read back, is one text to the digest', () => {
    const { plan } = planOf(configYaml({
      zones: { www: { id: ZONE_ID, cache_key: 'k' } },
      cache_keys: { k: { device_type: true } },
      groups: { g: { urls: ['https://www.example.com/a', 'https://www.example.com/b'] } },
    }));
    const { plan_id: id, ...content } = plan;
    const request = content.requests[0]!;
    const runs = (request.body as CompactFiles).runs;
    const split = runs.flatMap((run) => run.variants.map((variant) => ({ url: run.url, variants: [makeVariant(variant.headers)] })));
    const again = { ...content, requests: [{ ...request, body: new CompactFiles(split, request.size) }] };
    assert.equal(planId(again), id);
    const read = JSON.parse(renderJson(plan)) as Plan;
    const { plan_id: readId, ...readContent } = read;
    assert.equal(readId, id);
    assert.equal(planId(readContent), id);
  });

  it('every field changes it, but the configuration\'s path (relative to where the plan is written)', () => {
    const { plan } = planOf(configYaml({ groups: { g: { description: 'd', urls: ['https://www.example.com/a'] } } }));
    const read = JSON.parse(renderJson(plan)) as Plan;
    const ids = new Set<string>();
    for (const path of leafPaths(read)) {
      if (path.join('.') === 'plan_id') continue;
      const edited = clone(read) as unknown as Json;
      const { parent, key } = parentOf(edited, path);
      (parent as Json)[key as string] = otherValue((parent as Json)[key as string]);
      const { plan_id: _id, ...content } = edited as unknown as Plan;
      const id = planId(content);
      if (path.join('.') === 'config.path') assert.equal(id, plan.plan_id);
      else {
        assert.notEqual(id, plan.plan_id, path.join('.'));
        assert.ok(!ids.has(id), path.join('.'));
        ids.add(id);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('show, comment and --plan: every field of a saved plan, edited, is refused (in-process, each leaf)', () => {
  const site = new Site();
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-planfile-'));
  let saved: SavedPlan;
  before(async () => {
    site.initGit().write('purge.yaml', BEFORE);
    site.commit('before');
    site.write('purge.yaml', NOW);
    const result = await site.run(['plan', '--base', 'HEAD', '--out', 'saved.plan']);
    assert.equal(result.code, 0, result.stderr);
    saved = JSON.parse(site.read('saved.plan')) as SavedPlan;
  });
  after(() => { site.remove(); rmSync(dir, { recursive: true, force: true }); });

  const refused = (document: unknown, name: string): UserError => {
    const file = join(dir, 'edited.plan');
    writeFileSync(file, typeof document === 'string' ? document : JSON.stringify(document));
    try {
      readPlanFile(file, dir);
    } catch (error) {
      assert.ok(error instanceof UserError, `${name}: ${String(error)}`);
      return error;
    }
    assert.fail(`${name}: the edited plan was accepted`);
  };

  it('the saved plan has what the edits need: a diff, every status, coverage, routes, an invalidation, a zone without id', () => {
    assert.deepEqual(saved.groups.map((g) => `${g.name} ${g.status}`), ['posts changed', 'pages unchanged', 'feeds new', 'soft new', 'assets new', 'old removed']);
    assert.ok(saved.groups[0]!.diff && saved.groups[4]!.routes && saved.coverage.length === 2);
    assert.doesNotThrow(() => readPlanFile(join(site.dir, 'saved.plan'), site.dir));
  });

  it('each leaf value changed (same type), one at a time: refused, never an internal error', () => {
    let count = 0;
    for (const path of leafPaths(saved)) {
      if (path.join('.') === 'config.path') continue; // where the configuration is: apply's concern
      const edited = clone(saved) as unknown as Json;
      const { parent, key } = parentOf(edited, path);
      (parent as Json)[key as string] = otherValue((parent as Json)[key as string]);
      refused(edited, path.join('.'));
      count++;
    }
    assert.ok(count > 200, `${count} fields`);
  });

  it('each key deleted, each list item removed, one at a time: refused', () => {
    const containers = new Set<string>();
    for (const path of leafPaths(saved)) {
      for (let depth = 1; depth <= path.length; depth++) containers.add(JSON.stringify(path.slice(0, depth)));
    }
    for (const text of containers) {
      const path = JSON.parse(text) as (string | number)[];
      if (path.join('.') === 'config.path') continue;
      const edited = clone(saved) as unknown as Json;
      const { parent, key } = parentOf(edited, path);
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Json)[key as string];
      refused(edited, `without ${path.join('.')}`);
    }
  });

  it('a forger who recomputes plan_id: requests emptied (summary too), a request dropped, a group made due, a diff with a count off', () => {
    const edits: [string, (p: SavedPlan) => void, RegExp][] = [
      ['requests emptied, summary emptied', (p) => { p.requests = []; for (const key of ['requests', 'files', 'prefixes', 'tags']) p.summary[key] = 0; p.summary.estimated_seconds = 0; }, /groups\[0\] \(posts\) is due with 9 items, but no request purges them/],
      ['requests emptied', (p) => { p.requests = []; }, /summary\.requests is 5, but it has 0 requests/],
      ['the tags request dropped', (p) => { p.requests.splice(1, 1); }, /summary\.requests is 5, but it has 4 requests/],
      ['a URL added to a body', (p) => { const files = p.requests[2]!.body.files as unknown[]; files.push(typeof files[0] === 'string' ? 'https://evil.example/' : { url: 'https://evil.example/' }); }, /requests\[2\]\.size is (\d+), but its body has \d+ items/],
      ['pages made due', (p) => { p.groups[1]!.status = 'forced'; p.groups[1]!.due = true; }, /groups\[1\] \(pages\) is due with 6 items, but no request purges them/],
      ['pages marked changed, not due', (p) => { p.groups[1]!.status = 'changed'; }, /groups\[1\] \(pages\) is changed but not due/],
      ['a diff on an unchanged group', (p) => { p.groups[1]!.diff = { added: [], removed: [], added_count: 0, removed_count: 0 }; }, /groups\[1\] \(pages\) has a diff, but it is unchanged/],
      ['more removed items listed than counted', (p) => { p.groups[0]!.diff!.removed_count = 1; }, /lists 3 removed items, but counts 1/],
      ['items off by one', (p) => { p.groups[0]!.items = 10; }, /groups\[0\] \(posts\) has 10 items, but its record counts 9/],
      ['a routed group\'s items off', (p) => { p.groups[4]!.routes![1]!.items = 2; }, /groups\[4\] \(assets\) has 4 items, but its routes add up to 5/],
      ['a request for a group the plan does not list', (p) => { p.requests[0]!.groups = ['ghost']; }, /requests\[0\] is for the group "ghost", which the plan's groups do not list/],
      ['a request for a group that is not due', (p) => { p.requests[0]!.groups = ['feeds', 'pages']; }, /requests\[0\] is for the group "pages", which the plan says is not due \(unchanged\)/],
      ['a request to another zone id', (p) => { p.requests[0]!.zone_id = OTHER_ZONE_ID; }, /requests\[0\]\.zone_id is "9a78.*", but the zone "www" has the id "023e/],
      ['a body of another kind', (p) => { p.requests[0]!.body = { purge_everything: true }; }, /requests\[0\]\.kind is "prefixes", but its body purges purge_everything/],
      ['summary.covered', (p) => { p.summary.covered = 0; }, /summary\.covered is 0, but its coverage adds up to 6/],
      ['summary.estimated_seconds', (p) => { p.summary.estimated_seconds = 99; }, /summary\.estimated_seconds is 99, but its requests take 0/],
    ];
    for (const [name, edit, message] of edits) {
      const edited = clone(saved);
      edit(edited);
      reId(edited);
      const error = refused(edited, name);
      assert.match(error.message, /^.*edited\.plan is not a consistent purgeplan plan: /, name);
      assert.match(error.message, message, name);
      assert.match(error.hint ?? '', /edited or damaged/);
    }
  });

  it('a forger who recomputes plan_id: whatever passes the checks renders (human, markdown, JSON) without an internal error', () => {
    const variants = (value: unknown): unknown[] => (typeof value === 'string' ? ['', `${value}\u001b[2J`, '@everyone <b>x</b>'] : typeof value === 'number' ? [0, value + 1, 1e9] : typeof value === 'boolean' ? [!value] : value === null ? ['x'] : [[]]);
    let rendered = 0;
    for (const path of leafPaths(saved)) {
      const { parent: original, key } = parentOf(saved, path);
      for (const value of variants((original as Json)[key as string])) {
        const edited = clone(saved) as unknown as Json;
        const { parent } = parentOf(edited, path);
        (parent as Json)[key as string] = value;
        reId(edited as unknown as SavedPlan);
        const file = join(dir, 'forged.plan');
        writeFileSync(file, JSON.stringify(edited));
        let plan: Plan;
        try {
          plan = readPlanFile(file, dir);
        } catch (error) {
          assert.ok(error instanceof UserError, `${path.join('.')}: ${String(error)}`);
          continue;
        }
        assert.doesNotThrow(() => { renderHuman({ plan }, { style: plainStyle }); renderMarkdown({ plan }); renderJson(plan); }, path.join('.'));
        rendered++;
      }
    }
    assert.ok(rendered > 50, `${rendered} forgeries rendered`);
  });

  it('without a recomputed plan_id, an edit the rest does not show is refused by the plan_id', () => {
    const edited = clone(saved);
    edited.groups[0]!.diff!.added[0] = 'https://www.example.com/posts/zzz/ [cf-device-type=desktop]';
    assert.match(refused(edited, 'diff').message, /its plan_id is not the one its content gives/);
  });

  it('a file that is not a plan: not JSON, cut short, wrong types, a list, another version', () => {
    const text = JSON.stringify(saved);
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', 'format_version: 1\n', /is not a purgeplan plan file \(it is not JSON\)/],
      ['empty', '', /it is not JSON/],
      ['cut short', text.slice(0, text.length / 2), /it is not JSON/],
      ['a list', [saved], /no format_version/],
      ['another version', { ...saved, format_version: 2 }, /expected 1, got 2/],
      ['groups is an object', { ...saved, groups: {} }, /is not a complete purgeplan plan file: groups is not valid: must be array/],
      ['a status that is a number', { ...saved, groups: [{ ...saved.groups[0], status: 3 }, ...saved.groups.slice(1)] }, /groups\[0\]\.status/],
      ['a group without zones', { ...saved, groups: [(({ zones: _z, ...g }) => g)(saved.groups[0]!), ...saved.groups.slice(1)] }, /groups\[0\]\.zones is missing/],
      ['a size that is a string', { ...saved, requests: [{ ...saved.requests[0], size: '1' }, ...saved.requests.slice(1)] }, /requests\[0\]\.size/],
      ['a control character in a group name', { ...saved, groups: [{ ...saved.groups[0], name: 'po\u001b[2Jsts' }, ...saved.groups.slice(1)] }, /not a consistent/],
      ['a git baseline without its ref', { ...saved, baseline: { kind: 'git', commit: saved.baseline.commit } }, /baseline\.ref is missing/],
      ['a state baseline without its path', { ...saved, baseline: { kind: 'state', digest: 'sha256:x' } }, /baseline\.path is missing/],
      ['lists nested 100,000 deep', `${JSON.stringify(saved).slice(0, -1)},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /nests lists or objects more than 32 deep/],
    ];
    for (const [name, document, message] of cases) {
      const error = refused(document, name);
      assert.match(error.message, message, name);
      assert.doesNotMatch(error.message, /\u001b/, name);
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface World { site: Site; cloudflare: Standin; github: GitHubStandin; saved: SavedPlan }

async function withWorld(body: (world: World) => Promise<void>): Promise<void> {
  const cloudflare = await startStandin({
    tokens: [TOKEN],
    zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }, { id: OTHER_ZONE_ID, name: 'example-cdn.net', plan: 'free', account_id: 'acc1' }],
  });
  const github = await startGitHubStandin({ tokens: [GITHUB_TOKEN] });
  const site = new Site();
  try {
    site.initGit().write('purge.yaml', BEFORE);
    site.commit('before');
    site.write('purge.yaml', NOW).write('event.json', JSON.stringify({ action: 'synchronize', pull_request: { number: 7 } }));
    site.commit('now');
    const result = await site.run(['plan', '--base', 'HEAD~1', '--out', 'saved.plan']);
    assert.equal(result.code, 0, result.stderr);
    await body({ site, cloudflare, github, saved: JSON.parse(site.read('saved.plan')) as SavedPlan });
  } finally {
    await cloudflare.close();
    await github.close();
    site.remove();
  }
}

const applyEnv = (world: World) => ({ CLOUDFLARE_API_TOKEN: TOKEN, PURGEPLAN_API_URL: world.cloudflare.url });
const commentEnv = (world: World) => ({ GITHUB_TOKEN, GITHUB_API_URL: world.github.url, GITHUB_REPOSITORY: 'octo/site', GITHUB_EVENT_PATH: 'event.json' });

function assertClearRefusal(result: { code: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(result.code, 1, `${what}: ${result.stdout}${result.stderr}`);
  assert.match(result.stderr, /^error: /m, what);
  assert.doesNotMatch(result.stderr, /internal error/, what);
  assert.doesNotMatch(result.stderr, STACK_LINE, what);
}

describe('the built CLI: apply, show, comment and explain refuse an edited plan; nothing is sent', () => {
  // [name, edit, whether a forger recomputed plan_id, what apply says]
  const edits: [string, (p: SavedPlan) => void, boolean, RegExp][] = [
    ['diff: an added item changed', (p) => { p.groups[0]!.diff!.added[0] = 'https://www.example.com/posts/zzz/ [cf-device-type=desktop]'; }, true, /refusing the plan edited\.plan: groups\[0\]\.diff\.added\[0\] is not what the configuration gives; nothing was sent/],
    ['diff: the removed items dropped', (p) => { p.groups[0]!.diff!.removed = []; p.groups[0]!.diff!.removed_count = 0; }, true, /groups\[0\]\.diff\.removed\[0\] is not what the configuration gives/],
    ['diff: an item added', (p) => { p.groups[0]!.diff!.added.push('https://www.example.com/zz/'); p.groups[0]!.diff!.added_count = 4; }, true, /groups\[0\]\.diff\.added\[3\] is not what the configuration gives/],
    ['diff: removed from a changed group', (p) => { delete p.groups[0]!.diff; }, true, /groups\[0\]\.diff is not what the configuration gives/],
    ['status: changed made forced', (p) => { p.groups[0]!.status = 'forced'; }, true, /refusing the plan edited\.plan: /],
    ['status: new made revised', (p) => { p.groups[2]!.status = 'revised'; }, true, /groups\[2\]\.status is not what the configuration gives/],
    ['status: removed group dropped', (p) => { p.groups.pop(); }, true, /it has 5 groups where the configuration gives 6/],
    ['items count', (p) => { p.groups[1]!.items = 7; }, true, /groups\[1\]\.items is not what the configuration gives/],
    ['description', (p) => { p.groups[0]!.description = 'Harmless'; }, true, /groups\[0\]\.description is not what the configuration gives/],
    ['preview', (p) => { p.groups[1]!.preview![0] = 'https://www.example.com/ok/'; }, true, /groups\[1\]\.preview\[0\] is not what the configuration gives/],
    ['record fingerprint', (p) => { p.groups[0]!.record!.fingerprint = `sha256:${'1'.repeat(64)}`; }, true, /groups\[0\]\.record\.fingerprint is not what the configuration gives/],
    ['summary: duplicates', (p) => { p.summary.duplicates = 3; }, true, /summary\.duplicates is not what the configuration gives/],
    ['summary: files', (p) => { p.summary.files = 1; }, false, /refusing the plan edited\.plan: summary\.files is not what the configuration gives/],
    ['request body: a URL changed', (p) => { (p.requests[2]!.body.files as Json[])[0]!.url = 'https://www.example.com/elsewhere/'; }, true, /refusing the plan edited\.plan: requests\[2\] \(zone www, purge files\) is not what the configuration gives; nothing was sent/],
    ['request body: a tag added', (p) => { (p.requests[1]!.body.tags as string[]).push('all'); p.requests[1]!.size = 3; p.summary.tags = 3; }, true, /requests\[1\] \(zone www, purge tags\)/],
    ['requests emptied', (p) => { p.requests = []; }, false, /refusing the plan edited\.plan: it has 0 requests where the configuration gives 5/],
    ['zone_id of a request and its zone', (p) => { p.requests[0]!.zone_id = OTHER_ZONE_ID; p.requests[1]!.zone_id = OTHER_ZONE_ID; p.requests[2]!.zone_id = OTHER_ZONE_ID; p.requests[3]!.zone_id = OTHER_ZONE_ID; p.zones[0]!.zone_id = OTHER_ZONE_ID; }, true, /refusing the plan edited\.plan: requests\[0\] \(zone www, purge prefixes\) is not what the configuration gives/],
    ['token_env of a zone', (p) => { p.zones[0]!.token_env = 'HOME'; }, true, /zones\[0\]\.token_env is not what the configuration gives/],
    ['plan_id', (p) => { p.plan_id = `sha256:${'2'.repeat(64)}`; }, false, /refusing the plan edited\.plan: plan_id is not what the configuration gives/],
    ['config digest', (p) => { p.config.digest = `sha256:${'3'.repeat(64)}`; }, false, /edited\.plan is not a consistent purgeplan plan: its plan_id/],
    ['config digest, with plan_id recomputed', (p) => { p.config.digest = `sha256:${'3'.repeat(64)}`; }, true, /the plan edited\.plan is stale: purge\.yaml changed since it was made/],
    ['baseline commit', (p) => { p.baseline.commit = '0'.repeat(40); }, true, /the plan edited\.plan is stale: its git baseline HEAD~1 names commit [0-9a-f]{40} now, not 0{40} as when it was made/],
    ['baseline: git made none', (p) => { p.baseline = { kind: 'none' }; }, true, /refusing the plan edited\.plan: /],
    ['state digest', (p) => { p.state.digest = `sha256:${'4'.repeat(64)}`; }, true, /stale: the state/],
    ['coverage', (p) => { p.coverage[0]!.value = 'www.example.com/'; }, true, /coverage\[0\]\.value is not what the configuration gives/],
    ['cache key description', (p) => { p.cache_keys.pages = 'varies by nothing'; }, true, /cache_keys\.pages is not what the configuration gives/],
    ['a field purgeplan does not write', (p) => { (p as unknown as Json).note = 'x'; }, true, /it has a field "note" that purgeplan does not write/],
  ];

  it('the unedited plan: show, comment and explain render it, apply sends it (the edits below fail for what they change)', async () => {
    await withWorld(async (world) => {
      const { site } = world;
      site.write('edited.plan', JSON.stringify(world.saved));
      assert.equal((await site.run(['show', 'edited.plan'])).code, 0);
      const commented = await site.run(['comment', 'github', 'edited.plan'], { env: commentEnv(world) });
      assert.equal(commented.code, 0, commented.stderr);
      assert.equal(world.github.comments(7).length, 1);
      const explained = await site.run(['explain', '--plan', 'edited.plan', 'https://www.example.com/posts/d/']);
      assert.equal(explained.code, 0, explained.stderr);
      const applied = await site.run(['apply', 'edited.plan'], { env: applyEnv(world) });
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(world.cloudflare.accepted.length, 5);
    });
  });

  it('each edit: apply refuses naming what differs, show (human, --json, --markdown), comment and explain --plan refuse; nothing sent', async () => {
    await withWorld(async (world) => {
      const { site } = world;
      for (const [name, edit, recompute, message] of edits) {
        const edited = clone(world.saved);
        edit(edited);
        if (recompute) reId(edited);
        site.write('edited.plan', JSON.stringify(edited));
        const applied = await site.run(['apply', 'edited.plan'], { env: applyEnv(world) });
        assertClearRefusal(applied, `apply, ${name}`);
        assert.match(applied.stderr, message, `apply, ${name}`);
        assert.doesNotMatch(applied.stderr, new RegExp(TOKEN));
        assert.equal(world.cloudflare.log.length, 0, `apply, ${name}: nothing sent, not even a token check`);
        if (recompute) continue; // a consistent forgery: only apply, which rebuilds the plan, can tell
        for (const args of [['show', 'edited.plan'], ['show', 'edited.plan', '--json'], ['show', 'edited.plan', '--markdown'], ['explain', '--plan', 'edited.plan', 'https://www.example.com/posts/d/']]) {
          const shown = await site.run(args);
          assertClearRefusal(shown, `${args.join(' ')}, ${name}`);
          assert.match(shown.stderr, /edited\.plan is not a consistent purgeplan plan: /, `${args.join(' ')}, ${name}`);
          assert.equal(shown.stdout, '', `${args.join(' ')}, ${name}: nothing rendered`);
        }
        const commented = await site.run(['comment', 'github', 'edited.plan'], { env: commentEnv(world) });
        assertClearRefusal(commented, `comment, ${name}`);
        assert.equal(world.github.requests.length, 0, `comment, ${name}: nothing posted`);
      }
    });
  });

  it('the consistent edits too are refused by show and comment when plan_id is left as it was', async () => {
    await withWorld(async (world) => {
      const { site } = world;
      for (const [name, edit] of edits.filter(([, , recompute]) => recompute).slice(0, 12)) {
        const edited = clone(world.saved);
        edit(edited);
        site.write('edited.plan', JSON.stringify(edited));
        const shown = await site.run(['show', 'edited.plan']);
        assertClearRefusal(shown, `show, ${name}`);
        assert.match(shown.stderr, /edited\.plan is not a consistent purgeplan plan: /, name);
        const commented = await site.run(['comment', 'github', 'edited.plan'], { env: commentEnv(world) });
        assertClearRefusal(commented, `comment, ${name}`);
      }
      assert.equal(world.github.requests.length, 0);
    });
  });

  it('not JSON, cut short, wrong types: every command says so, exit 1', async () => {
    await withWorld(async (world) => {
      const { site } = world;
      const text = site.read('saved.plan');
      for (const [name, content] of [['not JSON', 'plan: yes\n'], ['cut short', text.slice(0, 300)], ['wrong types', JSON.stringify({ ...world.saved, requests: 'all' })]] as const) {
        site.write('broken.plan', content);
        for (const args of [['apply', 'broken.plan'], ['show', 'broken.plan'], ['comment', 'github', 'broken.plan']]) {
          const result = await site.run(args, { env: { ...applyEnv(world), ...commentEnv(world) } });
          assertClearRefusal(result, `${args[0]}, ${name}`);
          assert.match(result.stderr, /broken\.plan is not a (purgeplan|complete purgeplan) plan file/, `${args[0]}, ${name}`);
        }
      }
      assert.equal(world.cloudflare.log.length, 0);
      assert.equal(world.github.requests.length, 0);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('apply PLANFILE rebuilds the statuses against the plan\'s own baseline', () => {
  it('git: a baseline ref that moved since the plan was made is stale; a ref that no longer resolves is said', async () => {
    await withWorld(async (world) => {
      const { site } = world;
      site.git('tag', 'base', 'HEAD~1');
      assert.equal((await site.run(['plan', '--base', 'base', '--out', 'tagged.plan'])).code, 0);
      site.git('tag', '-f', 'base', 'HEAD');
      const moved = await site.run(['apply', 'tagged.plan'], { env: applyEnv(world) });
      assertClearRefusal(moved, 'moved');
      assert.match(moved.stderr, /the plan tagged\.plan is stale: its git baseline base names commit [0-9a-f]{40} now, not [0-9a-f]{40} as when it was made/);
      site.git('tag', '-d', 'base');
      const gone = await site.run(['apply', 'tagged.plan'], { env: applyEnv(world) });
      assertClearRefusal(gone, 'gone');
      assert.match(gone.stderr, /cannot check the plan tagged\.plan against its git baseline base: unknown git ref "base"; nothing was sent/);
      assert.equal(world.cloudflare.log.length, 0);
    });
  });

  it('--group and --all plans are rebuilt as they were made, and sent', async () => {
    await withWorld(async (world) => {
      const { site } = world;
      assert.equal((await site.run(['plan', '--group', 'pages', '--out', 'forced.plan'])).code, 0);
      assert.equal((await site.run(['plan', '--all', '--out', 'all.plan'])).code, 0);
      const forced = JSON.parse(site.read('forced.plan')) as SavedPlan;
      assert.deepEqual(forced.groups.map((g) => `${g.name} ${g.status}`), ['pages forced']);
      // A forced group made unchanged, the others left out: refused.
      const edited = clone(forced);
      edited.groups[0]!.status = 'new';
      reId(edited);
      site.write('edited.plan', JSON.stringify(edited));
      const refused = await site.run(['apply', 'edited.plan'], { env: applyEnv(world) });
      assertClearRefusal(refused, 'forced made new');
      assert.match(refused.stderr, /refusing the plan edited\.plan: /);
      assert.equal(world.cloudflare.log.length, 0);
      const sent = await site.run(['apply', 'forced.plan'], { env: applyEnv(world) });
      assert.equal(sent.code, 0, sent.stderr);
      // all.plan was made before that apply wrote the state: stale now; made again, it is sent.
      const stale = await site.run(['apply', 'all.plan'], { env: applyEnv(world) });
      assertClearRefusal(stale, 'all.plan after another apply');
      assert.match(stale.stderr, /stale: the state/);
      assert.equal((await site.run(['plan', '--all', '--out', 'all.plan'])).code, 0);
      const all = await site.run(['apply', 'all.plan'], { env: applyEnv(world) });
      assert.equal(all.code, 0, all.stderr);
    });
  });
});

describe('apply PLANFILE against a state: statuses checked, and an interrupted apply of the same file resumes', () => {
  const V1 = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  posts:
    vars: { slug: [a, b, c] }
    urls: ["https://www.example.com/posts/{slug}/"]
  shop:
    vars: { item: [x, y] }
    tags: ["shop-{item}"]
`;
  const V2 = V1.replace('[a, b, c]', '[a, b, d]').replace('[x, y]', '[x, z]');

  it('a diff or status edited against the state is refused; after a partial apply the same file resumes, an edited one does not', async () => {
    let failShop = true;
    const cloudflare = await startStandin({
      tokens: [TOKEN],
      zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }],
      fault: (ctx) => (failShop && ctx.purgeSeq !== undefined && JSON.stringify(ctx.body ?? '').includes('shop-') ? { kind: 'status', status: 400, errors: [{ code: 1012, message: 'refused for the test' }] } : undefined),
    });
    const site = new Site().write('purge.yaml', V1);
    const env = { CLOUDFLARE_API_TOKEN: TOKEN, PURGEPLAN_API_URL: cloudflare.url };
    try {
      failShop = false;
      assert.equal((await site.run(['apply', '--auto-approve'], { env })).code, 0);
      failShop = true;
      site.write('purge.yaml', V2);
      assert.equal((await site.run(['plan', '--out', 'saved.plan'])).code, 0);
      const saved = JSON.parse(site.read('saved.plan')) as SavedPlan;
      assert.deepEqual(saved.groups.map((g) => `${g.name} ${g.status}`), ['posts changed', 'shop changed']);
      const before = cloudflare.log.length;
      for (const edit of [
        (p: SavedPlan) => { p.groups[0]!.diff!.removed = []; p.groups[0]!.diff!.removed_count = 0; },
        (p: SavedPlan) => { p.groups[1]!.status = 'revised'; },
        (p: SavedPlan) => { p.baseline = { kind: 'none' }; p.groups[0]!.status = 'new'; delete p.groups[0]!.diff; },
      ]) {
        const edited = clone(saved);
        edit(edited);
        reId(edited);
        site.write('edited.plan', JSON.stringify(edited));
        const result = await site.run(['apply', 'edited.plan'], { env });
        assertClearRefusal(result, 'edited against the state');
        assert.match(result.stderr, /refusing the plan edited\.plan: groups\[[01]\]\.(diff|status|removed_items)|refusing the plan edited\.plan: baseline/);
      }
      assert.equal(cloudflare.log.length, before, 'nothing sent');

      // posts goes through, shop is refused: the state records posts, the journal both.
      const partial = await site.run(['apply', 'saved.plan'], { env });
      assert.equal(partial.code, 1, partial.stderr);
      const accepted = cloudflare.accepted.length;
      // The same file edited now (its diff): refused, though the state moved under it.
      const edited = clone(saved);
      edited.groups[0]!.diff!.added[0] = 'https://www.example.com/posts/zz/';
      site.write('edited.plan', JSON.stringify(edited));
      const refused = await site.run(['apply', 'edited.plan'], { env });
      assertClearRefusal(refused, 'edited after a partial apply');
      assert.match(refused.stderr, /edited\.plan is not a consistent purgeplan plan: its plan_id/);
      reId(edited);
      site.write('edited.plan', JSON.stringify(edited));
      const forged = await site.run(['apply', 'edited.plan'], { env });
      assertClearRefusal(forged, 'forged after a partial apply');
      assert.match(forged.stderr, /stale: the state/);
      assert.equal(cloudflare.accepted.length, accepted);

      failShop = false;
      const resumed = await site.run(['apply', 'saved.plan'], { env });
      assert.equal(resumed.code, 0, resumed.stderr);
      const resent = cloudflare.accepted.slice(accepted).map((a) => a.body);
      assert.deepEqual(resent, [{ tags: ['shop-x', 'shop-z', 'shop-y'] }], 'only what did not go through');
      assert.match(resumed.stdout, /Resum|skipped|already/i);
      // Once complete, the state is as this plan left it: the same file may be applied again (it
      // purges again, as its journal is closed), and the edited one is still refused.
      const again = await site.run(['apply', 'saved.plan'], { env });
      assert.equal(again.code, 0, again.stderr);
      const refusedAgain = await site.run(['apply', 'edited.plan'], { env });
      assertClearRefusal(refusedAgain, 'edited, after the apply completed');
    } finally {
      await cloudflare.close();
      site.remove();
    }
  });

  it('apply without a plan file resumes an interrupted plan whose changed group has a diff (the journal keeps it)', async () => {
    let failShop = true;
    const cloudflare = await startStandin({
      tokens: [TOKEN],
      zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }],
      fault: (ctx) => (failShop && ctx.purgeSeq !== undefined && JSON.stringify(ctx.body ?? '').includes('shop-') ? { kind: 'status', status: 400, errors: [{ code: 1012, message: 'refused for the test' }] } : undefined),
    });
    const site = new Site().write('purge.yaml', V1);
    const env = { CLOUDFLARE_API_TOKEN: TOKEN, PURGEPLAN_API_URL: cloudflare.url };
    try {
      failShop = false;
      assert.equal((await site.run(['apply', '--auto-approve'], { env })).code, 0);
      failShop = true;
      site.write('purge.yaml', V2);
      assert.equal((await site.run(['apply', '--auto-approve'], { env })).code, 1);
      const header = JSON.parse(site.read('.purgeplan/state.json.journal').split('\n')[0]!) as { groups: { name: string; diff?: { added_count: number } }[] };
      assert.deepEqual(header.groups.map((g) => [g.name, g.diff?.added_count]), [['posts', 1], ['shop', 1]]);
      const accepted = cloudflare.accepted.length;
      failShop = false;
      const resumed = await site.run(['apply', '--auto-approve'], { env });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, /Resuming the interrupted apply of plan/);
      assert.deepEqual(cloudflare.accepted.slice(accepted).map((a) => a.body), [{ tags: ['shop-x', 'shop-z', 'shop-y'] }]);
    } finally {
      await cloudflare.close();
      site.remove();
    }
  });
});
