// `purgeplan validate`: every problem, positioned; or `purge.yaml is valid: N groups, M zones`.
import { hasErrors } from '../diagnostics.js';
import { plural } from '../format.js';
import type { Io } from './io.js';
import { printDiagnostics, summarizeProblems } from './io.js';
import { loadWorkingConfig } from './pipeline.js';

interface ValidateOptions {
  readonly config: string;
  readonly strict: boolean;
  readonly maxItems: number;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export function validateCommand(options: ValidateOptions, io: Io): number {
  const checked = loadWorkingConfig(options.config, io.cwd, options.maxItems);
  printDiagnostics(io, checked.diagnostics);
  if (!checked.config || hasErrors(checked.diagnostics, options.strict)) {
    io.stderr(`${io.stderrStyle.red(`${options.config} is invalid`)}: ${summarizeProblems(checked.diagnostics)}${options.strict && !hasErrors(checked.diagnostics) ? ' (--strict fails on warnings)' : ''}.\n`);
    return 1;
  }
  const { groups, zones } = checked.config;
  const warnings = checked.diagnostics.length ? ` (${summarizeProblems(checked.diagnostics)})` : '';
  io.stdout(`${options.config} is valid: ${plural(groups.length, 'group')}, ${plural(zones.length, 'zone')}${warnings}\n`);
  return 0;
}
