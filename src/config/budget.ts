// Budgets, escalate steps and Cache Reserve (docs/purge-yaml.md, "Budgets and escalation"): the
// rules a schema cannot express, and the values the planner reads. The plan decides what to
// escalate (src/plan/escalate.ts); here each step is checked where it is written.
import { count } from '../format.js';
import type { Checker } from './checker.js';
import { expandEntries } from './entries.js';
import { displayPath } from './path.js';
import type { PathSegment } from './path.js';
import { flag, record } from './raw.js';
import type { Raw } from './raw.js';
import { zoneForHost } from './route.js';
import type { EscalateStep, Zone, ZoneBudget } from './types.js';
import { normalizeHost, normalizePrefix } from './values.js';
import type { Vars } from './vars.js';

const wholeNumber = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null);
const seconds = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null);

/** A zone's `budget` and `cache_reserve`, as its Zone carries them (absent when not set). */
export function zoneBudget(c: Checker, name: string, raw: Raw, path: readonly PathSegment[]): { budget?: ZoneBudget; cacheReserve?: boolean } {
  const rawBudget = record(raw.budget);
  let budget: ZoneBudget | undefined;
  if (rawBudget !== undefined) {
    budget = { seconds: seconds(rawBudget.seconds), items: wholeNumber(rawBudget.items) };
    if (rawBudget.seconds === undefined && rawBudget.items === undefined) {
      c.error([...path, 'budget'], 'value', `zones.${name}.budget is empty: give seconds, items or both`, 'e.g. budget: { seconds: 120 } (the estimated send time at the zone\'s plan limits) or budget: { items: 50000 } (due file items)');
    }
  }
  return { ...(budget && (budget.seconds !== null || budget.items !== null) ? { budget } : {}), ...(flag(raw.cache_reserve) ? { cacheReserve: true } : {}) };
}

/** What the escalate check needs to know of a group. */
export interface EscalationInput {
  readonly name: string;
  readonly raw: Raw;
  readonly path: readonly PathSegment[];
  /** The group's zone; undefined for a routed group (or an unknown zone, reported already). */
  readonly zone: Zone | undefined;
  readonly routed: boolean;
  readonly vars: Vars;
  readonly zones: readonly Zone[];
  /** How many values explicit steps may expand to (what is left of --max-items). */
  readonly maxValues: number;
}

/** A group's `budget` and `escalate`, checked; absent when not set. */
export function groupEscalation(c: Checker, input: EscalationInput): { budget?: { items: number }; escalate?: EscalateStep[] } {
  const { raw } = input;
  const items = wholeNumber(record(raw.budget)?.items);
  const steps = Array.isArray(raw.escalate) ? raw.escalate.flatMap((step, i) => stepOf(c, input, step, i) ?? []) : [];
  if (Array.isArray(raw.escalate) && raw.escalate.length > 0) escalateWarnings(c, input, items !== null);
  return { ...(items !== null ? { budget: { items } } : {}), ...(steps.length ? { escalate: steps } : {}) };
}

/** One step, checked; undefined for a step of the wrong type (reported by the schema) or one in error. */
function stepOf(c: Checker, input: EscalationInput, step: unknown, i: number): EscalateStep | undefined {
  const at = [...input.path, 'escalate', i];
  const where = displayPath(at);
  if (step === 'auto' || step === 'host') {
    if (input.zone?.provider === 'fastly') fastlyStepWarning(c, input.zone.name, at, step === 'auto' ? 'a prefix' : 'a host');
    return { kind: step, at: where };
  }
  if (step === 'everything') return everythingStep(c, input, at) ? { kind: 'everything', at: where } : undefined;
  const mapping = record(step);
  if (mapping === undefined) return undefined;
  const keys = (['prefixes', 'hosts'] as const).filter((key) => mapping[key] !== undefined);
  if (keys.length !== 1) {
    c.error(at, 'value', `${where}: a step is one of auto, host, everything, { prefixes: [...] } or { hosts: [...] }${keys.length ? ', not both prefixes and hosts' : ''}`, keys.length ? 'write each as a step of its own, in the order they should be tried: [{ prefixes: [...] }, { hosts: [...] }]' : 'e.g. { prefixes: [www.example.com/blog/] }');
    return undefined;
  }
  const kind = keys[0]!;
  const found = expandEntries(mapping[kind], [...at, kind], kind === 'prefixes' ? normalizePrefix : normalizeHost, c.error, {
    vars: input.vars.vars, brokenVars: input.vars.brokenVars, budget: input.maxValues, skipEmpty: true, textOf: c.textOf,
  });
  if (found.counted > input.maxValues) {
    c.error([...at, kind], 'key', `${displayPath([...at, kind])} expands to ${count(found.countedExact)} ${kind}, more than --max-items leaves for it (${count(input.maxValues)})`, 'list fewer, broader prefixes or hosts');
    return undefined;
  }
  if (input.routed && !routedValues(c, input, [...at, kind], found.values, found.entryOf, kind)) return undefined;
  const onFastly = found.values.map((value) => [value, input.routed ? zoneForHost(input.zones, kind === 'prefixes' ? value.split('/')[0]! : value) : input.zone] as const)
    .find(([, zone]) => zone?.provider === 'fastly');
  if (onFastly !== undefined) fastlyStepWarning(c, onFastly[1]!.name, [...at, kind, found.entryOf.get(onFastly[0])!], kind === 'prefixes' ? 'a prefix' : 'a host');
  return found.values.length ? { kind, values: found.values, at: where } : undefined;
}

/** A step that puts a prefix or host on a Fastly zone never fits (docs/providers.md): said where it is written. */
function fastlyStepWarning(c: Checker, zone: string, at: readonly PathSegment[], what: string): void {
  c.warning(at, 'value', `${displayPath(at)} never fits: zone "${zone}" is a Fastly service, which cannot purge ${what}`,
    'on Fastly, escalate to everything (with allow_purge_everything: true on the zone), or tag responses with a Surrogate-Key header and purge that tag');
}

/** `everything` is a step only where the zone allows purging everything, and never for a routed group (it has no host). */
function everythingStep(c: Checker, { name, raw, zone, routed, zones }: EscalationInput, at: readonly PathSegment[]): boolean {
  if (routed) {
    c.error(at, 'value', `${displayPath(at)}: group "${name}" has no zone (it is routed by host), and purge everything has no host`, `give the group a zone (${zones.map((z) => z.name).join(', ')}), or escalate to auto, host, prefixes or hosts`);
    return false;
  }
  const action = raw.action === 'purge' || raw.action === 'invalidate' ? raw.action : zone?.action;
  if (zone?.provider === 'fastly' && action === 'invalidate') {
    c.error(at, 'value', `${displayPath(at)}: escalating to everything would invalidate everything on zone "${zone.name}", a Fastly service, whose purge_all has no soft form`, 'use action: purge for this group (purge_all then fits), or raise its budget');
    return false;
  }
  if (zone !== undefined && !zone.allowPurgeEverything) {
    c.error(at, 'value', `${displayPath(at)}: escalating to everything needs allow_purge_everything: true on zone "${zone.name}"`, 'escalate to auto, host, prefixes or hosts instead, or opt in on the zone if an over-budget group may really empty its whole cache');
    return false;
  }
  return true;
}

/** A routed group's explicit prefixes and hosts each go to the zone of their host: one in no zone is an error at its entry. */
function routedValues(c: Checker, { zones }: EscalationInput, at: readonly PathSegment[], values: readonly string[], entryOf: ReadonlyMap<string, number>, kind: 'prefixes' | 'hosts'): boolean {
  let ok = true;
  const reported = new Set<number>();
  for (const value of values) {
    const host = kind === 'prefixes' ? value.split('/')[0]! : value;
    const entry = entryOf.get(value)!;
    if (zoneForHost(zones, host) !== undefined || reported.has(entry)) continue;
    reported.add(entry);
    ok = false;
    const routable = zones.filter((z) => z.zoneName !== null).map((z) => `${z.name} (${z.zoneName})`).join(', ');
    c.error([...at, entry], 'value', `${displayPath([...at, entry])}: host "${host}" is in no zone: a group without zone sends each item to the zone whose name is its host or a parent domain of it`, `zones by name: ${routable}; or give the group a zone`);
  }
  return ok;
}

/** Steps that can never run: no budget applies to the group, or it has no URLs to replace. */
function escalateWarnings(c: Checker, { name, raw, path, zone, routed, zones }: EscalationInput, ownBudget: boolean): void {
  const at = [...path, 'escalate'];
  const budgeted = ownBudget || (routed ? zones.some((z) => z.zoneName !== null && z.budget !== undefined) : zone?.budget !== undefined);
  if (!budgeted && (zone !== undefined || routed)) {
    c.warning(at, 'key', `${displayPath(at)} never runs: neither group "${name}" nor ${routed ? 'any zone it is routed to' : `its zone "${zone!.name}"`} has a budget`, `add budget: { items: N } to the group, or budget: { seconds: S } to ${routed ? 'its zones' : `zone "${zone!.name}"`}`);
  }
  const urls = (Array.isArray(raw.urls) && raw.urls.length > 0) || raw.build !== undefined || raw.sitemap !== undefined;
  if (!urls) c.warning(at, 'key', `${displayPath(at)} never runs: escalation replaces a group's file items, and group "${name}" has no URLs`, 'remove escalate, or give the group urls');
}
