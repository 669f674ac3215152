// Budgets and escalation, a plan decision (docs/purge-yaml.md, "Budgets and escalation"). Budgets
// count due file items after dedupe and coverage, so they are judged on batches: first each group
// over its own `budget.items`, in file order, then each zone over its `budget` (seconds at its
// tier's limits, or items), escalating its groups one at a time, largest estimate first, until it
// is within. A group is escalated by the first of its steps that brings the plan within budget;
// nothing fits: the plan is refused, naming what is over, unless budgets are ignored for the run.
// A Fastly or CloudFront zone is judged on its requests in its provider's forms, at its provider's
// pacing model (docs/providers.md): the model the plan's estimate and apply use.
import { estimateSeconds } from '../cloudflare/pacing.js';
import type { PacedRequest } from '../cloudflare/pacing.js';
import { paceText, providerFileSeconds, zoneSeconds } from '../providers/estimate.js';
import { providerRequests } from '../providers/plan.js';
import type { Config, Group, Zone } from '../config/types.js';
import { UserError } from '../errors.js';
import type { GroupExpansion } from '../expand/group.js';
import { aboutSeconds, count, plural } from '../format.js';
import { batch } from './batch.js';
import type { BatchResult } from './batch.js';
import { applyStep, stepLabel } from './escalate-steps.js';
import type { AppliedStep } from './escalate-steps.js';
import type { CoverageEntry, Escalation, PlannedRequest } from './types.js';

export interface BudgetedBatch extends BatchResult {
  /** The escalated groups, by name. */
  readonly escalations: ReadonlyMap<string, Escalation>;
}

/** The plan's requests with every budget met by escalation; a UserError naming what cannot be. */
export function budgetedBatch(config: Config, due: readonly GroupExpansion[], ignoreBudget: boolean): BudgetedBatch {
  const budgeted = config.zones.some((z) => z.budget !== undefined) || config.groups.some((g) => g.budget !== undefined);
  if (ignoreBudget || !budgeted) return { ...batch(config.zones, due), escalations: new Map() };
  const budgets = new Budgets(config, due);
  for (const group of config.groups) if (group.budget !== undefined) budgets.group(group, group.budget.items);
  for (const zone of config.zones) if (zone.budget !== undefined) budgets.zone(zone);
  if (budgets.overruns.length > 0) throw overBudget(budgets.overruns);
  return { ...budgets.combined(), escalations: budgets.escalations };
}

/**
 * One zone's batch. Zones are batched independently (batch.ts), so the batches of each zone,
 * put together in zone order, are the batch of them all: a trial re-batches only the zones a
 * step touches, and the last batch of each zone is the plan's.
 */
function batchZone(zone: Zone, due: readonly GroupExpansion[]): BatchResult {
  return batch([zone], due.filter((e) => e.zone === zone.name));
}

/** One zone's requests and the file items each group sends there. */
interface ZoneView {
  readonly requests: readonly PlannedRequest[];
  readonly files: ReadonlyMap<string, number>;
}

interface Overrun { readonly message: string; readonly hint: string }

/** A step tried on a group: the group's expansions with it, and the batches of the zones it touches. */
interface Trial {
  readonly applied: AppliedStep;
  readonly results: ReadonlyMap<string, BatchResult>;
}


/** The decisions so far: the due expansions (escalated groups carry their added items) and each zone's batch. */
class Budgets {
  due: GroupExpansion[];
  readonly escalations = new Map<string, Escalation>();
  readonly overruns: Overrun[] = [];
  /** Each zone's batch as decided so far. */
  private readonly results = new Map<string, BatchResult>();
  private readonly views = new Map<string, ZoneView>();
  private readonly zoneOf: ReadonlyMap<string, Zone>;
  private readonly order: ReadonlyMap<string, number>;
  /** Estimates already made, by view (a trial's view is judged against the current one). */
  private readonly seconds = new WeakMap<ZoneView, number>();
  private readonly groupOrder: readonly string[];

  constructor(private readonly config: Config, due: readonly GroupExpansion[]) {
    this.due = [...due];
    this.zoneOf = new Map(config.zones.map((z) => [z.name, z]));
    this.order = new Map(config.groups.map((g, i) => [g.name, i]));
    this.groupOrder = config.groups.map((g) => g.name);
    this.setResults(new Map(config.zones.map((z) => [z.name, batchZone(z, this.due)])));
  }

  /** A zone's batch as its budget is judged: a Fastly or CloudFront zone's requests in its provider's forms. */
  private viewOf(result: BatchResult | undefined, name: string): ZoneView {
    const zone = this.zoneOf.get(name)!;
    const requests = result?.requests ?? [];
    return {
      requests: zone.provider === 'cloudflare' ? requests : providerRequests([zone], requests, this.groupOrder).requests,
      files: result?.filesByGroup.get(name) ?? new Map(),
    };
  }

  private setResults(results: ReadonlyMap<string, BatchResult>): void {
    for (const [zone, result] of results) {
      this.results.set(zone, result);
      this.views.set(zone, this.viewOf(result, zone));
    }
  }

  /** The plan's batch: each zone's, in zone order. */
  combined(): BatchResult {
    const requests: PlannedRequest[] = [];
    const coverage: CoverageEntry[] = [];
    const counts = { files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0 };
    const filesByGroup = new Map<string, ReadonlyMap<string, number>>();
    for (const zone of this.config.zones) {
      const result = this.results.get(zone.name)!;
      requests.push(...result.requests);
      coverage.push(...result.coverage);
      for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += result.counts[key];
      for (const [name, files] of result.filesByGroup) filesByGroup.set(name, files);
    }
    return { requests, coverage, counts, filesByGroup };
  }

  private partsOf(name: string): GroupExpansion[] {
    return this.due.filter((e) => e.group.name === name);
  }

  /** The due expansions with a group's replaced by `parts` (kept where the group's were, in file order). */
  private replaced(name: string, parts: readonly GroupExpansion[]): GroupExpansion[] {
    const at = this.due.findIndex((e) => e.group.name === name);
    return [...this.due.slice(0, at), ...parts, ...this.due.slice(at).filter((e) => e.group.name !== name)];
  }

  /** The batches of these zones only, with `due`. */
  private trial(zones: ReadonlySet<string>, due: readonly GroupExpansion[]): Map<string, BatchResult> {
    return new Map(this.config.zones.filter((z) => zones.has(z.name)).map((z) => [z.name, batchZone(z, due)]));
  }

  private groupFiles(name: string, views: (zone: string) => ZoneView | undefined = (z) => this.views.get(z)): number {
    let files = 0;
    for (const zone of this.zoneOf.keys()) files += views(zone)?.files.get(name) ?? 0;
    return files;
  }

  /**
   * The group's own file items, sent alone at each zone's pace: `from.seconds`. Cloudflare's zones
   * share their tiers' limits; a Fastly or CloudFront zone is paced on its own (zones side by side).
   */
  private groupSeconds(name: string): number {
    const zones = this.config.zones;
    const filesIn = (zone: Zone): number => this.views.get(zone.name)?.files.get(name) ?? 0;
    function* requests(): Generator<PacedRequest> {
      for (const zone of zones) {
        if (zone.provider !== 'cloudflare') continue;
        const files = filesIn(zone);
        for (let sent = 0; sent < files; sent += zone.filesPerRequest) yield { tier: zone.plan, kind: 'files', size: Math.min(zone.filesPerRequest, files - sent) };
      }
    }
    let seconds = estimateSeconds(requests());
    for (const zone of zones) if (zone.provider !== 'cloudflare' && filesIn(zone) > 0) seconds = Math.max(seconds, providerFileSeconds(zone, filesIn(zone)));
    return seconds;
  }

  /** The pace of the zones the group sends files to: `free-plan limits`, `Fastly's 8 requests in flight`. */
  private groupPace(name: string): string {
    return paceText(this.config.zones.filter((z) => (this.views.get(z.name)?.files.get(name) ?? 0) > 0));
  }

  private zoneSeconds(zone: Zone, view: ZoneView): number {
    let seconds = this.seconds.get(view);
    if (seconds === undefined) this.seconds.set(view, (seconds = zoneSeconds(zone, view.requests)));
    return seconds;
  }

  private zoneFiles(view: ZoneView): number {
    let files = 0;
    for (const r of view.requests) if (r.kind === 'files') files += r.size;
    return files;
  }

  /** Records the escalation and makes its batch the current one. */
  private accept(group: Group, trial: Trial, why: Pick<Escalation, 'reason' | 'budget'>): void {
    const from = { files: this.groupFiles(group.name), seconds: this.groupSeconds(group.name) };
    this.due = this.replaced(group.name, trial.applied.parts);
    this.setResults(trial.results);
    this.escalations.set(group.name, { from, to: trial.applied.to, reason: why.reason, budget: why.budget, requests: trial.applied.requests });
  }

  /**
   * Tries a group's steps in order; `fits` judges each trial (true, or why not). The first step
   * that fits wins; else the notes of why none did.
   */
  private tryGroup(group: Group, fits: (trial: Trial) => true | string): Trial | string[] {
    const parts = this.partsOf(group.name);
    const notes: string[] = [];
    for (const step of group.escalate ?? []) {
      const applied = applyStep(step, parts, this.config.zones);
      if ('unfit' in applied) { notes.push(`${stepLabel(step)}: ${applied.unfit}`); continue; }
      const zones = new Set([...parts, ...applied.parts].map((p) => p.zone));
      const trial = { applied, results: this.trial(zones, this.replaced(group.name, applied.parts)) };
      const verdict = fits(trial);
      if (verdict === true) return trial;
      notes.push(`${stepLabel(step)}: ${verdict}`);
    }
    return notes;
  }

  /** A group over its own budget of file items. */
  group(group: Group, items: number): void {
    const files = this.groupFiles(group.name);
    if (files <= items) return;
    const seconds = this.groupSeconds(group.name);
    const over = `${count(files)} files take ${aboutSeconds(seconds)} at ${this.groupPace(group.name)}, budget ${count(items)} items`;
    const tried = this.tryGroup(group, ({ results }) => {
      const after = this.groupFiles(group.name, (zone) => results.get(zone) && this.viewOf(results.get(zone), zone));
      return after <= items || `${count(after)} files would still be sent`;
    });
    if (!Array.isArray(tried)) {
      this.accept(group, tried, { reason: `group ${group.name}: ${count(files)} files, over its budget of ${count(items)} items`, budget: { group: group.name, items } });
      return;
    }
    this.overruns.push({
      message: `group ${group.name} is over its budget: ${over}, and ${tried.length ? `no escalate step fits (${tried.join('; ')})` : 'it has no escalate step'}`,
      hint: `add escalate: [auto] (or host, or { prefixes: [...] }) to groups.${group.name}, raise groups.${group.name}.budget.items, or plan with --ignore-budget to send the ${count(files)} files this once`,
    });
  }

  /** How a zone stands against its budget: null when within, else the words for it. */
  private zoneOver(zone: Zone, view: ZoneView): { reason: string; budget: Escalation['budget']; over: string } | null {
    const budget = zone.budget!;
    const files = this.zoneFiles(view);
    if (budget.seconds !== null) {
      const seconds = this.zoneSeconds(zone, view);
      if (seconds > budget.seconds) {
        const at = `${aboutSeconds(seconds)} at ${paceText([zone])}`;
        return { reason: `zone ${zone.name}: its requests take ${at}, over its budget of ${budget.seconds} s`, budget: { zone: zone.name, seconds: budget.seconds }, over: `its requests (${plural(files, 'file')}) take ${at}, budget ${budget.seconds} s` };
      }
    }
    if (budget.items !== null && files > budget.items) {
      return { reason: `zone ${zone.name}: ${count(files)} files, over its budget of ${count(budget.items)} items`, budget: { zone: zone.name, items: budget.items }, over: `${count(files)} files, budget ${count(budget.items)} items` };
    }
    return null;
  }

  /** A zone over its budget: its groups with steps escalated one at a time, largest estimate first, until it is within. */
  zone(zone: Zone): void {
    const name = zone.name;
    if (this.zoneOver(zone, this.views.get(name)!) === null) return;
    const inZone = [...this.views.get(name)!.files].filter(([group, files]) => files > 0 && !this.escalations.has(group)).map(([group]) => group);
    const estimate = new Map(inZone.map((g) => [g, this.groupSeconds(g)]));
    const largestFirst = (a: string, b: string) => estimate.get(b)! - estimate.get(a)! || this.groupFiles(b) - this.groupFiles(a) || this.order.get(a)! - this.order.get(b)!;
    const groups = new Map(this.config.groups.map((g) => [g.name, g]));
    for (const groupName of inZone.sort(largestFirst)) {
      const group = groups.get(groupName)!;
      // A group whose files an earlier escalation covered has nothing left to replace.
      if (!group.escalate?.length || (this.views.get(name)!.files.get(groupName) ?? 0) === 0) continue;
      const before = this.views.get(name)!;
      const over = this.zoneOver(zone, before)!;
      // No step that brings the zone within alone: the first that lowers it escalates this group, and the next group is tried.
      let lowering: Trial | undefined;
      const within = this.tryGroup(group, (trial) => {
        const view = this.viewOf(trial.results.get(name), name);
        if (this.zoneOver(zone, view) === null) return true;
        const lowers = this.zoneSeconds(zone, view) < this.zoneSeconds(zone, before) || this.zoneFiles(view) < this.zoneFiles(before);
        if (lowers) lowering ??= trial;
        return lowers ? 'the zone is still over its budget' : 'it lowers nothing';
      });
      const chosen = Array.isArray(within) ? lowering : within;
      if (chosen !== undefined) this.accept(group, chosen, over);
      if (!Array.isArray(within)) return;
    }
    const still = this.zoneOver(zone, this.views.get(name)!);
    if (still !== null) this.overruns.push(this.zoneOverrun(zone, still.over));
  }

  /** The refusal of a zone still over its budget: its largest groups that were not escalated. */
  private zoneOverrun(zone: Zone, over: string): Overrun {
    const view = this.views.get(zone.name)!;
    const left = [...view.files].filter(([group, files]) => files > 0 && !this.escalations.has(group))
      .map(([group, files]) => ({ group, files, seconds: this.groupSeconds(group) }))
      .sort((a, b) => b.seconds - a.seconds || b.files - a.files || this.order.get(a.group)! - this.order.get(b.group)!);
    const listed = left.slice(0, 5).map((g) => `${g.group} (${count(g.files)} files, ${aboutSeconds(g.seconds)})`);
    const groups = left.length ? `; not escalated: ${listed.join(', ')}${left.length > listed.length ? ` and ${plural(left.length - listed.length, 'more group')}` : ''}` : '';
    const key = zone.budget!.seconds !== null ? 'seconds' : 'items';
    return {
      message: `zone ${zone.name} is over its budget: ${over}, and escalating its groups does not bring it within${groups}`,
      hint: `${zone.provider === 'fastly' ? 'a Fastly service cannot purge a prefix or a host: add escalate: [everything] (with allow_purge_everything: true on the zone) to its largest groups' : 'add escalate steps (auto, host, { prefixes: [...] }) to its largest groups'}, raise zones.${zone.name}.budget.${key}, or plan with --ignore-budget to send it all this once`,
    };
  }
}

function overBudget(overruns: readonly Overrun[]): UserError {
  if (overruns.length === 1) return new UserError(`${overruns[0]!.message}; nothing was planned`, { hint: overruns[0]!.hint });
  return new UserError(`${overruns.length} budgets are exceeded; nothing was planned:\n${overruns.map((o) => `  - ${o.message}`).join('\n')}`, { hint: overruns.map((o) => o.hint).join('\n  hint: ') });
}
