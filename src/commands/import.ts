// `purgeplan import [--zone NAME]` (docs/commands.md#drift-and-import): prints, on stdout, the `cache_keys:` block that
// matches the zone's Cache Rules and the `cache_key:` of each group. Writes no file; what the
// block cannot say (header.contains, request-dependent rules, split groups) goes to stderr.
import { renderImport } from '../drift/import.js';
import type { Io } from './io.js';
import { fetchRulesets, loadForDrift } from './drift.js';

export interface ImportOptions {
  readonly config: string;
  readonly zone?: string;
  readonly apiUrl?: string;
  readonly maxRetries?: number;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function importCommand(options: ImportOptions, io: Io): Promise<number> {
  const loaded = loadForDrift(options.config, io);
  if (loaded === 1) return 1;
  const rulesets = await fetchRulesets(loaded.config, options, io);
  const { text, warnings } = renderImport(loaded.config, rulesets);
  for (const warning of warnings) io.stderr(`${io.stderrStyle.yellow('warning')}: ${warning}\n`);
  io.stdout(text);
  return 0;
}
