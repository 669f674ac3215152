// The warm phase of apply, the last one (docs/commands.md#warm-the-cache): once every request of the plan
// succeeded, every pass was sent and the state recorded, the purged file items are requested at
// the edge. apply calls `warmAfterApply` once, at its end; nothing else.
import type { ApplyResult, WarmEvent } from '../apply/events.js';
import { noteEvent } from '../apply/events.js';
import { edgeOnlyNote } from '../providers/cloudflare-only.js';
import type { GroupExpansion } from '../expand/group.js';
import { count, jsonText, plural } from '../format.js';
import type { Clock } from '../http/policy.js';
import { monotonicClock } from '../http/policy.js';
import type { Plan } from '../plan/types.js';
import { CONNECT_TO_HINT, hostList } from '../verify/probe.js';
import { urlGroups } from '../verify/sample.js';
import { createWarmFetch } from './fetch.js';
import type { WarmSettings } from './flags.js';
import { formatReport, formatStartLine, isComplete, resultEvent, startEvent, summaryEvent } from './report.js';
import type { WarmFetch, WarmReport, WarmSelection } from './warm.js';
import { warmPurged } from './warm.js';

export interface WarmOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** What tests replace: the network (a fetch to a loopback edge) and the clock. */
export interface WarmPhaseDeps {
  readonly fetch?: WarmFetch;
  readonly clock?: Clock;
}

/** The exit code warming adds: 0, 1 (with --warm-strict, an item not warmed), 130 (interrupted). */
export async function warmAfterApply(
  plan: Plan, result: ApplyResult, expansions: readonly GroupExpansion[], settings: WarmSettings, output: WarmOutput, signal: AbortSignal, deps: WarmPhaseDeps = {},
): Promise<number> {
  const emit = (event: WarmEvent): void => {
    if (settings.json) output.stdout(`${jsonText(event)}\n`);
  };
  if (!result.ok) {
    emit({ type: 'warm', phase: 'skipped', reason: 'not every request of the plan succeeded' });
    if (!settings.json) output.stdout('Warm: skipped: not every request of the plan succeeded.\n');
    return 0;
  }
  // A Fastly or CloudFront zone's items are not warmed: said once, as a note (docs/providers.md).
  const note = edgeOnlyNote('--warm', plan.zones, plan.requests);
  if (note !== null) {
    if (settings.json) output.stdout(`${jsonText(noteEvent(note))}\n`);
    else output.stderr(`note: ${note}\n`);
  }
  const purged = new Set(result.outcomes.filter((o) => o.status === 'done' || o.status === 'skipped').map((o) => o.index));
  const { groupOf, listed } = urlGroups(expansions);
  const edge = deps.fetch ? null : await createWarmFetch({ connectTo: settings.connectTo, connections: settings.concurrency });
  try {
    const report = await warmPurged({ plan, requests: purged, groupOf, listed }, settings, {
      fetch: deps.fetch ?? edge!.fetch,
      clock: deps.clock ?? monotonicClock,
      signal,
      onSelected: (selection) => selected(selection, settings, output, emit),
      onResult: (warmed) => emit(resultEvent(warmed)),
    });
    emit(summaryEvent(report));
    if (!settings.json && (report.requests > 0 || report.interrupted)) output.stdout(formatReport(report));
    return report.interrupted ? 130 : verdict(report, settings, output);
  } finally {
    await edge?.close();
  }
}

/** The phase's opening: what will be requested, and each --connect-to rule that takes none of it. */
function selected(selection: WarmSelection, settings: WarmSettings, output: WarmOutput, emit: (event: WarmEvent) => void): void {
  emit(startEvent(selection, settings));
  if (!settings.json) {
    output.stdout(selection.items.length > 0 ? formatStartLine(selection, settings)
      : `Warm: the plan purged no file item to warm${selection.removedUrls ? ` (${plural(selection.removedUrls, 'purged URL')} no group lists any more, not warmed)` : ''}; hosts, prefixes, tags and everything name no URL.\n`);
  }
  for (const { rule, hosts } of selection.unmatchedRules) {
    const message = `--connect-to "${rule}" matches no host of the items to warm (${hosts.length ? `they are on ${hostList(hosts)}` : 'there are none'}); items no rule takes are not warmed`;
    emit({ type: 'warm', phase: 'warning', kind: 'unmatched_connect_to', rule, message });
    output.stderr(`warning: ${message}\n  hint: ${CONNECT_TO_HINT}\n`);
  }
}

/** Failures are warnings; --warm-strict makes them, and items not requested, exit 1. */
function verdict(report: WarmReport, settings: WarmSettings, output: WarmOutput): number {
  if (isComplete(report)) return 0;
  const failed = report.failures.length;
  const notRouted = report.selection.notRouted.length;
  const what = [
    failed ? `${count(failed)} of ${plural(report.requests, 'warm request')} failed (an answer outside 2xx-3xx, or none)` : '',
    notRouted ? `${plural(notRouted, 'item')} not requested (no --connect-to rule takes their host)` : '',
  ].filter(Boolean).join('; ');
  if (settings.strict) {
    output.stderr(`error: --warm-strict: ${what}; the purge itself is complete\n  hint: ${failed ? 'the failing URLs are listed above (every one in --json); check them at the origin' : CONNECT_TO_HINT}\n`);
    return 1;
  }
  output.stderr(`warning: ${what}; the purge itself is complete\n  hint: ${failed ? 'the failing URLs are listed above (every one in --json); check them at the origin; ' : ''}--warm-strict makes this an error\n`);
  return 0;
}
