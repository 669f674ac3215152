// `--group NAME` makes only the named groups due (forced), whatever the baseline, `--all` included:
// the plan never says that every group is due when only some are.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  home:
    urls: ["https://www.example.com/"]
  feeds:
    tags: [feeds]
  docs:
    prefixes: [www.example.com/docs/]
`;

describe('plan --all --group X', () => {
  let site: Site;
  let standin: Standin;
  before(async () => {
    site = new Site().write('purge.yaml', CONFIG);
    standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
  });
  after(async () => {
    await standin.close();
    site.remove();
  });

  for (const args of [['--all', '--group', 'home'], ['--group', 'home', '--all'], ['--group', 'home']]) {
    it(`plan ${args.join(' ')}: only home is due, and every output says so`, async () => {
      const json = await site.run(['plan', '--json', ...args]);
      assert.equal(json.code, 0, json.stderr);
      const plan = JSON.parse(json.stdout) as { groups: { name: string; status: string; due: boolean }[]; requests: { groups: string[] }[] };
      assert.deepEqual(plan.groups.map((g) => [g.name, g.status, g.due]), [['home', 'forced', true]]);
      assert.deepEqual(plan.requests.map((r) => r.groups), [['home']]);
      const human = await site.run(['plan', ...args]);
      assert.match(human.stdout, /^purgeplan will send 1 purge request for 1 group\./);
      assert.match(human.stdout, /^Baseline: none \(only the groups given with --group are due\)\.$/m);
      assert.doesNotMatch(human.stdout, /every group is due/);
      const markdown = await site.run(['plan', '--markdown', ...args]);
      assert.match(markdown.stdout, /^Baseline: none \(only the groups given with --group are due\)$/m);
    });
  }

  it('apply --all --group X sends only that group, and says so before sending', async () => {
    const result = await site.run(['apply', '--auto-approve', '--all', '--group', 'feeds', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Baseline: none \(only the groups given with --group are due\)\.$/m);
    assert.deepEqual(standin.accepted.map((a) => a.body), [{ tags: ['feeds'] }]);
  });

  it('with a state, --group keeps the baseline and says only the named groups are due', async () => {
    const human = await site.run(['plan', '--group', 'docs']);
    assert.match(human.stdout, /^Baseline: state file \.purgeplan\/state\.json \(only the groups given with --group are due\)\.$/m);
  });
});
