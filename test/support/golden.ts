// Reading the golden files and the scenario plans they were made from (test/golden/scenarios.ts).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { ListedPlan } from '../../src/render/items.js';
import { SCENARIOS } from '../golden/scenarios.js';

export const GOLDEN = new URL('../../../test/golden/', import.meta.url);
export const UPDATE = 'if the change is intended, run `npm run build && node scripts/update-golden.mjs` and review the diff';

export function golden(name: string): string {
  const url = new URL(name, GOLDEN);
  assert.ok(existsSync(url), `test/golden/${name} is missing: ${UPDATE}`);
  return readFileSync(url, 'utf8');
}

const plans = new Map(SCENARIOS.map((s) => [s.name, s.plan()]));

export function scenario(name: string): ListedPlan {
  const plan = plans.get(name);
  assert.ok(plan, `no scenario ${name}`);
  return plan;
}
