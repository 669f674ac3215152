// purgeplan's own files (a `.purgeplan` directory at any depth, the state in use wherever --state
// puts it with its journal and lock, saved plans) are never watched content: a group watching
// the directory they are written to must not be due forever (README "Only what changed").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  site:
    urls: ["https://www.example.com/"]
    watch: ["**"]
  docs:
    urls: ["https://www.example.com/docs/"]
    watch: ["content/**"]
`;
const SUB_CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  api:
    urls: ["https://www.example.com/api/"]
`;

interface JsonPlan { groups: { name: string; status: string }[]; requests: unknown[] }
const statuses = (plan: JsonPlan) => Object.fromEntries(plan.groups.map((g) => [g.name, g.status]));

describe('purgeplan\'s own files are not watched content', () => {
  let standin: Standin;
  const env = { CLOUDFLARE_API_TOKEN: TOKEN };
  before(async () => {
    standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
  });
  after(() => standin.close());

  const withSite = async (git: boolean, test: (site: Site) => Promise<void>) => {
    const site = new Site().write('purge.yaml', CONFIG).write('content/a.md', 'a\n').write('docs/purge.yaml', SUB_CONFIG);
    if (git) site.initGit();
    try {
      await test(site);
    } finally {
      site.remove();
    }
  };
  const plan = async (site: Site, ...args: string[]): Promise<JsonPlan> => {
    const result = await site.run(['plan', '--json', ...args]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as JsonPlan;
  };
  const apply = async (site: Site, ...args: string[]) => {
    const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, ...args], { env });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    return result;
  };

  for (const git of [false, true]) {
    const where = git ? 'in a git repository' : 'outside git';
    it(`${where}: --state inside a watched directory, with its journal: applied twice, nothing is due`, () => withSite(git, async (site) => {
      await apply(site, '--state', 'content/purge-state.json');
      assert.deepEqual(statuses(await plan(site, '--state', 'content/purge-state.json')), { site: 'unchanged', docs: 'unchanged' });
      site.write('content/a.md', 'a, edited\n');
      assert.deepEqual(statuses(await plan(site, '--state', 'content/purge-state.json')), { site: 'content', docs: 'content' });
      await apply(site, '--state', 'content/purge-state.json');
      const again = await plan(site, '--state', 'content/purge-state.json');
      assert.deepEqual(statuses(again), { site: 'unchanged', docs: 'unchanged' });
      assert.deepEqual(again.requests, []);
    }));

    it(`${where}: another configuration's .purgeplan directory below a watched one is not content`, () => withSite(git, async (site) => {
      await apply(site);
      await apply(site, '-c', 'docs/purge.yaml');
      assert.deepEqual(statuses(await plan(site)), { site: 'unchanged', docs: 'unchanged' });
    }));

    it(`${where}: a plan saved inside a watched directory leaves the group as it was, and applies (not stale)`, () => withSite(git, async (site) => {
      await apply(site);
      site.write('content/a.md', 'a, edited\n');
      const saved = await site.run(['plan', '--out', 'content/release.plan']);
      assert.equal(saved.code, 0, saved.stderr);
      assert.deepEqual(statuses(await plan(site)), { site: 'content', docs: 'content' }, 'the saved plan is not a change of content');
      await site.run(['apply', 'content/release.plan', '--api-url', standin.url], { env }).then((r) => assert.equal(r.code, 0, r.stderr + r.stdout));
      assert.deepEqual(statuses(await plan(site)), { site: 'unchanged', docs: 'unchanged' });
    }));
  }

  it('--base REF: a saved plan and a state committed in watched directories count neither at REF nor now', () => withSite(true, async (site) => {
    await apply(site, '--state', 'content/purge-state.json');
    await site.run(['plan', '--out', 'content/release.plan']);
    const base = site.commit('with a state and a saved plan');
    site.write('content/a.md', 'a, edited\n');
    await site.run(['plan', '--out', 'content/release.plan', '--all']);
    site.write('content/a.md', 'a\n');
    await apply(site, '--state', 'content/purge-state.json', '--all');
    assert.deepEqual(statuses(await plan(site, '--base', base, '--state', 'content/purge-state.json')), { site: 'unchanged', docs: 'unchanged' });
  }));
});
