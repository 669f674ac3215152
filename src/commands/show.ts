// `purgeplan show PLANFILE`: renders a saved plan as plan would (human, --json, --markdown).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { DUE_STATUSES } from '../plan/types.js';
import { renderHuman } from '../render/human.js';
import { jsonChunks } from '../render/json.js';
import { renderMarkdown } from '../render/markdown.js';
import type { Io } from './io.js';

export function readPlanFile(file: string, cwd: string): Plan {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read plan file ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? 'error'}`, { hint: 'save a plan with `purgeplan plan --out FILE`' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not a purgeplan plan file (it is not JSON)`, { hint: 'save a plan with `purgeplan plan --out FILE`' });
  }
  const plan = value as Partial<Plan> | null;
  if (plan === null || typeof plan !== 'object' || !('format_version' in plan)) throw new UserError(`${file} is not a purgeplan plan file (no format_version)`);
  if (plan.format_version !== 1) throw new UserError(`${file}: unsupported plan format_version: expected 1, got ${JSON.stringify(plan.format_version)}`, { hint: 'it was saved by another version of purgeplan: plan again with this one' });
  const problem = shapeProblem(plan as Record<string, unknown>);
  if (problem !== null) {
    throw new UserError(`${file} is not a complete purgeplan plan file: ${problem}`, { hint: 'save a plan with `purgeplan plan --out FILE`' });
  }
  return plan as Plan;
}

type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === 'string';
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isObject: Check = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringOrNull: Check = (value) => value === null || typeof value === 'string';
const isStringList: Check = (value) => Array.isArray(value) && value.every(isString);
const optional = (check: Check): Check => (value) => value === undefined || check(value);
const STATUSES: readonly unknown[] = [...DUE_STATUSES, 'unchanged', 'removed'];
const isStatus: Check = (value) => STATUSES.includes(value);
const DIFF: Record<string, Check> = { added: isStringList, removed: isStringList, added_count: isNumber, removed_count: isNumber };
const isDiff: Check = (value) => isObject(value) && fieldProblem(value as Record<string, unknown>, DIFF, 'diff') === null;

/** The fields every reader of a plan (the renderers, apply) relies on, and their types. */
const FIELDS: Record<string, Record<string, Check>> = {
  config: { path: isString, digest: isString },
  baseline: { kind: isString },
  summary: Object.fromEntries(['requests', 'files', 'hosts', 'prefixes', 'tags', 'everything', 'covered', 'duplicates'].map((key) => [key, isNumber])),
  state: { path: isString, digest: isStringOrNull },
};
const ENTRIES: Record<string, Record<string, Check>> = {
  groups: { name: isString, zone: isString, status: isStatus, items: isNumber, due: (value) => typeof value === 'boolean', diff: optional(isDiff), preview: optional(isStringList), cache_key: optional(isStringOrNull) },
  requests: { zone: isString, zone_id: isStringOrNull, groups: isStringList, body: isObject },
  zones: { name: isString, zone_id: isStringOrNull, zone_name: isStringOrNull, plan: isString, cache_key: isStringOrNull },
  coverage: { zone: isString, kind: isString, value: isString, covered: isNumber },
};

function fieldProblem(value: Record<string, unknown>, fields: Record<string, Check>, path: string): string | null {
  for (const [key, check] of Object.entries(fields)) {
    if (!check(value[key])) return `${path}.${key} is ${key in value ? 'not valid' : 'missing'}`;
  }
  return null;
}

/** The first missing or mistyped field of a parsed plan file, by its path, or null. */
function shapeProblem(plan: Record<string, unknown>): string | null {
  if (typeof plan.plan_id !== 'string') return `plan_id is ${'plan_id' in plan ? 'not valid' : 'missing'}`;
  if (!isObject(plan.cache_keys)) return `cache_keys is ${'cache_keys' in plan ? 'not valid' : 'missing'}`;
  for (const [key, fields] of Object.entries(FIELDS)) {
    const value = plan[key];
    if (!isObject(value)) return `${key} is ${key in plan ? 'not valid' : 'missing'}`;
    const problem = fieldProblem(value as Record<string, unknown>, fields, key);
    if (problem !== null) return problem;
  }
  for (const [key, fields] of Object.entries(ENTRIES)) {
    const list = plan[key];
    if (!Array.isArray(list)) return `${key} is ${key in plan ? 'not a list' : 'missing'}`;
    for (let i = 0; i < list.length; i++) {
      if (!isObject(list[i])) return `${key}[${i}] is not valid`;
      const problem = fieldProblem(list[i] as Record<string, unknown>, fields, `${key}[${i}]`);
      if (problem !== null) return problem;
    }
  }
  return null;
}

export async function showCommand(file: string, options: { json: boolean; markdown: boolean }, io: Io): Promise<number> {
  const plan = readPlanFile(file, io.cwd);
  if (options.json) await io.stdoutChunks(jsonChunks(plan));
  else if (options.markdown) io.stdout(renderMarkdown(plan));
  else io.stdout(renderHuman(plan, { style: io.stdoutStyle }));
  return 0;
}
