// A saved plan keeps a large group's items only as a preview. `show` and `comment PLANFILE` list
// every group's items (docs/commands.md, "show") by expanding the plan's purge.yaml again when it
// is still the very file the plan was made from (same digest, same vars files); otherwise the
// plan is rendered from what it records. Nothing here is reported: the plan is shown either way.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { workingTreeReader } from '../config/files.js';
import { DEFAULT_MAX_ITEMS } from '../defaults.js';
import type { Plan } from '../plan/types.js';
import type { ListedPlan } from '../render/items.js';
import { checkAndExpand } from './pipeline.js';

/** purgeplan reads configurations up to this size (config/load.ts says so for purge.yaml). */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** `plan`, with the expansions of its configuration when that is unchanged since it was made. */
export function withSavedItems(plan: Plan, planfile: string, cwd: string): ListedPlan {
  // The configuration's path is relative to the plan file (docs/commands.md, "plan --out").
  const configPath = resolve(dirname(resolve(cwd, planfile)), plan.config.path);
  let bytes: Buffer;
  try {
    const stat = statSync(configPath);
    // Only a regular file of a configuration's size: a plan file is checked, not trusted.
    if (!stat.isFile() || stat.size > MAX_CONFIG_BYTES) return { plan };
    bytes = readFileSync(configPath);
  } catch {
    return { plan };
  }
  if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== plan.config.digest) return { plan };
  const maxItems = Math.max(DEFAULT_MAX_ITEMS, plan.groups.reduce((n, g) => n + g.items, 0));
  const checked = checkAndExpand(configPath, bytes, workingTreeReader(dirname(configPath)), maxItems);
  if (checked.config === undefined || checked.expansions === undefined || checked.config.inputsDigest !== plan.config.inputs_digest) return { plan };
  if (checked.diagnostics.some((d) => d.severity === 'error')) return { plan };
  return { plan, expansions: checked.expansions };
}
