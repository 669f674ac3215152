// What the commands' registrations share: flag parsers, the flags every command (or every planning
// command) has, and the Io a command runs with (imported when it runs).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_CONFIG, DEFAULT_MAX_ITEMS } from '../defaults.js';
import type { Io } from '../commands/io.js';
import { finishing } from './output.js';

export { finishing };
export type SetExit = (code: number) => void;

export function positiveInteger(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1 (got "${value}")`);
    return Number(value);
  };
}
export const nonNegativeInteger = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be a whole number (got "${value}")`);
  return Number(value);
};
export function positiveNumber(name: string, allowZero: boolean) {
  return (value: string): number => {
    if (!/^\d+(\.\d+)?$/.test(value) || (!allowZero && Number(value) === 0)) throw new InvalidArgumentError(`${name} must be a number ${allowZero ? 'of at least 0' : 'above 0'} (got "${value}")`);
    return Number(value);
  };
}
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

export interface Common { config: string; color: boolean }

export function common(command: Command): Command {
  return command
    .option('-c, --config <file>', 'the purge configuration', DEFAULT_CONFIG)
    .option('--no-color', 'plain output without colours (also: NO_COLOR=1)');
}

export function planningOptions(command: Command): Command {
  return command
    .option('--group <name>', 'only this group, planned as forced (repeatable)', collect, [])
    .option('--all', 'ignore the baseline: every group is due (with --group, only those groups)', false)
    .option('--base <ref>', 'git baseline: compare with purge.yaml and watched files at this commit')
    .option('--state <file>', 'state file (default: .purgeplan/state.json beside purge.yaml; .purgeplan/NAME.state.json for NAME.yaml)')
    .option('--build-base <dir>', 'build and sitemap groups: compare with this previous build (laid out like the repository) instead of the state')
    .option('--max-items <n>', 'refuse plans larger than this many purge items', positiveInteger('--max-items'), DEFAULT_MAX_ITEMS)
    .option('--ignore-budget', 'this run only: do not apply the budgets of purge.yaml (nothing escalated, nothing refused)', false)
    .option('--strict', 'warnings fail like errors', false);
}

export async function makeIo(color: boolean): Promise<Io> {
  const { processIo } = await import('../commands/io.js');
  return processIo(color);
}
