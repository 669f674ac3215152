// Budgets and escalation as a plan decision (docs/purge-yaml.md, "Budgets and escalation"): which
// groups are escalated, to what, in which order, and when the plan is refused. In process: the
// real pipeline (load, check, expand) and buildPlan, every group due.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateSeconds } from '../src/cloudflare/pacing.js';
import { checkAndExpand } from '../src/commands/pipeline.js';
import { UserError } from '../src/errors.js';
import { wireBody } from '../src/plan/files.js';
import { buildPlan } from '../src/plan/plan.js';
import { groupFingerprints } from '../src/reconcile/record.js';
import type { Plan, PlanGroup } from '../src/plan/types.js';
import { renderHuman } from '../src/render/human.js';
import { renderMarkdown } from '../src/render/markdown.js';
import { plainStyle } from '../src/diagnostics.js';
import type { ListedPlan } from '../src/render/items.js';
import { memoryReader } from './support/config-builder.js';

const ID = '023e105f4ecef8ad9ca31a8372d0c353';
const OTHER_ID = '9a7806061c88ada191ed06f989cc3dac';

function planOf(yaml: string, options: { ignoreBudget?: boolean; files?: Record<string, string> } = {}): Plan {
  return listedOf(yaml, options).plan;
}

/** `planOf`'s plan with the expansions it was made from, as `plan` renders it. */
function listedOf(yaml: string, options: { ignoreBudget?: boolean; files?: Record<string, string> } = {}): ListedPlan {
  const checked = checkAndExpand('purge.yaml', Buffer.from(yaml), memoryReader(options.files), 1_000_000);
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  if (!checked.config || !checked.expansions || errors.length) throw new Error(`invalid:\n${errors.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n')}`);
  const plan = buildPlan({
    config: checked.config, configPath: 'purge.yaml', expansions: checked.expansions,
    decisions: checked.config.groups.map((g) => ({ name: g.name, zone: g.zone, status: 'new', due: true })),
    baseline: { kind: 'none' }, state: { path: '.purgeplan/state.json', digest: null }, watchDigests: new Map(), ignoreBudget: options.ignoreBudget,
    fingerprints: groupFingerprints(checked.config.zones, checked.expansions),
  });
  return { plan, expansions: checked.expansions };
}

/** The refusal planning `yaml` gives. */
function refusal(yaml: string): UserError {
  try {
    planOf(yaml);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  assert.fail('the plan was not refused');
}

const group = (plan: Plan, name: string): PlanGroup => plan.groups.find((g) => g.name === name)!;
const bodies = (plan: Plan) => plan.requests.map((r) => wireBody(r.body));
const sentFiles = (plan: Plan) => plan.requests.filter((r) => r.kind === 'files').reduce((n, r) => n + r.size, 0);

/** One free zone (with `zone` fields added) and `groups` (YAML text, indented under `groups:`). */
function file(zone: string, groups: string, extraZones = ''): string {
  return `version: 1\nzones:\n  www: { id: ${ID}, name: example.com${zone} }\n${extraZones}groups:\n${groups}`;
}

describe('escalate steps', () => {
  it('auto: the longest common path prefix in whole segments, ending in /', () => {
    const plan = planOf(file('', `  posts:
    urls: ["https://www.example.com/blog/2024/{1..30}/", "https://www.example.com/blog/2025/x.html", "https://www.example.com/blog/2025/y?page=2"]
    budget: { items: 10 }
    escalate: [auto]
`));
    assert.deepEqual(group(plan, 'posts').escalated?.to, { prefixes: ['www.example.com/blog/'] });
    assert.deepEqual(bodies(plan), [{ prefixes: ['www.example.com/blog/'] }]);
    assert.equal(plan.summary.covered, 32, 'the file items are covered by the prefix, not sent');
    assert.equal(sentFiles(plan), 0);
  });

  it('auto: a common prefix that is not a whole segment is cut back to the last "/"', () => {
    const plan = planOf(file('', `  posts:
    urls: ["https://www.example.com/blog/post-{1..20}/a", "https://www.example.com/blog/post-{1..20}/b"]
    budget: { items: 5 }
    escalate: [auto]
`));
    // /blog/post-1/ and /blog/post-2/ share "/blog/post-" as text, but only /blog/ as segments.
    assert.deepEqual(group(plan, 'posts').escalated?.to, { prefixes: ['www.example.com/blog/'] });
  });

  it('auto: one directory of pages is that directory, as deep as it goes', () => {
    const plan = planOf(file('', `  posts:
    urls: ["https://www.example.com/docs/v2/api/{a,b,c,d,e,f}.html"]
    budget: { items: 5 }
    escalate: [auto]
`));
    assert.deepEqual(group(plan, 'posts').escalated?.to, { prefixes: ['www.example.com/docs/v2/api/'] });
  });

  it('auto does not fit shallower than one segment: the next step is tried', () => {
    const yaml = file('', `  site:
    urls: ["https://www.example.com/a/{1..10}", "https://www.example.com/b/{1..10}"]
    budget: { items: 5 }
    escalate: [auto, host]
`);
    const plan = planOf(yaml);
    assert.deepEqual(group(plan, 'site').escalated?.to, { hosts: ['www.example.com'] });
    assert.deepEqual(bodies(plan), [{ hosts: ['www.example.com'] }]);
    const error = refusal(yaml.replace('[auto, host]', '[auto]'));
    assert.match(error.message, /^group site is over its budget: 20 files take less than 1 s at free-plan limits, budget 5 items, and no escalate step fits \(auto: the URLs of www\.example\.com share no path segment \(their common prefix is www\.example\.com\/\)\)/);
  });

  it('auto with several hosts: one prefix per host, and every host must have one', () => {
    const yaml = file('', `  media:
    urls: ["https://www.example.com/blog/{1..10}/", "https://static.example.com/img/{1..10}.png"]
    budget: { items: 5 }
    escalate: [auto]
`);
    assert.deepEqual(group(planOf(yaml), 'media').escalated?.to, { prefixes: ['static.example.com/img/', 'www.example.com/blog/'] });
    const rootOnOne = yaml.replace('"https://static.example.com/img/{1..10}.png"', '"https://static.example.com/{1..10}.png"');
    assert.match(refusal(rootOnOne).message, /auto: the URLs of static\.example\.com share no path segment/);
  });

  it('auto: a prefix deeper than 31 "/" is cut to 31', () => {
    const deep = Array.from({ length: 35 }, (_, i) => `d${i}`).join('/');
    const plan = planOf(file('', `  deep:
    urls: ["https://www.example.com/${deep}/{1..10}"]
    budget: { items: 5 }
    escalate: [auto]
`));
    const to = group(plan, 'deep').escalated?.to as { prefixes: string[] };
    assert.equal(to.prefixes[0]!.split('/').length - 1, 31);
    assert.ok(to.prefixes[0]!.endsWith('/d29/'));
    assert.equal(sentFiles(plan), 0, 'the shorter prefix still covers every URL');
  });

  it('auto: URLs with a port do not fit (a prefix has no port)', () => {
    assert.match(refusal(file('', `  admin:
    urls: ["https://www.example.com:8443/admin/{1..10}"]
    budget: { items: 5 }
    escalate: [auto]
`)).message, /auto: the URLs of www\.example\.com:8443 carry a port/);
  });

  it('host: each host of the group\'s URLs', () => {
    const plan = planOf(file('', `  media:
    urls: ["https://www.example.com/{1..10}", "https://static.example.com/{1..10}"]
    budget: { items: 5 }
    escalate: [host]
`));
    assert.deepEqual(group(plan, 'media').escalated?.to, { hosts: ['static.example.com', 'www.example.com'] });
    assert.equal(group(plan, 'media').escalated?.requests, 1);
  });

  it('explicit prefixes and hosts take patterns with the group\'s vars', () => {
    const plan = planOf(file('', `  news:
    urls: ["https://www.example.com/{section}/{1..20}"]
    vars: { section: [blog, news] }
    budget: { items: 5 }
    escalate: [{ prefixes: ["https://www.example.com/{section}/"] }]
`));
    assert.deepEqual(group(plan, 'news').escalated?.to, { prefixes: ['www.example.com/blog/', 'www.example.com/news/'] });
    const hosts = planOf(file('', `  news:
    urls: ["https://{a,b}.example.com/x"]
    budget: { items: 1 }
    escalate: [{ hosts: ["{a,b}.example.com"] }]
`));
    assert.deepEqual(group(hosts, 'news').escalated?.to, { hosts: ['a.example.com', 'b.example.com'] });
  });

  it('an explicit prefix that leaves files uncovered fits only when what is left is within budget', () => {
    const yaml = file('', `  news:
    urls: ["https://www.example.com/blog/{1..20}", "https://www.example.com/other/{1..3}"]
    budget: { items: 2 }
    escalate: [{ prefixes: [www.example.com/blog/] }, host]
`);
    // 3 files would still be sent after the prefix: over 2, so host is taken.
    assert.deepEqual(group(planOf(yaml), 'news').escalated?.to, { hosts: ['www.example.com'] });
    // Within a budget of 3, the prefix fits and the 3 other files are still sent.
    const within = planOf(yaml.replace('items: 2', 'items: 3'));
    assert.deepEqual(group(within, 'news').escalated?.to, { prefixes: ['www.example.com/blog/'] });
    assert.equal(sentFiles(within), 3);
    assert.match(refusal(yaml.replace(', host]', ']')).message, /\{ prefixes: \[\.\.\.\] \}: 3 files would still be sent/);
  });

  it('everything where the zone allows it: one purge of everything', () => {
    const plan = planOf(file(', allow_purge_everything: true', `  all:
    urls: ["https://www.example.com/{1..100}"]
    budget: { items: 10 }
    escalate: [everything]
`));
    assert.deepEqual(group(plan, 'all').escalated?.to, { everything: true });
    assert.deepEqual(bodies(plan), [{ purge_everything: true }]);
  });

  it('an invalidating group is escalated to an invalidated prefix', () => {
    const plan = planOf(file(', action: invalidate', `  docs:
    urls: ["https://www.example.com/docs/{1..50}"]
    budget: { items: 10 }
    escalate: [auto]
`));
    assert.deepEqual(plan.requests.map((r) => [r.action, wireBody(r.body)]), [['invalidate', { prefixes: ['www.example.com/docs/'] }]]);
  });

  it('a routed group sends each escalated prefix to the zone of its host', () => {
    const plan = planOf(`version: 1
zones:
  com: { id: ${ID}, name: example.com }
  org: { id: ${OTHER_ID}, name: example.org }
groups:
  both:
    urls: ["https://www.example.com/blog/{1..10}", "https://www.example.org/news/{1..10}"]
    budget: { items: 5 }
    escalate: [auto]
`);
    assert.deepEqual(plan.requests.map((r) => [r.zone, wireBody(r.body)]), [['com', { prefixes: ['www.example.com/blog/'] }], ['org', { prefixes: ['www.example.org/news/'] }]]);
    assert.equal(group(plan, 'both').escalated?.requests, 2);
  });
});

describe('budgets', () => {
  const three = (budget: string) => file(`, budget: ${budget}`, `  big:
    urls: ["https://www.example.com/big/{1..30000}"]
    escalate: [auto]
  middle:
    urls: ["https://www.example.com/middle/{1..20000}"]
    escalate: [auto]
  small:
    urls: ["https://www.example.com/small/{1..10000}"]
    escalate: [auto]
`);
  const escalated = (plan: Plan) => plan.groups.filter((g) => g.escalated).map((g) => g.name);

  it('a group within its budget is not escalated, and the plan is as without budgets', () => {
    const yaml = file('', `  posts:
    urls: ["https://www.example.com/blog/{1..10}"]
    budget: { items: 10 }
    escalate: [auto]
`);
    const plan = planOf(yaml);
    assert.equal(group(plan, 'posts').escalated, undefined);
    assert.deepEqual(bodies(plan), bodies(planOf(yaml.replace(/    budget.*\n    escalate.*\n/, ''))));
    assert.ok(!JSON.stringify(plan).includes('escalated') && !JSON.stringify(plan).includes('ignore_budget'));
  });

  it('budgets that are met change nothing, across zones, actions, routing, dedupe and coverage', () => {
    const yaml = (budget: string) => `version: 1
zones:
  com: { id: ${ID}, name: example.com, plan: pro${budget} }
  org: { id: ${OTHER_ID}, name: example.org, action: invalidate${budget} }
cache_keys:
  dev: { device_type: true }
groups:
  routed:
    urls: ["https://www.example.com/a/{1..40}", "https://www.example.org/a/{1..40}"]
    cache_key: dev
  shared:
    zone: com
    urls: ["https://www.example.com/a/{1..10}", "https://www.example.com/b/{1..50}"]
    cache_key: dev
  covering:
    zone: com
    prefixes: [www.example.com/b/]
    tags: [t]
  soft:
    zone: org
    action: purge
    urls: ["https://www.example.org/a/{1..5}"]
    hosts: [static.example.org]
`;
    const plain = planOf(yaml(''));
    const budgeted = planOf(yaml(', budget: { seconds: 1000, items: 100000 }'));
    assert.deepEqual(bodies(budgeted), bodies(plain));
    assert.deepEqual(budgeted.requests.map((r) => [r.zone, r.action, r.groups]), plain.requests.map((r) => [r.zone, r.action, r.groups]));
    assert.deepEqual(budgeted.summary, plain.summary);
    assert.deepEqual(budgeted.coverage, plain.coverage);
    assert.ok(plain.summary.duplicates > 0 && plain.summary.covered > 0, 'the plan dedupes and covers');
  });

  it('a zone over budget escalates the largest group first and stops as soon as it is within', () => {
    // 60,000 files take about 78 s on Free; without "big" 30,000 take about 39 s.
    assert.deepEqual(escalated(planOf(three('{ seconds: 45 }'))), ['big']);
    // Without big and middle, 10,000 files take about 13 s.
    assert.deepEqual(escalated(planOf(three('{ seconds: 20 }'))), ['big', 'middle']);
    assert.deepEqual(escalated(planOf(three('{ seconds: 5 }'))), ['big', 'middle', 'small']);
    assert.deepEqual(escalated(planOf(three('{ seconds: 100 }'))), []);
  });

  it('largest means the largest estimate, whatever the file order', () => {
    const yaml = file(', budget: { items: 25000 }', `  small:
    urls: ["https://www.example.com/small/{1..10000}"]
    escalate: [auto]
  big:
    urls: ["https://www.example.com/big/{1..30000}"]
    escalate: [auto]
`);
    assert.deepEqual(escalated(planOf(yaml)), ['big']);
    assert.match(group(planOf(yaml), 'big').escalated!.reason, /^zone www: 40,000 files, over its budget of 25,000 items$/);
  });

  it('a zone budget skips groups without escalate, and is refused when the rest cannot bring it within', () => {
    const yaml = file(', budget: { seconds: 45 }', `  fixed:
    urls: ["https://www.example.com/fixed/{1..40000}"]
  other:
    urls: ["https://www.example.com/other/{1..20000}"]
    escalate: [auto]
`);
    const error = refusal(yaml);
    assert.match(error.message, /^zone www is over its budget: its requests \(40,000 files\) take about 53 s at free-plan limits, budget 45 s, and escalating its groups does not bring it within; not escalated: fixed \(40,000 files, about 53 s\); nothing was planned$/);
    assert.match(error.hint!, /raise zones\.www\.budget\.seconds, or plan with --ignore-budget/);
    assert.deepEqual(escalated(planOf(yaml.replace('seconds: 45', 'seconds: 60'))), ['other']);
  });

  it('from.seconds is the group\'s own files at its tier, by the pacing model apply uses', () => {
    const plan = planOf(three('{ seconds: 45 }'));
    const big = group(plan, 'big').escalated!;
    const chunks = Array.from({ length: 1000 }, () => ({ tier: 'free' as const, kind: 'files' as const, size: 30 }));
    assert.deepEqual(big.from, { files: 30000, seconds: estimateSeconds(chunks) });
    assert.deepEqual(big.budget, { zone: 'www', seconds: 45 });
  });

  it('a zone\'s seconds are the plan\'s own estimate of its requests', () => {
    const yaml = (seconds: number) => file(`, plan: pro, budget: { seconds: ${seconds} }`, `  pages:
    urls: ["https://www.example.com/p/{1..9000}"]
    escalate: [auto]
  tagged:
    tags: [t]
`);
    const estimated = planOf(yaml(10_000)).summary.estimated_seconds!;
    assert.ok(estimated > 1);
    assert.equal(group(planOf(yaml(estimated)), 'pages').escalated, undefined, 'at the estimate: within');
    assert.deepEqual(group(planOf(yaml(estimated - 0.01)), 'pages').escalated?.to, { prefixes: ['www.example.com/p/'] });
  });

  it('budgets count file items after dedupe and coverage', () => {
    const yaml = file('', `  posts:
    urls: ["https://www.example.com/blog/{1..20}"]
    budget: { items: 10 }
  feed:
    prefixes: [www.example.com/blog/1]
`);
    // The declared prefix covers /blog/1 only (a prefix ends at a segment boundary): 19 files are left to count.
    assert.match(refusal(yaml).message, /19 files take/);
    const covered = yaml.replace('www.example.com/blog/1]', 'www.example.com/blog/]');
    assert.equal(group(planOf(covered), 'posts').escalated, undefined, 'every file covered: nothing over budget');
  });

  it('a group over its items budget with no escalate is refused, naming count, estimate, budget and fix', () => {
    const error = refusal(file('', `  posts:
    urls: ["https://www.example.com/blog/{1..48000}/"]
    budget: { items: 5000 }
`));
    assert.equal(error.message, 'group posts is over its budget: 48,000 files take about 63 s at free-plan limits, budget 5,000 items, and it has no escalate step; nothing was planned');
    assert.match(error.hint!, /escalate: \[auto\].*groups\.posts.*raise groups\.posts\.budget\.items.*--ignore-budget to send the 48,000 files this once/);
  });

  it('several overruns are all named', () => {
    const error = refusal(file(', budget: { items: 1 }', `  a:
    urls: ["https://www.example.com/a/{1..5}"]
    budget: { items: 2 }
  b:
    urls: ["https://www.example.com/b/{1..5}"]
`));
    assert.match(error.message, /^2 budgets are exceeded; nothing was planned:\n  - group a is over its budget: .*\n  - zone www is over its budget: 10 files, budget 1 items/);
  });

  it('--ignore-budget: nothing escalated, nothing refused, and the plan says so', () => {
    const yaml = file('', `  posts:
    urls: ["https://www.example.com/blog/{1..100}/"]
    budget: { items: 5 }
    escalate: [auto]
  fixed:
    urls: ["https://www.example.com/x/{1..100}/"]
    budget: { items: 5 }
`);
    const listed = listedOf(yaml, { ignoreBudget: true });
    const { plan } = listed;
    assert.equal(plan.ignore_budget, true);
    assert.equal(sentFiles(plan), 200);
    assert.ok(plan.groups.every((g) => g.escalated === undefined));
    assert.match(renderHuman(listed, { style: plainStyle }), /Budgets were ignored for this run \(--ignore-budget\): nothing was escalated\./);
  });

  it('a group escalated by its own budget is not escalated again for its zone', () => {
    const plan = planOf(file(', budget: { items: 100 }', `  a:
    urls: ["https://www.example.com/a/{1..500}"]
    budget: { items: 50 }
    escalate: [auto, host]
  b:
    urls: ["https://www.example.com/b/{1..200}"]
    escalate: [auto]
`));
    assert.deepEqual(group(plan, 'a').escalated?.budget, { group: 'a', items: 50 });
    assert.deepEqual(group(plan, 'a').escalated?.to, { prefixes: ['www.example.com/a/'] });
    assert.deepEqual(group(plan, 'b').escalated?.budget, { zone: 'www', items: 100 });
  });
});

describe('the escalated group in the plan', () => {
  const yaml = file(', budget: { seconds: 10 }', `  posts:
    urls: ["https://www.example.com/blog/{1..48000}/"]
    escalate: [auto, host]
  home:
    urls: ["https://www.example.com/"]
`);

  it('human: marked ↑ with the counts, the estimate and the budget, and the note on variants once', () => {
    const text = renderHuman(listedOf(yaml), { style: plainStyle });
    assert.ok(text.includes('\n  ↑ posts · escalated · 48,000 files → prefix www.example.com/blog/ (1 request): 48,000 files take about 63 s at free-plan limits, budget 10 s\n'), text);
    assert.equal(text.split('A prefix or host purge removes every variant under it, declared or not.').length, 2);
    assert.match(text, /↑ escalated over a budget/);
    assert.ok(!text.includes('https://www.example.com/blog/1/'), 'its file items are not listed as sent');
  });

  it('markdown: the same line and note', () => {
    const text = renderMarkdown(listedOf(yaml));
    assert.ok(text.includes('- ↑ **posts** · escalated · 48,000 files → prefix `www.example.com/blog/` (1 request): 48,000 files take about 63 s at free-plan limits, budget 10 s'), text);
    assert.ok(text.includes('A prefix or host purge removes every variant under it, declared or not.'));
    assert.match(text, /\| posts \| www \| new, escalated \| 48,000 \| ✅ \|/);
  });

  it('json: escalated {from, to, reason}; the group keeps its items and record', () => {
    const plan = planOf(yaml);
    const posts = group(plan, 'posts');
    assert.deepEqual(posts.escalated, {
      from: { files: 48000, seconds: posts.escalated!.from.seconds }, to: { prefixes: ['www.example.com/blog/'] },
      reason: 'zone www: its requests take about 63 s at free-plan limits, over its budget of 10 s', budget: { zone: 'www', seconds: 10 }, requests: 1,
    });
    assert.equal(posts.items, 48000);
    assert.equal(posts.record?.items_count, 48000, 'the state will record its file items');
    assert.deepEqual(plan.requests.find((r) => r.kind === 'prefixes')?.groups, ['posts']);
  });

  it('cache_reserve: a warning counting purged file items and host, prefix, tag and everything requests', () => {
    const listed = listedOf(file(', cache_reserve: true', `  pages:
    urls: ["https://www.example.com/p/{1..45}"]
  hosts:
    hosts: [a.example.com, b.example.com]
  sections:
    prefixes: [www.example.com/x/, www.example.com/y/]
  tagged:
    tags: [t1, t2, t3]
  soft:
    action: invalidate
    urls: ["https://www.example.com/q/{1..7}"]
`));
    const warning = 'zone www uses Cache Reserve: this plan purges 45 file items, 1 host request, 1 prefix request, 1 tag request; every object they remove is refilled from the origin into Cache Reserve, each refill a billed Class A write. For content that may not have changed, consider action: invalidate (it revalidates instead).';
    assert.ok(renderHuman(listed, { style: plainStyle }).includes(`Warning: ${warning}`));
    assert.ok(renderMarkdown(listed).includes('> [!WARNING]\n> zone `www` uses Cache Reserve: this plan purges 45 file items'));
    assert.equal(listed.plan.zones[0]!.cache_reserve, true);
    const none = listedOf(file('', '  pages:\n    urls: ["https://www.example.com/p/1"]\n'));
    assert.ok(!renderHuman(none, { style: plainStyle }).includes('Cache Reserve'));
    assert.ok(!('cache_reserve' in none.plan.zones[0]!));
  });
});
