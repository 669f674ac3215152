// Budgets and escalation through the built CLI (docs/purge-yaml.md, "Budgets and escalation";
// docs/commands.md, --ignore-budget): the refusal and its exit code, --ignore-budget for plan,
// saved plans and apply, positioned validation errors, and apply against the Cloudflare
// stand-in sending the escalated prefix, after which the group is no longer due.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Site, TOKEN, withStandinSite, ZONE_ID } from './support/site.js';

const env = { CLOUDFLARE_API_TOKEN: TOKEN };

/** 3,000 blog pages (about 2 s at pro-plan limits) and a home page, on a zone with a 1-second budget. */
function config(options: { escalate?: string; budget?: string } = {}): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, budget: ${options.budget ?? '{ seconds: 1 }'} }
groups:
  posts:
    urls: ["https://www.example.com/blog/{1..3000}/"]${options.escalate === undefined ? '\n    escalate: [auto, host]' : options.escalate}
  home:
    urls: ["https://www.example.com/", "https://www.example.com/about/"]
`;
}

interface Body { files?: unknown[]; prefixes?: string[] }

async function withSite(yaml: string, body: (site: Site) => Promise<void>): Promise<void> {
  const site = new Site().write('purge.yaml', yaml);
  try {
    await body(site);
  } finally {
    site.remove();
  }
}

describe('budget: plan', () => {
  it('over budget with no escalate: exit 1, the error names the group, count, estimate, budget and fix; nothing on stdout', async () => {
    await withSite(config({ escalate: '', budget: '{ items: 1000 }' }), async (site) => {
      for (const args of [['plan'], ['plan', '--json'], ['plan', '--markdown']]) {
        const result = await site.run(args);
        assert.equal(result.code, 1, result.stderr);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /^error: zone www is over its budget: 3,002 files, budget 1,000 items, and escalating its groups does not bring it within; not escalated: posts \(3,000 files, about 2 s\), home \(2 files, less than 1 s\); nothing was planned\n  hint: .*raise zones\.www\.budget\.items, or plan with --ignore-budget/);
      }
    });
  });

  it('--ignore-budget plans every file for this run, and says so', async () => {
    await withSite(config({ escalate: '' }), async (site) => {
      const result = await site.run(['plan', '--json', '--ignore-budget']);
      assert.equal(result.code, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { ignore_budget?: boolean; summary: { files: number }; groups: { escalated?: unknown }[] };
      assert.equal(plan.ignore_budget, true);
      assert.equal(plan.summary.files, 3002);
      assert.ok(plan.groups.every((g) => g.escalated === undefined));
      const human = await site.run(['plan', '--ignore-budget']);
      assert.match(human.stdout, /Budgets were ignored for this run \(--ignore-budget\): nothing was escalated\./);
    });
  });

  it('the escalated plan is the same bytes on every run', async () => {
    await withSite(config(), async (site) => {
      const first = await site.run(['plan', '--json']);
      const second = await site.run(['plan', '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, second.stdout);
      const plan = JSON.parse(first.stdout) as { groups: { name: string; escalated?: { to: unknown; from: { files: number } } }[] };
      assert.deepEqual(plan.groups[0]!.escalated?.to, { prefixes: ['www.example.com/blog/'] });
      assert.equal(plan.groups[0]!.escalated?.from.files, 3000);
    });
  });

  it('one pacing model: from.seconds is what the plan estimates for the same files sent', async () => {
    // posts alone in its zone: its escalated estimate is the closing estimate of the plan that sends its files.
    await withSite(config().replace(/  home:\n.*\n/, ''), async (site) => {
      const escalated = JSON.parse((await site.run(['plan', '--json'])).stdout) as { groups: { escalated: { from: { seconds: number } } }[] };
      const ignored = JSON.parse((await site.run(['plan', '--json', '--ignore-budget'])).stdout) as { summary: { estimated_seconds: number } };
      assert.ok(ignored.summary.estimated_seconds > 1);
      assert.equal(escalated.groups[0]!.escalated.from.seconds, ignored.summary.estimated_seconds);
    });
  });

  it('show renders a saved escalated plan; fmt puts budget, escalate and cache_reserve in their place', async () => {
    const yaml = `version: 1
zones:
  www:
    cache_reserve: true
    budget: { items: 10 }
    id: ${ZONE_ID}
groups:
  posts:
    escalate: [auto]
    budget: { items: 5 }
    urls: ["https://www.example.com/blog/{1..20}/"]
`;
    await withSite(yaml, async (site) => {
      assert.equal((await site.run(['plan', '--out', 'saved.plan'])).code, 0);
      const shown = await site.run(['show', 'saved.plan']);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /↑ posts · escalated · 20 files → prefix www\.example\.com\/blog\/ \(1 request\): 20 files take less than 1 s at free-plan limits, budget 5 items/);
      assert.match(shown.stdout, /Warning: zone www uses Cache Reserve: this plan purges 1 prefix request;/);
      const json = await site.run(['plan', '--json']);
      assert.match(json.stderr, /^warning: zone www uses Cache Reserve: this plan purges 1 prefix request; .*Class A write\. For content that may not have changed, consider action: invalidate/m);
      assert.equal((JSON.parse(json.stdout) as { zones: { cache_reserve?: boolean }[] }).zones[0]!.cache_reserve, true);
      assert.equal((await site.run(['fmt'])).code, 0);
      assert.equal(site.read('purge.yaml'), `version: 1
zones:
  www:
    id: ${ZONE_ID}
    budget: {items: 10}
    cache_reserve: true
groups:
  posts:
    urls: ["https://www.example.com/blog/{1..20}/"]
    budget: {items: 5}
    escalate: [auto]
`);
    });
  });

  it('an explicit step past --max-items is an error at the step, never expanded', async () => {
    await withSite(config({ escalate: '\n    escalate: [{ prefixes: ["www.example.com/{1..100000000}/"] }]' }), async (site) => {
      const result = await site.run(['plan']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /purge\.yaml:7:18: error: groups\.posts\.escalate\[0\]\.prefixes expands to 100,000,000 prefixes, more than --max-items leaves for it/);
    });
  });

  it('a file without budget, escalate or cache_reserve has no budget fields in plan --json', async () => {
    await withSite(config({ escalate: '' }).replace(', budget: { seconds: 1 }', ''), async (site) => {
      const result = await site.run(['plan', '--json']);
      assert.equal(result.code, 0, result.stderr);
      for (const key of ['escalated', 'ignore_budget', 'cache_reserve']) assert.ok(!result.stdout.includes(`"${key}"`), key);
    });
  });

  it('everything as a step where the zone does not allow it: a positioned error at the step', async () => {
    await withSite(config({ escalate: '\n    escalate: [auto, everything]' }), async (site) => {
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^purge\.yaml:7:22: error: groups\.posts\.escalate\[1\]: escalating to everything needs allow_purge_everything: true on zone "www"\n  hint: /m);
      const allowed = await new Site().write('purge.yaml', config({ escalate: '\n    escalate: [everything]' }).replace('plan: pro,', 'plan: pro, allow_purge_everything: true,'));
      try {
        const plan = await allowed.run(['plan', '--json']);
        assert.equal(plan.code, 0, plan.stderr);
        assert.deepEqual((JSON.parse(plan.stdout) as { requests: { body: unknown }[] }).requests.map((r) => r.body), [{ purge_everything: true }]);
      } finally {
        allowed.remove();
      }
    });
  });

  it('schema and semantic errors in budget and escalate are positioned', async () => {
    await withSite(config({ escalate: '\n    budget: { items: "many" }\n    escalate: [sometimes, { prefixes: [a.example.com/x/], hosts: [b.example.com] }]', budget: '{}' }), async (site) => {
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /purge\.yaml:3:86: error: zones\.www\.budget is empty: give seconds, items or both/);
      assert.match(result.stderr, /purge\.yaml:7:22: error: groups\.posts\.budget\.items must be a whole number \(got the string "many"\)/);
      assert.match(result.stderr, /purge\.yaml:8:16: error: groups\.posts\.escalate\[0\]: "sometimes" is not auto, host, everything, \{ prefixes: \[\.\.\.\] \} or \{ hosts: \[\.\.\.\] \}/);
      assert.match(result.stderr, /purge\.yaml:8:27: error: groups\.posts\.escalate\[1\]: a step is one of .*, not both prefixes and hosts/);
    });
  });
});

describe('budget: apply', () => {
  it('sends the escalated prefix, records the group, and the next plan has nothing due', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      const applied = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /↑ posts · escalated · 3,000 files → prefix www\.example\.com\/blog\/ \(1 request\)/);
      const bodies = standin.accepted.map((a) => a.body as Body);
      assert.deepEqual(bodies, [{ prefixes: ['www.example.com/blog/'] }, { files: ['https://www.example.com/', 'https://www.example.com/about/'] }]);
      const state = JSON.parse(site.read('.purgeplan/state.json')) as { groups: Record<string, { items_count: number }> };
      assert.equal(state.groups.posts?.items_count, 3000, 'recorded as purged with its file items');
      const again = await site.run(['plan', '--detailed-exitcode']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /No purges planned\./);
      assert.match(again.stdout, /= posts · unchanged/);
    });
  });

  it('a saved escalated plan is applied as saved', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      const applied = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      assert.deepEqual(standin.accepted.map((a) => (a.body as Body).prefixes ?? 'files'), [['www.example.com/blog/'], 'files']);
    });
  });

  it('--ignore-budget: a saved plan keeps it, apply PLANFILE refuses the flag itself, apply records it in the journal', async () => {
    await withStandinSite({}, config({ escalate: '' }), async (site, standin) => {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 1, 'over budget: not saved');
      assert.equal((await site.run(['plan', '--ignore-budget', '--out', 'release.plan'])).code, 0);
      const refused = await site.run(['apply', 'release.plan', '--ignore-budget', '--api-url', standin.url], { env });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /--ignore-budget cannot be used with a plan file/);
      assert.equal(standin.accepted.length, 0);
      const applied = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      const files = standin.accepted.flatMap((a) => (a.body as Body).files ?? []);
      assert.equal(files.length, 3002);
    });
    await withStandinSite({}, config({ escalate: '' }), async (site, standin) => {
      const applied = await site.run(['apply', '--auto-approve', '--ignore-budget', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      const header = JSON.parse(site.read('.purgeplan/state.json.journal').split('\n')[0]!) as { options: { ignore_budget?: boolean } };
      assert.equal(header.options.ignore_budget, true);
    });
  });
});
