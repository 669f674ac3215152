// Build groups end to end (docs/purge-yaml.md, "Groups from the deploy"): the built CLI against
// the Cloudflare stand-in. Apply a build, edit, add and remove files, plan again: exactly those
// files' URLs x the group's variants are due, and apply sends exactly them. Each baseline (the
// state, --build-base, neither, under --base), immutable and always files, apply --record-only.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, withStandinSite, ZONE_ID } from './support/site.js';

const env = { CLOUDFLARE_API_TOKEN: TOKEN };

/** A build group on a key that varies by device type: each URL is purged three times. */
function config(build = '', extra = ''): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, cache_key: pages }
cache_keys:
  pages: { device_type: true }
groups:
  site:
    zone: www
    build:
      dir: public/
      base_url: https://www.example.com
      clean_urls: true
      exclude: ["**/*.map"]
      immutable: ["assets/**"]
      always: ["_redirects"]${build}
${extra}`;
}

function writeBuild(site: Site): void {
  site.write('public/index.html', 'home')
    .write('public/about/index.html', 'about')
    .write('public/blog/hello.html', 'hello')
    .write('public/blog/old.html', 'old')
    .write('public/assets/app.1a2b.js', 'app')
    .write('public/assets/app.1a2b.js.map', 'map')
    .write('public/_redirects', '/a /b 301');
}

const DEVICES = ['desktop', 'mobile', 'tablet'];

/** Every URL x device the stand-in purged, as `URL device`, sorted. */
function purged(standin: Standin, from = 0): string[] {
  return standin.accepted.slice(from).flatMap((a) => ((a.body as { files?: (string | { url: string; headers?: Record<string, string> })[] }).files ?? [])
    .map((f) => (typeof f === 'string' ? `${f} -` : `${f.url} ${f.headers?.['cf-device-type'] ?? '-'}`))).sort();
}

const times = (urls: readonly string[]): string[] => urls.flatMap((url) => DEVICES.map((d) => `${url} ${d}`)).sort();

interface PlanJson {
  groups: { name: string; status: string; due: boolean; items: number; source?: { baseline: { kind: string; path?: string }; due: string; count: number }; changes?: { added: string[]; changed: string[]; removed: string[] } }[];
  requests: { body: { files?: { url: string; headers?: Record<string, string> }[] } }[];
  summary: { files: number };
}

function planned(json: string): { plan: PlanJson; urls: string[] } {
  const plan = JSON.parse(json) as PlanJson;
  const urls = plan.requests.flatMap((r) => (r.body.files ?? []).map((f) => `${f.url} ${f.headers?.['cf-device-type'] ?? '-'}`)).sort();
  return { plan, urls };
}

describe('build groups: apply, change the build, plan again', () => {
  it('purges every file on the first apply, then exactly the added, changed and removed files x variants', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      writeBuild(site);
      const first = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(purged(standin), times([
        'https://www.example.com/', 'https://www.example.com/_redirects', 'https://www.example.com/about/',
        'https://www.example.com/assets/app.1a2b.js', 'https://www.example.com/blog/hello', 'https://www.example.com/blog/old',
      ]), 'no baseline: every file, immutable included; the source map excluded');

      const again = await site.run(['plan', '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(planned(again.stdout).plan.groups[0]!.status, 'unchanged');
      assert.equal(planned(again.stdout).plan.requests.length, 0);

      site.write('public/blog/hello.html', 'hello, edited').write('public/blog/new.html', 'new').write('public/assets/app.9f8e.js', 'app 2');
      rmSync(join(site.dir, 'public/blog/old.html'));
      site.write('public/about/index.html', 'about'); // same content: not changed
      const plan = await site.run(['plan', '--json']);
      assert.equal(plan.code, 0, plan.stderr);
      const { plan: doc, urls } = planned(plan.stdout);
      const group = doc.groups[0]!;
      assert.equal(group.status, 'content');
      assert.deepEqual(group.changes, { added: ['assets/app.9f8e.js', 'blog/new.html'], changed: ['blog/hello.html'], removed: ['blog/old.html'] });
      assert.deepEqual(group.source?.baseline, { kind: 'state', path: '.purgeplan/state.json' });
      assert.equal(group.source?.due, 'changes');
      assert.deepEqual(urls, times(['https://www.example.com/blog/hello', 'https://www.example.com/blog/new', 'https://www.example.com/blog/old']),
        'the added immutable asset is not purged; the removed page is');

      const human = await site.run(['plan']);
      assert.match(human.stdout, /\+ blog\/new\.html → https:\/\/www\.example\.com\/blog\/new\n/);
      assert.match(human.stdout, /± blog\/hello\.html → https:\/\/www\.example\.com\/blog\/hello\n/);
      assert.match(human.stdout, /- blog\/old\.html → https:\/\/www\.example\.com\/blog\/old \(removed: purged one last time\)/);
      assert.match(human.stdout, /\+ assets\/app\.9f8e\.js → \S+ \(immutable: not purged\)/);
      assert.match(human.stdout, /content changed: 2 added, 1 changed, 1 removed · 7 files in public, against the state \.purgeplan\/state\.json/);

      const before = standin.accepted.length;
      const second = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(purged(standin, before), urls, 'apply sends exactly what the plan listed');
      const after = await site.run(['plan', '--json']);
      assert.equal(planned(after.stdout).plan.groups[0]!.status, 'unchanged', 'the state records the new build');
    });
  });

  it('an immutable file whose content changed is purged, with a warning; a change to an always file makes every URL due', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      writeBuild(site);
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      site.write('public/assets/app.1a2b.js', 'app, changed');
      const changed = await site.run(['plan', '--json']);
      assert.deepEqual(planned(changed.stdout).urls, times(['https://www.example.com/assets/app.1a2b.js']));
      assert.match(changed.stderr, /purge\.yaml:\d+:\d+: warning: groups\.site\.build\.immutable: 1 file whose name marks it immutable changed content \("assets\/app\.1a2b\.js"\): purged/);

      site.write('public/_redirects', '/a /c 301');
      const always = await site.run(['plan', '--json']);
      const { plan, urls } = planned(always.stdout);
      assert.equal(plan.groups[0]!.status, 'content');
      assert.equal(plan.groups[0]!.source?.due, 'all');
      assert.equal(urls.length, 6 * 3, 'every URL of the group, each device');
    });
  });

  it('apply --record-only records the build without sending anything, and says what it recorded', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      writeBuild(site);
      const recorded = await site.run(['apply', '--record-only', '--auto-approve', '--api-url', standin.url], { env: {} });
      assert.equal(recorded.code, 0, recorded.stderr);
      assert.equal(standin.accepted.length, 0, 'nothing sent');
      assert.equal(standin.log.filter((entry) => entry.path.includes('/purge_cache')).length, 0);
      assert.match(recorded.stdout, /Recorded in \.purgeplan\/state\.json as purged, without purging \(--record-only\):\n {2}site: 6 files of public \(build\)\nNothing was sent\./);
      assert.ok(!existsJournal(site), 'no journal: nothing was sent');
      const state = JSON.parse(site.read('.purgeplan/state.json')) as { groups: { site: { source: { count: number; table: string } } } };
      assert.equal(state.groups.site.source.count, 6);
      const plan = await site.run(['plan', '--json']);
      assert.equal(planned(plan.stdout).plan.groups[0]!.status, 'unchanged');
      site.write('public/blog/hello.html', 'edited');
      const next = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(purged(standin), times(['https://www.example.com/blog/hello']));
    });
  });

  it('apply --record-only refuses the flags of a purge', async () => {
    await withStandinSite({}, config(), async (site) => {
      writeBuild(site);
      const result = await site.run(['apply', '--record-only', '--auto-approve', '--warm'], { env: {} });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--record-only sends nothing, so --warm cannot go with it/);
      assert.throws(() => site.read('.purgeplan/state.json'));
    });
  });

  it('apply --record-only asks the same question, and records nothing when not approved', async () => {
    await withStandinSite({}, config(), async (site) => {
      writeBuild(site);
      const refused = await site.run(['apply', '--record-only'], { env: {}, input: 'no\n' });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr + refused.stdout, /refusing to apply without confirmation|not approved/);
      assert.throws(() => site.read('.purgeplan/state.json'));
    });
  });
});

function existsJournal(site: Site): boolean {
  try {
    readFileSync(join(site.dir, '.purgeplan/state.json.journal'));
    return true;
  } catch {
    return false;
  }
}

describe('build groups: baselines', () => {
  it('--build-base compares with a previous build laid out like the repository, and wins over the state', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      writeBuild(site);
      const base = new Site();
      try {
        writeBuild(base);
        base.write('public/blog/hello.html', 'hello, the old version').write('public/gone.html', 'gone');
        rmSync(join(base.dir, 'public/blog/old.html'));
        const plan = await site.run(['plan', '--json', '--build-base', base.dir]);
        assert.equal(plan.code, 0, plan.stderr);
        const { plan: doc, urls } = planned(plan.stdout);
        const group = doc.groups[0]!;
        assert.equal(group.status, 'content', 'changes against --build-base: content, not new');
        assert.equal(group.source?.baseline.kind, 'build-base');
        assert.deepEqual(group.changes, { added: ['blog/old.html'], changed: ['blog/hello.html'], removed: ['gone.html'] });
        assert.deepEqual(urls, times(['https://www.example.com/blog/hello', 'https://www.example.com/blog/old', 'https://www.example.com/gone']));

        // With a state too, --build-base (the explicit flag) wins.
        assert.equal((await site.run(['apply', '--record-only', '--auto-approve'], { env: {} })).code, 0);
        const both = planned((await site.run(['plan', '--json', '--build-base', base.dir])).stdout);
        assert.equal(both.plan.groups[0]!.source?.baseline.kind, 'build-base');
        assert.deepEqual(both.urls, urls);
        const stateOnly = planned((await site.run(['plan', '--json'])).stdout);
        assert.equal(stateOnly.plan.groups[0]!.status, 'unchanged');
        assert.equal(stateOnly.plan.groups[0]!.source?.baseline.kind, 'state');
        void standin;
      } finally {
        base.remove();
      }
    });
  });

  it('neither state nor --build-base: every file is due (new), and --all ignores both', async () => {
    await withStandinSite({}, config(), async (site) => {
      writeBuild(site);
      const { plan, urls } = planned((await site.run(['plan', '--json'])).stdout);
      assert.equal(plan.groups[0]!.status, 'new');
      assert.deepEqual(plan.groups[0]!.source?.baseline, { kind: 'none' });
      assert.equal(urls.length, 18);
      assert.equal((await site.run(['apply', '--record-only', '--auto-approve'], { env: {} })).code, 0);
      const all = planned((await site.run(['plan', '--json', '--all'])).stdout);
      assert.equal(all.plan.groups[0]!.status, 'new');
      assert.equal(all.urls.length, 18);
    });
  });

  it('under --base REF, the build is compared with the state, and the plan says so', async () => {
    await withStandinSite({}, config(), async (site) => {
      site.initGit().write('.gitignore', 'public/\n.purgeplan/\n');
      writeBuild(site);
      site.commit('site');
      assert.equal((await site.run(['apply', '--record-only', '--auto-approve'], { env: {} })).code, 0);
      site.write('public/blog/hello.html', 'edited');
      const under = await site.run(['plan', '--json', '--base', 'HEAD']);
      assert.equal(under.code, 0, under.stderr);
      const { plan, urls } = planned(under.stdout);
      assert.equal(plan.groups[0]!.status, 'content');
      assert.deepEqual(plan.groups[0]!.source?.baseline, { kind: 'state', path: '.purgeplan/state.json' });
      assert.deepEqual(urls, times(['https://www.example.com/blog/hello']));
      const human = await site.run(['plan', '--base', 'HEAD']);
      assert.match(human.stdout, /Baseline: git .*HEAD/);
      assert.match(human.stdout, /against the state \.purgeplan\/state\.json/);
    });
  });

  it('a change to the mapping or the variants makes the group changed: every URL is due', async () => {
    await withStandinSite({}, config(), async (site) => {
      writeBuild(site);
      assert.equal((await site.run(['apply', '--record-only', '--auto-approve'], { env: {} })).code, 0);
      site.write('purge.yaml', config().replace('clean_urls: true', 'clean_urls: both'));
      const { plan, urls } = planned((await site.run(['plan', '--json'])).stdout);
      assert.equal(plan.groups[0]!.status, 'changed');
      assert.equal(plan.groups[0]!.source?.due, 'all');
      assert.ok(urls.includes('https://www.example.com/blog/hello.html desktop') && urls.includes('https://www.example.com/blog/hello desktop'));
    });
  });
});

describe('build groups: a saved plan', () => {
  it('is refused as stale when the build changed since it was saved, and applied as it was otherwise', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      writeBuild(site);
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      site.write('public/blog/hello.html', 'edited after planning');
      const stale = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, /the plan release\.plan is stale: the build of group site \(public\) changed since it was made/);
      assert.equal(standin.accepted.length, 0);
      site.write('public/blog/hello.html', 'hello');
      const applied = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(purged(standin).length, 18);
      assert.equal(planned((await site.run(['plan', '--json'])).stdout).plan.groups[0]!.status, 'unchanged');
    });
  });
});

describe('build groups: resume, --json, show and explain', () => {
  it('an apply that failed part way is resumed from its journal: only what was not accepted is sent, then the build is recorded', async () => {
    // 40 changed pages on the pro plan (30 URLs a request): two requests per device; the second files request fails once.
    let failed = false;
    const fault = (ctx: { purgeSeq?: number }) => (ctx.purgeSeq === 2 && !failed ? ((failed = true), { kind: 'status' as const, status: 400, errors: [{ code: 1234, message: 'refused once' }] }) : undefined);
    await withStandinSite({ fault }, config(), async (site, standin) => {
      writeBuild(site);
      assert.equal((await site.run(['apply', '--record-only', '--auto-approve'], { env: {} })).code, 0);
      for (let i = 0; i < 40; i++) site.write(`public/p/${i}.html`, `page ${i}`);
      const first = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(first.code, 1, 'one request failed');
      const acceptedFirst = purged(standin).length;
      assert.ok(acceptedFirst > 0 && acceptedFirst < 120);
      const second = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Resuming the interrupted apply of plan/);
      const all = purged(standin);
      assert.equal(all.length, 120, 'every URL x device once');
      assert.equal(new Set(all).size, 120);
      assert.equal(planned((await site.run(['plan', '--json'])).stdout).plan.groups[0]!.status, 'unchanged');
    });
  });

  it('apply --record-only --json prints JSON lines only, and says what it recorded', async () => {
    await withStandinSite({}, config(), async (site) => {
      writeBuild(site);
      const result = await site.run(['apply', '--record-only', '--auto-approve', '--json'], { env: {} });
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; text?: string; message?: string });
      assert.ok(events.some((e) => e.type === 'note' && /site: 6 files of public \(build\)/.test(JSON.stringify(e))));
      const summary = events.at(-1) as { type: string; ok?: boolean; done?: number; not_sent?: number };
      assert.equal(summary.type, 'summary');
      assert.equal(summary.ok, true);
      assert.equal(summary.done, 0, 'nothing sent');
    });
  });

  it('show renders a saved plan with its changed files; explain knows a build group\'s URLs', async () => {
    await withStandinSite({}, config(), async (site) => {
      writeBuild(site);
      assert.equal((await site.run(['apply', '--record-only', '--auto-approve'], { env: {} })).code, 0);
      site.write('public/blog/hello.html', 'edited');
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      const shown = await site.run(['show', 'release.plan']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /± blog\/hello\.html → https:\/\/www\.example\.com\/blog\/hello/);
      const explained = await site.run(['explain', 'https://www.example.com/about/', '--device-type', 'mobile']);
      assert.equal(explained.code, 0, explained.stdout + explained.stderr);
      assert.match(explained.stdout, /site {2}https:\/\/www\.example\.com\/about\/ {2}\[cf-device-type=mobile\]/);
    });
  });
});

describe('build groups: --build-base with a saved plan, --all, a base_url with a path', () => {
  it('a plan saved with --build-base is checked against that build again and applied', async () => {
    await withStandinSite({}, config().replace('base_url: https://www.example.com', 'base_url: https://www.example.com/docs'), async (site, standin) => {
      writeBuild(site);
      const base = new Site();
      try {
        writeBuild(base);
        base.write('public/blog/hello.html', 'older');
        assert.equal((await site.run(['plan', '--build-base', base.dir, '--out', 'release.plan'])).code, 0);
        const refused = await site.run(['apply', 'release.plan', '--build-base', base.dir, '--api-url', standin.url], { env });
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /--build-base cannot be used with a plan file/);
        const applied = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
        assert.equal(applied.code, 0, applied.stderr);
        assert.deepEqual(purged(standin), times(['https://www.example.com/docs/blog/hello']), 'base_url without a trailing / is a directory');
        const all = planned((await site.run(['plan', '--json', '--all', '--build-base', base.dir])).stdout);
        assert.equal(all.plan.groups[0]!.status, 'new');
        assert.deepEqual(all.plan.groups[0]!.source?.baseline, { kind: 'none' }, '--all ignores --build-base too');
      } finally {
        base.remove();
      }
    });
  });
});
