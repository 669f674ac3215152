// Issue 9, items 1-8 (docs/commands.md#apply, docs/commands.md, docs/commands.md): apply never skips a purge it owes, never repeats what
// an interrupted run already did, and never sends a plan its configuration would not give. Each
// case reproduces the reported failure through the built CLI against the Cloudflare stand-in.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin, StandinOptions } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const OTHER_ZONE_ID = '9a7806061c88ada191ed06f989cc3dac';
const env = { CLOUDFLARE_API_TOKEN: TOKEN };
const STACK_LINE = /\n\s+at /;

const WATCHED = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  posts:
    urls: ["https://www.example.com/blog/"]
    watch: ["content/**"]
  pages:
    urls: ["https://www.example.com/", "https://www.example.com/about/"]
`;

interface JsonPlan {
  groups: { name: string; status: string; due: boolean }[];
  requests: { groups: string[]; body: Record<string, unknown> }[];
}

async function withSite(yaml: string, body: (site: Site, standin: Standin) => Promise<void>, options: StandinOptions = {}): Promise<void> {
  const standin = await startStandin({
    tokens: [TOKEN],
    zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }, { id: OTHER_ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }],
    ...options,
  });
  const site = new Site().write('purge.yaml', yaml);
  try {
    await body(site, standin);
  } finally {
    await standin.close();
    site.remove();
  }
}

const apply = (site: Site, standin: Standin, ...args: string[]) => site.run(['apply', '--auto-approve', '--api-url', standin.url, ...args], { env });
const sentFiles = (standin: Standin) => standin.accepted.flatMap((a) => (a.body.files ?? []) as unknown[]);
const statuses = (plan: JsonPlan) => Object.fromEntries(plan.groups.map((g) => [g.name, g.status]));

async function planJson(site: Site, ...args: string[]): Promise<JsonPlan> {
  const result = await site.run(['plan', '--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as JsonPlan;
}

describe('1. a second purge of the same group is never skipped as "already applied"', () => {
  it('watched content edited twice: each apply purges it again', async () => {
    await withSite(WATCHED, async (site, standin) => {
      site.write('content/a.md', 'one');
      assert.equal((await apply(site, standin)).code, 0);
      site.write('content/a.md', 'two');
      let result = await apply(site, standin);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /skipped/);
      site.write('content/a.md', 'three');
      result = await apply(site, standin);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /skipped/);
      assert.equal(sentFiles(standin).filter((f) => f === 'https://www.example.com/blog/').length, 3, 'purged on each of the three applies');
    });
  });

  it('apply --all twice, and apply --group after a full apply: every run sends', async () => {
    await withSite(WATCHED, async (site, standin) => {
      assert.equal((await apply(site, standin, '--all')).code, 0);
      assert.equal(standin.accepted.length, 1);
      const again = await apply(site, standin, '--all');
      assert.equal(again.code, 0, again.stderr);
      assert.equal(standin.accepted.length, 2, '--all a second time purges again');
      const forced = await apply(site, standin, '--group', 'posts');
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(standin.accepted.length, 3);
      assert.deepEqual(standin.accepted[2].body, { files: ['https://www.example.com/blog/'] });
      const forcedAgain = await apply(site, standin, '--group', 'posts');
      assert.equal(forcedAgain.code, 0, forcedAgain.stderr);
      assert.equal(standin.accepted.length, 4);
    });
  });
});

describe('2. an interrupted apply without a plan file resumes instead of resending', () => {
  it('Ctrl-C at 3 of 11, then the same command: it says it resumes, and sends only the rest', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  a:
    urls: ["https://www.example.com/a/{1..150}"]
  b:
    urls: ["https://www.example.com/b/{1..150}"]
  t:
    tags: [release]
`;
    await withSite(yaml, async (site, standin) => {
      const first = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--concurrency', '1'], {
        env,
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (standin.accepted.length >= 3) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          }, 5);
        },
      });
      assert.equal(first.code, 130, first.stderr);
      const afterFirst = standin.accepted.length;
      assert.ok(afterFirst >= 3 && afterFirst < 11, `interrupted after ${afterFirst}`);
      const second = await apply(site, standin);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Resuming the interrupted apply of plan sha256:/);
      const files = sentFiles(standin);
      assert.equal(files.length, 300, 'every URL purged');
      assert.equal(new Set(files).size, 300, 'nothing resent');
      assert.equal(standin.accepted.filter((a) => a.body.tags).length, 1);
      const third = await apply(site, standin);
      assert.equal(third.code, 0);
      assert.equal(standin.accepted.length, 11, 'all applied: nothing is due');
    }, { fault: (ctx) => (ctx.purgeSeq !== undefined ? { kind: 'delay', ms: 100 } : undefined) });
  });

  it('inputs changed since the interruption: no resume, the new plan goes out', async () => {
    const yaml = (n: number) => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  a:
    urls: ["https://www.example.com/a/{1..${n}}"]
`;
    await withSite(yaml(150), async (site, standin) => {
      const first = await site.run(['apply', '--auto-approve', '--api-url', standin.url, '--concurrency', '1'], {
        env,
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (standin.accepted.length >= 1) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          }, 5);
        },
      });
      assert.equal(first.code, 130, first.stderr);
      site.write('purge.yaml', yaml(151));
      const second = await apply(site, standin);
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stdout, /Resuming/);
      assert.equal(new Set(sentFiles(standin)).size, 151);
    }, { fault: (ctx) => (ctx.purgeSeq !== undefined ? { kind: 'delay', ms: 100 } : undefined) });
  });
});

describe('3. a group whose items are all covered by other groups is recorded as applied', () => {
  it('a URL under another group\'s host: applied once, then unchanged', async () => {
    const yaml = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  site:
    hosts: [www.example.com]
  home:
    urls: ["https://www.example.com/"]
  feeds:
    prefixes: [www.example.com/feeds/]
`;
    await withSite(yaml, async (site, standin) => {
      assert.equal((await apply(site, standin)).code, 0);
      const state = JSON.parse(site.read('.purgeplan/state.json')) as { groups: Record<string, unknown> };
      assert.deepEqual(Object.keys(state.groups).sort(), ['feeds', 'home', 'site']);
      assert.deepEqual(statuses(await planJson(site)), { site: 'unchanged', home: 'unchanged', feeds: 'unchanged' });
      const again = await apply(site, standin);
      assert.equal(again.code, 0);
      assert.equal(standin.accepted.length, 1, 'nothing is purged again');
    });
  });
});

describe('4. a state belongs to one configuration', () => {
  it('two configurations in one directory keep their own states', async () => {
    await withSite(WATCHED, async (site, standin) => {
      site.write('shop.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, plan: pro }
groups:
  cart:
    urls: ["https://www.example.com/cart/"]
`);
      assert.equal((await apply(site, standin)).code, 0);
      assert.equal((await apply(site, standin, '-c', 'shop.yaml')).code, 0);
      assert.ok(existsSync(join(site.dir, '.purgeplan/shop.state.json')));
      assert.deepEqual(statuses(await planJson(site)), { posts: 'unchanged', pages: 'unchanged' });
      assert.deepEqual(statuses(await planJson(site, '-c', 'shop.yaml')), { cart: 'unchanged' });
      const state = JSON.parse(site.read('.purgeplan/state.json')) as { config: string; groups: Record<string, unknown> };
      assert.equal(state.config, '../purge.yaml');
      assert.deepEqual(Object.keys(state.groups).sort(), ['pages', 'posts']);
    });
  });

  it('a state written for another configuration is an error naming both; nothing is sent', async () => {
    await withSite(WATCHED, async (site, standin) => {
      site.write('shop.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, plan: pro }
groups:
  cart:
    urls: ["https://www.example.com/cart/"]
`);
      assert.equal((await apply(site, standin)).code, 0);
      const sent = standin.log.length;
      for (const command of [['plan'], ['apply', '--auto-approve', '--api-url', standin.url]]) {
        const result = await site.run([...command, '-c', 'shop.yaml', '--state', '.purgeplan/state.json'], { env });
        assert.equal(result.code, 1);
        assert.match(result.stderr, /belongs to .*purge\.yaml, not to .*shop\.yaml/);
        assert.doesNotMatch(result.stderr, STACK_LINE);
      }
      assert.equal(standin.log.length, sent);
    });
  });
});

describe('5. changing a zone\'s id makes its groups changed', () => {
  it('the group is due again, and purged in the new zone', async () => {
    await withSite(WATCHED, async (site, standin) => {
      assert.equal((await apply(site, standin)).code, 0);
      site.write('purge.yaml', WATCHED.replace(ZONE_ID, OTHER_ZONE_ID));
      assert.deepEqual(statuses(await planJson(site)), { posts: 'changed', pages: 'changed' });
      assert.equal((await apply(site, standin)).code, 0);
      assert.deepEqual([...new Set(standin.accepted.map((a) => a.zoneId))], [ZONE_ID, OTHER_ZONE_ID]);
    });
  });
});

describe('6. apply PLANFILE refuses, sending nothing, a plan its configuration does not give', () => {
  const edits: { name: string; edit: (plan: { requests: { body: unknown; groups: string[] }[] }) => void; message: RegExp }[] = [
    { name: 'a body edited to purge everything', edit: (p) => { p.requests[0].body = { purge_everything: true }; }, message: /refusing the plan edited\.plan: requests\[0\] .* is not what the configuration gives; nothing was sent/ },
    { name: 'a URL added to a body', edit: (p) => { (p.requests[0].body as { files: string[] }).files.push('https://evil.example.com/'); }, message: /refusing the plan edited\.plan: requests\[0\]/ },
    { name: 'a request removed', edit: (p) => { p.requests.pop(); }, message: /refusing the plan edited\.plan: it has 0 requests where the configuration gives 1/ },
    { name: 'a damaged body: {}', edit: (p) => { p.requests[0].body = {}; }, message: /edited\.plan is not a complete purgeplan plan file: requests\[0\]\.body is not valid: not a purge body/ },
    { name: 'a damaged body: "files": "abc"', edit: (p) => { p.requests[0].body = { files: 'abc' }; }, message: /edited\.plan is not a complete purgeplan plan file: requests\[0\]\.body is not valid/ },
  ];
  for (const { name, edit, message } of edits) {
    it(`${name}: a clear error, exit 1, nothing sent`, async () => {
      await withSite(WATCHED, async (site, standin) => {
        assert.equal((await site.run(['plan', '--group', 'posts', '--out', 'edited.plan'])).code, 0);
        const plan = JSON.parse(site.read('edited.plan')) as { requests: { body: unknown; groups: string[] }[] };
        edit(plan);
        site.write('edited.plan', JSON.stringify(plan));
        const result = await site.run(['apply', 'edited.plan', '--api-url', standin.url], { env });
        assert.equal(result.code, 1);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /internal error/);
        assert.doesNotMatch(result.stderr, STACK_LINE);
        assert.equal(standin.log.length, 0, 'nothing sent, not even a token check');
        const shown = await site.run(['show', 'edited.plan']);
        assert.doesNotMatch(shown.stderr, /internal error/);
      });
    });
  }

  it('the unedited plan is sent (the cases above fail for what they change)', async () => {
    await withSite(WATCHED, async (site, standin) => {
      assert.equal((await site.run(['plan', '--group', 'posts', '--out', 'edited.plan'])).code, 0);
      site.write('edited.plan', JSON.stringify(JSON.parse(site.read('edited.plan'))));
      const result = await site.run(['apply', 'edited.plan', '--api-url', standin.url], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.accepted.length, 1);
    });
  });
});

describe('7. apply PLANFILE from anywhere; -c overrides; planning flags are refused', () => {
  it('works from another directory, finding purge.yaml beside the plan', async () => {
    await withSite(WATCHED, async (site, standin) => {
      site.write('elsewhere/.keep', '').write('plans/.keep', ''); // --out creates no directory
      assert.equal((await site.run(['plan', '--out', 'plans/release.plan'])).code, 0);
      const plan = JSON.parse(site.read('plans/release.plan')) as { config: { path: string } };
      assert.equal(plan.config.path, '../purge.yaml');
      const elsewhere = new Site();
      try {
        const result = await elsewhere.run(['apply', join(site.dir, 'plans/release.plan'), '--api-url', standin.url], { env });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(standin.accepted.length, 1);
        assert.ok(existsSync(join(site.dir, '.purgeplan/state.json')), 'the state is beside purge.yaml');
      } finally {
        elsewhere.remove();
      }
    });
  });

  it('-c names the configuration when the plan was moved away from it', async () => {
    await withSite(WATCHED, async (site, standin) => {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      site.write('moved/release.plan', site.read('release.plan'));
      const lost = await site.run(['apply', 'moved/release.plan', '--api-url', standin.url], { env });
      assert.equal(lost.code, 1);
      assert.match(lost.stderr, /no such file/);
      const found = await site.run(['apply', 'moved/release.plan', '-c', 'purge.yaml', '--api-url', standin.url], { env });
      assert.equal(found.code, 0, found.stderr);
      assert.equal(standin.accepted.length, 1);
    });
  });

  for (const flags of [['--group', 'posts'], ['--all'], ['--base', 'main'], ['--state', 'other.json']]) {
    it(`${flags[0]} with a plan file is refused, nothing sent`, async () => {
      await withSite(WATCHED, async (site, standin) => {
        assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
        const result = await site.run(['apply', 'release.plan', ...flags, '--api-url', standin.url], { env });
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`${flags[0]} cannot be used with a plan file`));
        assert.equal(standin.log.length, 0);
      });
    });
  }
});

describe('8. plan --out never overwrites the configuration, nor trips on a directory', () => {
  it('--out purge.yaml is refused and the configuration is left as it was', async () => {
    await withSite(WATCHED, async (site) => {
      for (const out of ['purge.yaml', './purge.yaml', join(site.dir, 'purge.yaml')]) {
        const result = await site.run(['plan', '--out', out]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /is the configuration purge\.yaml/);
        assert.equal(site.read('purge.yaml'), WATCHED);
      }
    });
  });

  it('--out DIR is a clear error, and leaves no temp file behind', async () => {
    await withSite(WATCHED, async (site) => {
      site.write('plans/.keep', '');
      const result = await site.run(['plan', '--out', 'plans']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--out plans is a directory/);
      assert.doesNotMatch(result.stderr, /internal error/);
      assert.deepEqual(readdirSync(site.dir).filter((f) => f.endsWith('.tmp')), []);
      assert.deepEqual(readdirSync(join(site.dir, 'plans')), ['.keep']);
    });
  });
});
