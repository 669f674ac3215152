// Budgets and escalation on Fastly and CloudFront zones (docs/providers.md, docs/purge-yaml.md
// "Budgets and escalation"): each zone is judged at its own provider's pacing model (the one the
// plan's estimate and apply use), steps the provider cannot send are never chosen (prefixes and
// hosts on Fastly), and CloudFront's prefix and host steps become `/path/*` and `/*`. In process:
// the real pipeline (load, check, expand) and buildPlan, every group due.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAndExpand } from '../src/commands/pipeline.js';
import { UserError } from '../src/errors.js';
import { buildPlan } from '../src/plan/plan.js';
import type { Plan, PlanGroup } from '../src/plan/types.js';
import { zoneSeconds } from '../src/providers/estimate.js';
import { groupFingerprints } from '../src/reconcile/record.js';
import { renderHuman } from '../src/render/human.js';
import { plainStyle } from '../src/diagnostics.js';
import { memoryReader } from './support/config-builder.js';

const CF_ID = '023e105f4ecef8ad9ca31a8372d0c353';

function checked(yaml: string) {
  return checkAndExpand('purge.yaml', Buffer.from(yaml), memoryReader(), 1_000_000);
}

function planOf(yaml: string, options: { ignoreBudget?: boolean } = {}): Plan {
  const result = checked(yaml);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.config || !result.expansions || errors.length) throw new Error(`invalid:\n${errors.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n')}`);
  return buildPlan({
    config: result.config, configPath: 'purge.yaml', expansions: result.expansions,
    decisions: result.config.groups.map((g) => ({ name: g.name, zone: g.zone, status: 'new', due: true })),
    baseline: { kind: 'none' }, state: { path: '.purgeplan/state.json', digest: null }, watchDigests: new Map(), ignoreBudget: options.ignoreBudget,
    fingerprints: groupFingerprints(result.config.zones, result.expansions),
  });
}

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
const bodies = (plan: Plan, zone: string) => plan.requests.filter((r) => r.zone === zone).map((r) => r.body as unknown);

const ZONES = `zones:
  www: { id: ${CF_ID}, name: example.com }
  static: { provider: fastly, service_id: SU1Z0isxPaozGVKXdv0eY, name: static.example.com__FASTLY__ }
  media: { provider: cloudfront, distribution_id: E2QWRUHAPOMQZL, name: media.example.com__CLOUDFRONT__ }
`;
const file = (groups: string, fastly = '', cloudfront = ''): string => `version: 1\n${ZONES.replace('__FASTLY__', fastly).replace('__CLOUDFRONT__', cloudfront)}groups:\n${groups}`;

describe('a Fastly zone is judged at Fastly\'s pace', () => {
  const assets = `  assets:
    zone: static
    urls: ["https://static.example.com/js/{1..200}.js"]
`;

  it('200 URLs, 8 in flight, one nominal round trip each: about 2.5 s, over a 1 s budget (Cloudflare\'s model would say 0.25 s)', () => {
    const error = refusal(file(assets, ', budget: { seconds: 1 }'));
    assert.match(error.message, /^zone static is over its budget: its requests \(200 files\) take about 3 s at Fastly's 8 requests in flight, budget 1 s, and escalating its groups does not bring it within; not escalated: assets \(200 files, about 3 s\); nothing was planned$/);
    assert.match(error.hint ?? '', /a Fastly service cannot purge a prefix or a host: add escalate: \[everything\]/);
    // The same model as the plan's estimate: planned with the budget ignored, it says 2.5 s.
    const ignored = planOf(file(assets, ', budget: { seconds: 1 }'), { ignoreBudget: true });
    assert.equal(ignored.summary.estimated_seconds, 2.5);
    assert.equal(zoneSeconds(ignored.zones[1]!, ignored.requests.filter((r) => r.zone === 'static')), 2.5);
  });

  it('limits.concurrency is the model\'s: 40 in flight bring the same 200 URLs within 1 s', () => {
    const plan = planOf(file(assets, ', budget: { seconds: 1 }, limits: { concurrency: 40 }'));
    assert.equal(plan.requests.length, 200);
    assert.equal(plan.summary.estimated_seconds, 0.5);
    assert.equal(group(plan, 'assets').escalated, undefined);
  });

  it('auto, host and explicit prefixes or hosts are never chosen on Fastly: the group is refused with why, and validate warns at each step', () => {
    const yaml = file(`${assets}    budget: { items: 10 }
    escalate: [auto, host, { prefixes: [static.example.com/js/] }]
`);
    const error = refusal(yaml);
    assert.match(error.message, /^group assets is over its budget: 200 files take about 3 s at Fastly's 8 requests in flight, budget 10 items, and no escalate step fits \(auto: zone static is a Fastly service, which cannot purge a prefix; host: zone static is a Fastly service, which cannot purge a host; \{ prefixes: \[\.\.\.\] \}: zone static is a Fastly service, which cannot purge a prefix\)/);
    const warnings = checked(yaml).diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}:${d.col}: ${d.message}`);
    assert.deepEqual(warnings, [
      '11:16: groups.assets.escalate[0] never fits: zone "static" is a Fastly service, which cannot purge a prefix',
      '11:22: groups.assets.escalate[1] never fits: zone "static" is a Fastly service, which cannot purge a host',
      '11:41: groups.assets.escalate[2].prefixes[0] never fits: zone "static" is a Fastly service, which cannot purge a prefix',
    ]);
  });

  it('everything fits on Fastly where the zone allows it: purge_all', () => {
    const plan = planOf(file(`${assets}    escalate: [auto, everything]
`, ', budget: { seconds: 1 }, allow_purge_everything: true'));
    assert.deepEqual(group(plan, 'assets').escalated?.to, { everything: true });
    assert.deepEqual(bodies(plan, 'static'), [{ purge_all: true }]);
    assert.match(renderHuman({ plan }, { style: plainStyle }), /assets · escalated · 200 files → everything \(1 request\): 200 files take about 3 s at Fastly's 8 requests in flight, budget 1 s/);
  });

  it('escalating to everything where the group invalidates on Fastly is an error at the step (purge_all has no soft form)', () => {
    const errors = checked(file(`${assets}    action: invalidate
    escalate: [everything]
`, ', budget: { seconds: 1 }, allow_purge_everything: true')).diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => `${d.line}:${d.col}: ${d.message}`), ['11:16: groups.assets.escalate[0]: escalating to everything would invalidate everything on zone "static", a Fastly service, whose purge_all has no soft form']);
  });

  it('a routed group over Cloudflare and Fastly: auto does not fit (a host is on Fastly), an explicit prefix on the Cloudflare zone does', () => {
    const yaml = file(`  site:
    urls: ["https://www.example.com/blog/{1..30}/", "https://static.example.com/js/{1..5}.js"]
    budget: { items: 10 }
    escalate: [auto, { prefixes: [www.example.com/blog/] }]
`);
    const plan = planOf(yaml);
    assert.deepEqual(group(plan, 'site').escalated?.to, { prefixes: ['www.example.com/blog/'] });
    assert.deepEqual(bodies(plan, 'www'), [{ prefixes: ['www.example.com/blog/'] }]);
    assert.equal(bodies(plan, 'static').length, 5, 'the Fastly URLs are still sent, one request each');
    assert.match(refusal(yaml.replace(', { prefixes: [www.example.com/blog/] }', '')).message, /auto: zone static is a Fastly service, which cannot purge a prefix/);
  });
});

describe('a CloudFront zone is judged at CloudFront\'s pace', () => {
  const img = `  img:
    zone: media
    urls: ["https://media.example.com/img/{1..5000}.jpg"]
    escalate: [auto]
`;

  it('5,000 paths are two batches, the second waiting for the first (about 300 s): over 60 s, escalated to /img/* (Cloudflare\'s model would say 6 s)', () => {
    const plan = planOf(file(img, '', ', budget: { seconds: 60 }'));
    const escalated = group(plan, 'img').escalated!;
    assert.deepEqual(escalated.to, { prefixes: ['media.example.com/img/'] });
    assert.deepEqual(escalated.from, { files: 5000, seconds: 300.2 });
    assert.equal(escalated.requests, 1);
    assert.deepEqual(bodies(plan, 'media'), [{ paths: ['/img/*'] }]);
    assert.match(renderHuman({ plan }, { style: plainStyle }), /img · escalated · 5,000 files → prefix media\.example\.com\/img\/ \(1 request\): 5,000 files take about 301 s at CloudFront's invalidation limits, budget 60 s/);
    // The same model as the estimate of the plan without the budget.
    assert.equal(planOf(file(img, '', ', budget: { seconds: 60 }'), { ignoreBudget: true }).summary.estimated_seconds, 300.2);
    // Within a budget of 400 s, nothing is escalated.
    assert.equal(group(planOf(file(img, '', ', budget: { seconds: 400 }')), 'img').escalated, undefined);
  });

  it('host becomes /* (one path for the whole distribution); prefixes are wildcard paths, 15 a batch', () => {
    const hosts = planOf(file(img.replace('[auto]', '[host]'), '', ', budget: { items: 100 }'));
    assert.deepEqual(group(hosts, 'img').escalated?.to, { hosts: ['media.example.com'] });
    assert.deepEqual(bodies(hosts, 'media'), [{ paths: ['/*'] }]);
    const prefixes = Array.from({ length: 20 }, (_, i) => `media.example.com/img/${i}/`);
    const many = planOf(file(`  img:
    zone: media
    urls: ["https://media.example.com/img/{0..19}/{1..10}.jpg"]
    budget: { items: 10 }
    escalate: [{ prefixes: [${prefixes.join(', ')}] }]
`));
    assert.equal(group(many, 'img').escalated?.requests, 2);
    assert.deepEqual(bodies(many, 'media').map((b) => (b as { paths: string[] }).paths.length), [15, 5]);
  });
});

describe('three providers with budgets in one plan', () => {
  it('each zone at its own model, the plan\'s estimate the longest', () => {
    const plan = planOf(file(`  pages:
    urls: ["https://www.example.com/blog/{1..2000}/"]
    escalate: [auto]
  assets:
    zone: static
    urls: ["https://static.example.com/js/{1..200}.js"]
    escalate: [auto, everything]
  img:
    zone: media
    urls: ["https://media.example.com/img/{1..5000}.jpg"]
    escalate: [auto]
`, ', budget: { seconds: 2 }, allow_purge_everything: true', ', budget: { seconds: 60 }').replace(`name: example.com }`, 'name: example.com, budget: { seconds: 1 } }'));
    assert.deepEqual(plan.groups.map((g) => [g.name, g.escalated?.to]), [
      ['pages', { prefixes: ['www.example.com/blog/'] }],
      ['assets', { everything: true }],
      ['img', { prefixes: ['media.example.com/img/'] }],
    ]);
    assert.deepEqual(plan.requests.map((r) => [r.provider, r.body]), [
      ['cloudflare', { prefixes: ['www.example.com/blog/'] }],
      ['fastly', { purge_all: true }],
      ['cloudfront', { paths: ['/img/*'] }],
    ]);
    assert.ok((plan.summary.estimated_seconds ?? Infinity) < 1);
  });
});
