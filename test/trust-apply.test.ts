// Issue 9 papercut: without a terminal, apply's closing summary counts what was sent per zone and
// action instead of listing Cloudflare's ids, which are all the zone id (docs/commands.md "apply UX").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

describe('apply without a terminal: the summary counts per zone and action', () => {
  it('www: N purge requests, M files, … ; the ids stay in the journal and --json', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
    const site = new Site().write('purge.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  pages:
    urls: ["https://www.example.com/p/{1..70}"]
  tagged:
    tags: [release, news]
`);
    try {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stderr);
      const summary = result.stdout.slice(result.stdout.indexOf('Apply complete'));
      assert.match(summary, /^Apply complete: 4 of 4 requests applied in .+\.\nSent by this run \(Cloudflare's ids are in \.purgeplan\/state\.json\.journal and in --json\):\n {2}www: 4 purge requests, 2 tags, 70 files\n?$/);
      assert.doesNotMatch(summary, /purge ids|id=/, 'no list of ids in the summary');
      const journal = readFileSync(join(site.dir, '.purgeplan', 'state.json.journal'), 'utf8');
      const ids = [...journal.matchAll(/"type":"request","index":\d+,"id":"([0-9a-f]{32})"/g)].map((m) => m[1]);
      assert.equal(ids.length, 4, 'the journal keeps the ids');
      for (const id of ids) assert.ok(!summary.includes(id), `the summary does not list ${id}`);
    } finally {
      await standin.close();
      site.remove();
    }
  });
});

describe('apply PLANFILE copied away from its configuration (issue 9 item 7)', () => {
  it('says the configuration beside the plan is missing and how to name it, not "stale: no longer valid"', async () => {
    const site = new Site().write('site/purge.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  home:
    urls: ["https://www.example.com/"]
`);
    try {
      const saved = await site.run(['plan', '-c', 'site/purge.yaml', '--out', 'site/release.plan']);
      assert.equal(saved.code, 0, saved.stderr);
      site.write('elsewhere/release.plan', site.read('site/release.plan'));
      const result = await site.run(['apply', 'elsewhere/release.plan'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: the plan elsewhere\/release\.plan names the configuration elsewhere\/purge\.yaml \(relative to the plan file\): no such file\n {2}hint: pass -c FILE/m);
      assert.doesNotMatch(result.stderr, /stale|no longer valid|purgeplan init/);
    } finally {
      site.remove();
    }
  });
});
