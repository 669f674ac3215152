// Saved plans (`plan --out`): read back through the plan's JSON Schema, and checked before use. A
// saved plan is checked, not trusted (README "Saved plans are checked, not trusted"): `show`,
// `comment PLANFILE` and `--plan FILE` refuse a file that does not agree with itself (its summary
// and requests, its groups and requests, and the plan_id its content gives); apply rebuilds the
// plan from its configuration and baseline and sends it only when the two are the same document.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { estimatedSeconds, namesProviders, providerRequestProblem } from '../providers/plan.js';
import { validatePlan } from '../artifacts/validate.js';
import { describeJson, jsonDifference, schemaProblem } from '../artifacts/check.js';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { requestJson } from '../render/json.js';
import type { GroupDecision } from './plan.js';
import { planId, PREVIEW_ITEMS } from './plan.js';
import { DUE_STATUSES, requestKind } from './types.js';
import { requestSize } from './files.js';
import type { Plan, PlanGroup, PlannedRequest } from './types.js';

const SAVE_HINT = 'save a plan with `purgeplan plan --out FILE`';
const EDITED_HINT = `it was edited or damaged since purgeplan wrote it: ${SAVE_HINT} again`;

/**
 * A saved plan, as a Plan; a clear UserError for anything that is not one. With `consistent` (the
 * default) the plan must also agree with itself (planInconsistency): what `show` and `comment`
 * render is what `plan` wrote. apply checks more than that, and in its own order.
 */
export function readPlanFile(file: string, cwd: string, options: { consistent?: boolean } = {}): Plan {
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
    throw new UserError(`${file} is not a purgeplan plan file (it is not JSON)`, { hint: `${text.trim() === '' ? 'it is empty' : 'it may have been cut short'}; ${SAVE_HINT}` });
  }
  if (nestingDepth(value) > MAX_DEPTH) {
    throw new UserError(`${file} is not a purgeplan plan file (it nests lists or objects more than ${MAX_DEPTH} deep)`, { hint: SAVE_HINT });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('format_version' in value)) {
    throw new UserError(`${file} is not a purgeplan plan file (no format_version)`, { hint: SAVE_HINT });
  }
  const version = (value as { format_version: unknown }).format_version;
  if (version !== 1) {
    throw new UserError(`${file}: unsupported plan format_version: expected 1, got ${describeJson(version)}`, { hint: 'it was saved by another version of purgeplan: plan again with this one' });
  }
  const problem = schemaProblem(validatePlan, value);
  if (problem !== null) {
    throw new UserError(`${file} is not a complete purgeplan plan file: ${problem}`, { hint: `it was damaged or edited by hand, or saved by another version of purgeplan: ${SAVE_HINT}` });
  }
  const plan = value as Plan;
  if (options.consistent ?? true) {
    const inconsistency = planInconsistency(plan);
    if (inconsistency !== null) throw inconsistentPlan(file, inconsistency);
  }
  return plan;
}

/** Deeper than any plan purgeplan writes (a files entry's headers are 6 levels down). */
const MAX_DEPTH = 32;

/** How deep lists and objects nest in a parsed JSON value, counted without recursion (a hostile file may nest 100,000 deep). */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** The refusal of a plan file that does not agree with itself. */
export function inconsistentPlan(file: string, inconsistency: string): UserError {
  return new UserError(`${file} is not a consistent purgeplan plan: ${inconsistency}`, { hint: EDITED_HINT });
}

/**
 * The first way a plan (read through its schema) disagrees with itself, as a sentence, or null.
 * Without its configuration a plan can still be checked against itself: each request against its
 * zone and body, the summary against the requests, the groups against the requests that credit
 * them, and last the plan_id against the whole content (which covers every other field).
 */
export function planInconsistency(plan: Plan): string | null {
  const zones = new Map(plan.zones.map((z) => [z.name, z]));
  const groups = new Map<string, PlanGroup>();
  for (const [i, group] of plan.groups.entries()) {
    if (groups.has(group.name)) return `groups[${i}] names the group ${describeJson(group.name)} a second time`;
    groups.set(group.name, group);
  }

  const credited = new Set<string>();
  const named = namesProviders(plan.zones.map((z) => ({ provider: z.provider ?? 'cloudflare' })));
  for (const [i, request] of plan.requests.entries()) {
    const at = `requests[${i}]`;
    const zone = zones.get(request.zone);
    if (zone === undefined) return `${at} goes to the zone ${describeJson(request.zone)}, which the plan's zones do not list`;
    const provider = providerRequestProblem(request, zone, named);
    if (provider !== null) return `${at} ${printable(provider)}`;
    if (request.zone_id !== zone.zone_id) return `${at}.zone_id is ${describeJson(request.zone_id)}, but the zone ${describeJson(request.zone)} has the id ${describeJson(zone.zone_id)}`;
    if (request.kind !== requestKind(request.body)) return `${at}.kind is ${describeJson(request.kind)}, but its body purges ${requestKind(request.body)}`;
    if (request.size !== requestSize(request.body)) return `${at}.size is ${request.size}, but its body has ${requestSize(request.body)} items`;
    for (const name of request.groups) {
      const group = groups.get(name);
      if (group === undefined) return `${at} is for the group ${describeJson(name)}, which the plan's groups do not list`;
      if (!group.due) return `${at} is for the group ${describeJson(name)}, which the plan says is not due (${group.status})`;
      if (!group.zones.includes(request.zone)) return `${at} goes to the zone ${describeJson(request.zone)}, which the group ${describeJson(name)} does not send to`;
      credited.add(name);
    }
  }

  const summary = summaryInconsistency(plan);
  if (summary !== null) return summary;

  for (const [i, group] of plan.groups.entries()) {
    const problem = groupInconsistency(group, credited.has(group.name), zones);
    if (problem !== null) return `groups[${i}] (${printable(group.name)}) ${problem}`;
  }

  const { plan_id: saved, ...content } = plan;
  if (planId(content) !== saved) return 'its plan_id is not the one its content gives (a field was changed after the plan was made, or another version of purgeplan saved it)';
  return null;
}

function groupInconsistency(group: PlanGroup, credited: boolean, zones: ReadonlyMap<string, unknown>): string | null {
  if (group.due !== DUE_STATUSES.includes(group.status)) return `is ${group.status} but ${group.due ? 'due' : 'not due'}`;
  const zone = group.zones.length === 1 ? group.zones[0] : null;
  if (group.zone !== zone) return `has zone ${describeJson(group.zone)}, but its zones are ${describeJson(group.zones)}`;
  if (group.status !== 'removed') {
    const unknown = group.zones.find((z) => !zones.has(z));
    if (unknown !== undefined) return `sends to the zone ${describeJson(unknown)}, which the plan's zones do not list`;
  } else if (group.items !== 0) {
    return 'is removed but has items';
  }
  if (group.routes !== undefined) {
    const routed = group.routes.reduce((n, route) => n + route.items, 0);
    if (routed !== group.items) return `has ${group.items} items, but its routes add up to ${routed}`;
    if (group.routes.map((r) => r.zone).join('\n') !== group.zones.join('\n')) return 'has routes to other zones than its zones';
  }
  if (group.record !== undefined && group.record.items_count !== group.items) return `has ${group.items} items, but its record counts ${group.record.items_count}`;
  if (group.preview !== undefined && group.preview.length !== Math.min(group.items, PREVIEW_ITEMS)) return `has ${group.items} items, but a preview of ${group.preview.length}`;
  if (group.due && group.items > 0 && !credited) return `is due with ${group.items} items, but no request purges them`;
  if (group.diff !== undefined) {
    if (group.status !== 'changed') return `has a diff, but it is ${group.status} (only a changed group has one)`;
    for (const side of ['added', 'removed'] as const) {
      const listed = group.diff[side].length;
      const total = group.diff[`${side}_count`];
      if (listed > total) return `lists ${listed} ${side} items, but counts ${total}`;
    }
  }
  return null;
}

function summaryInconsistency(plan: Plan): string | null {
  const counted = { requests: plan.requests.length, files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0 };
  for (const request of plan.requests) {
    if (request.kind === 'purge_everything') counted.everything += 1;
    else counted[request.kind] += request.size;
  }
  for (const entry of plan.coverage) counted.covered += entry.covered;
  for (const [key, value] of Object.entries(counted) as [keyof typeof counted, number][]) {
    if (plan.summary[key] !== value) {
      return `summary.${key} is ${plan.summary[key]}, but ${key === 'covered' ? 'its coverage adds up to' : key === 'requests' ? 'it has' : 'its requests have'} ${value}${key === 'requests' ? ' requests' : ''}`;
    }
  }
  if (plan.summary.estimated_seconds !== undefined) {
    const estimated = estimatedSeconds(plan.zones, plan.requests);
    if (plan.summary.estimated_seconds !== estimated) return `summary.estimated_seconds is ${plan.summary.estimated_seconds}, but its requests take ${estimated}`;
  }
  return null;
}

/** The decisions a saved plan was made with (statuses, due groups, diffs). */
export function savedDecisions(plan: Plan): GroupDecision[] {
  return plan.groups.map((g) => ({
    name: g.name, zone: g.zones.join(','), status: g.status, due: g.due, ...(g.diff ? { diff: g.diff } : {}),
    ...(g.removed_items ? { removed_items: g.removed_items } : {}), ...(g.source ? { source: g.source, changes: g.changes } : {}),
  }));
}

/**
 * The planning flags a saved plan was made with, as far as they decide its statuses: `--group`
 * (its forced groups, those the configuration has), `--all` (no baseline: every group new), and
 * `--base REF`. Rebuilt with these, a plan the configuration gives is the same document.
 */
export function savedPlanning(plan: Plan, groupNames: ReadonlySet<string>): { all: boolean; groups: string[]; base?: string } {
  const forced = plan.groups.filter((g) => g.status === 'forced' && groupNames.has(g.name)).map((g) => g.name);
  return {
    // Without a baseline, --all or not gives the same plan, unless a build or sitemap group was compared with --build-base.
    all: plan.baseline.kind === 'none' && !plan.groups.some((g) => g.source !== undefined && g.source.baseline.kind !== 'none'),
    groups: forced,
    ...(plan.baseline.kind === 'git' ? { base: plan.baseline.ref } : {}),
  };
}

/** Where a saved plan differs from the rebuilt one: the sentence's subject, and the detail for the hint. */
export interface PlanDifference {
  /** `requests[3] (zone www, purge files)`, `groups[1].diff.added[0]`, or a sentence about the whole plan. */
  readonly where: string;
  /** `requests[3].body.files[2] is "…" in the plan, "…" rebuilt`, when a field was found. */
  readonly detail?: string;
  /** True when `where` is a whole sentence (`it has 0 requests where …`). */
  readonly sentence?: boolean;
}

/**
 * The first place where a saved plan differs from the plan rebuilt from its configuration, or
 * null when they are the same document: every field, in the order purgeplan writes them.
 */
export function planDifference(saved: Plan, rebuilt: Plan): PlanDifference | null {
  const savedKeys = Object.keys(saved);
  const rebuiltKeys = Object.keys(rebuilt).filter((key) => rebuilt[key as keyof Plan] !== undefined);
  for (const key of rebuiltKeys) if (!savedKeys.includes(key)) return { where: `it has no ${key}`, sentence: true };
  for (const key of savedKeys) if (!rebuiltKeys.includes(key)) return { where: `it has a field ${describeJson(key)} that purgeplan does not write`, sentence: true };
  for (const key of rebuiltKeys as (keyof Plan)[]) {
    if (key === 'requests') {
      const found = requestsDifference(saved.requests, rebuilt.requests);
      if (found !== null) return found;
      continue;
    }
    if (key === 'groups' && saved.groups.length !== rebuilt.groups.length) {
      return { where: `it has ${saved.groups.length} groups where the configuration gives ${rebuilt.groups.length}`, sentence: true };
    }
    const found = jsonDifference(saved[key], JSON.parse(JSON.stringify(rebuilt[key])) as unknown, key);
    if (found !== null) return { where: found.path, detail: `${found.path} is ${found.actual} in the plan, ${found.expected} rebuilt` };
  }
  if (savedKeys.join() !== rebuiltKeys.join()) return { where: 'its fields are not in the order purgeplan writes them', sentence: true };
  return null;
}

function requestsDifference(saved: readonly PlannedRequest[], rebuilt: readonly PlannedRequest[]): PlanDifference | null {
  if (saved.length !== rebuilt.length) return { where: `it has ${saved.length} requests where the configuration gives ${rebuilt.length}`, sentence: true };
  for (let i = 0; i < rebuilt.length; i++) {
    const json = requestJson(rebuilt[i]);
    if (JSON.stringify(saved[i]) === json) continue;
    const at = `requests[${i}]`;
    // The same values written another way (escapes, spacing) are the same request.
    const found = jsonDifference(saved[i], JSON.parse(json) as unknown, at);
    if (found === null) continue;
    return { where: `${at} (zone ${rebuilt[i].zone}, ${rebuilt[i].action} ${rebuilt[i].kind})`, detail: `${found.path} is ${found.actual} in the plan, ${found.expected} rebuilt` };
  }
  return null;
}
