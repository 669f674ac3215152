// plan_id (docs/commands.md "What decides a purge decides the plan's identity"): the digest of the
// request bodies is taken from a compact text of them (plan/plan.ts digestRequests), not from the
// plan's JSON. Any change to an item, its headers, its order or a request's head must change it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeVariant } from '../src/expand/variants.js';
import { CompactFiles } from '../src/plan/files.js';
import type { FilesRun } from '../src/plan/files.js';
import { planId } from '../src/plan/plan.js';
import type { Plan, PlannedRequest } from '../src/plan/types.js';
import { keyedConfig, planOf } from './support/config-builder.js';

const { plan } = planOf(keyedConfig({ device_type: true, geo: true }, {
  urls: ['https://www.example.com/a/', 'https://www.example.com/b/', 'https://www.example.com/c/'],
  variants: { geo: ['DE', 'US'] },
}));
const { plan_id: _id, ...base } = plan;
const request = plan.requests[0]!;
const runs = (request.body as CompactFiles).runs;

/** The plan with its first request's body made of `changed` runs (and head fields, if given). */
function withRuns(changed: readonly FilesRun[], head: Partial<PlannedRequest> = {}): Omit<Plan, 'plan_id'> {
  const size = changed.reduce((n, run) => n + run.variants.length, 0);
  return { ...base, requests: [{ ...request, ...head, size, body: new CompactFiles(changed, size) }, ...plan.requests.slice(1)] };
}

describe('plan_id: the digest of the request bodies', () => {
  it('is the id the plan was built with, and the same for the same requests', () => {
    assert.equal(planId(base), plan.plan_id);
    assert.equal(planId(withRuns(runs.map((run) => ({ ...run })))), plan.plan_id);
    // Variants are named by their headers, not by which object carries them.
    assert.equal(planId(withRuns(runs.map((run) => ({ url: run.url, variants: run.variants.map((v) => makeVariant(v.headers)) })))), plan.plan_id);
  });

  it('changes with any item, header value, order or request head', () => {
    assert.equal(runs.length, 3);
    assert.equal(runs[0]!.variants.length, 6); // 3 device types x 2 countries
    const other = makeVariant([['cf-device-type', 'desktop'], ['cf-ipcountry', 'FR']]);
    const changes: [string, Omit<Plan, 'plan_id'>][] = [
      ['a URL one character longer', withRuns([{ ...runs[0]!, url: 'https://www.example.com/a//' }, ...runs.slice(1)])],
      ['a URL whose length digits could be confused', withRuns([{ ...runs[0]!, url: 'https://www.example.com/a/1' }, ...runs.slice(1)])],
      ['one header value', withRuns([{ ...runs[0]!, variants: [other, ...runs[0]!.variants.slice(1)] }, ...runs.slice(1)])],
      ['two variants swapped', withRuns([{ ...runs[0]!, variants: [runs[0]!.variants[1]!, runs[0]!.variants[0]!, ...runs[0]!.variants.slice(2)] }, ...runs.slice(1)])],
      ['two runs swapped', withRuns([runs[1]!, runs[0]!, runs[2]!])],
      ['one item fewer', withRuns([{ ...runs[0]!, variants: runs[0]!.variants.slice(1) }, ...runs.slice(1)])],
      ['a variant moved to the next URL', withRuns([{ ...runs[0]!, variants: runs[0]!.variants.slice(1) }, { ...runs[1]!, variants: [runs[0]!.variants[0]!, ...runs[1]!.variants] }, runs[2]!])],
      ['another group', withRuns(runs, { groups: ['h'] })],
      ['the other action', withRuns(runs, { action: 'invalidate' })],
    ];
    const ids = new Map<string, string>([[plan.plan_id, 'the plan']]);
    for (const [change, changed] of changes) {
      const id = planId(changed);
      assert.ok(!ids.has(id), `${change}: same id as ${ids.get(id)}`);
      ids.set(id, change);
    }
  });
});
