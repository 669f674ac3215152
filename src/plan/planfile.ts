// Saved plans (`plan --out`): read back through the plan's JSON Schema, and checked against what
// their configuration gives now. A saved plan is checked, not trusted (spec §6a): apply sends it
// only when rebuilding it from its configuration gives exactly the same document.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validatePlan } from '../artifacts/validate.js';
import { schemaProblem } from '../artifacts/check.js';
import { UserError } from '../errors.js';
import { requestJson } from '../render/json.js';
import type { GroupDecision } from './plan.js';
import type { Plan } from './types.js';

const SAVE_HINT = 'save a plan with `purgeplan plan --out FILE`';

/** A saved plan, as a Plan; a clear UserError for anything that is not one. */
export function readPlanFile(file: string, cwd: string): Plan {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code ?? 'error';
    throw new UserError(`cannot read plan file ${file}: ${why}`, { hint: SAVE_HINT });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not a purgeplan plan file (it is not JSON)`, { hint: SAVE_HINT });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('format_version' in value)) {
    throw new UserError(`${file} is not a purgeplan plan file (no format_version)`, { hint: SAVE_HINT });
  }
  const version = (value as { format_version: unknown }).format_version;
  if (version !== 1) {
    throw new UserError(`${file}: unsupported plan format_version: expected 1, got ${JSON.stringify(version)}`, { hint: 'it was saved by another version of purgeplan: plan again with this one' });
  }
  const problem = schemaProblem(validatePlan, value);
  if (problem !== null) {
    throw new UserError(`${file} is not a complete purgeplan plan file: ${problem}`, { hint: `it was damaged or edited by hand, or saved by another version of purgeplan: ${SAVE_HINT}` });
  }
  return value as Plan;
}

/** The decisions a saved plan was made with (statuses, due groups, diffs for display). */
export function savedDecisions(plan: Plan): GroupDecision[] {
  return plan.groups.map((g) => ({
    name: g.name, zone: g.zones.join(','), status: g.status, due: g.due, ...(g.diff ? { diff: g.diff } : {}),
    ...(g.removed_items ? { removed_items: g.removed_items } : {}),
  }));
}

/**
 * The first place where a saved plan differs from the plan rebuilt from its configuration, as a
 * sentence (`requests[3] differs …`), or null when they are the same document.
 */
export function planDifference(saved: Plan, rebuilt: Plan): string | null {
  const savedKeys = Object.keys(saved);
  const rebuiltKeys = Object.keys(rebuilt);
  for (const key of rebuiltKeys) if (!savedKeys.includes(key)) return `it has no ${key}`;
  for (const key of savedKeys) if (!rebuiltKeys.includes(key)) return `it has a field "${key}" that purgeplan does not write`;
  if (savedKeys.join() !== rebuiltKeys.join()) return 'its fields are not in the order purgeplan writes them';
  for (const key of rebuiltKeys as (keyof Plan)[]) {
    if (key === 'requests') {
      if (saved.requests.length !== rebuilt.requests.length) return `it has ${saved.requests.length} requests where the configuration gives ${rebuilt.requests.length}`;
      for (let i = 0; i < rebuilt.requests.length; i++) {
        if (JSON.stringify(saved.requests[i]) !== requestJson(rebuilt.requests[i])) return `requests[${i}] (zone ${rebuilt.requests[i].zone}, ${rebuilt.requests[i].action} ${rebuilt.requests[i].kind}) is not what the configuration gives`;
      }
      continue;
    }
    if (key === 'groups') {
      if (saved.groups.length !== rebuilt.groups.length) return `it has ${saved.groups.length} groups where the configuration gives ${rebuilt.groups.length}`;
      for (let i = 0; i < rebuilt.groups.length; i++) {
        if (JSON.stringify(saved.groups[i]) !== JSON.stringify(rebuilt.groups[i])) return `groups[${i}] (${rebuilt.groups[i].name}) is not what the configuration gives`;
      }
      continue;
    }
    if (JSON.stringify(saved[key]) !== JSON.stringify(rebuilt[key])) return `${key} is not what the configuration gives`;
  }
  return null;
}
