// The expansions a plan was made from, kept beside the Plan value (never in it: `plan --json` and
// the saved plan stay as they are). The human and markdown plans list each group's items from
// them (docs/commands.md, "How the plan lists items"); a plan read back from a file has them only
// when its purge.yaml, unchanged, was expanded again.
import type { GroupExpansion } from '../expand/group.js';

const attached = new WeakMap<object, readonly GroupExpansion[]>();

/** `plan`, remembered as made from `expansions` (every group's current items, by zone). */
export function attachExpansions<T extends object>(plan: T, expansions: readonly GroupExpansion[]): T {
  attached.set(plan, expansions);
  return plan;
}

/** The expansions `plan` was made from, when known. */
export function attachedExpansions(plan: object): readonly GroupExpansion[] | undefined {
  return attached.get(plan);
}
