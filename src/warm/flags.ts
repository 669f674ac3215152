// apply's --warm flags (docs/commands.md#warm-the-cache) as the settings of a warming, checked before anything
// is sent: a bad value is a clear error then, not a surprise after the purge.
import { DEFAULT_WARM_CONCURRENCY, DEFAULT_WARM_RATE } from '../defaults.js';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { parseConnectTo } from '../verify/probe.js';
import type { WarmOptions } from './warm.js';

export interface WarmFlags {
  readonly json: boolean;
  /** `--warm [N|all]`: true when given bare (every purged file item). */
  readonly warm?: string | boolean;
  readonly warmConcurrency?: string;
  readonly warmRate?: string;
  /** `--warm-strict`: a failed or unrequested item exits 1 (after the purge). */
  readonly warmStrict?: boolean;
  readonly connectTo?: readonly string[];
}

export interface WarmSettings extends WarmOptions {
  readonly strict: boolean;
  readonly json: boolean;
}

/** The warming asked for, or null without --warm; the flags that need --warm are refused without it. */
export function warmSettings(flags: WarmFlags): WarmSettings | null {
  if (flags.warm === undefined || flags.warm === false) {
    const given = [['--warm-concurrency', flags.warmConcurrency], ['--warm-rate', flags.warmRate], ['--warm-strict', flags.warmStrict || undefined]].find(([, value]) => value !== undefined);
    if (given) throw new UserError(`${given[0]} is a setting of --warm: give --warm too`, { hint: 'e.g. purgeplan apply release.plan --warm --warm-rate 10 (--warm alone warms every purged file item; --warm N a sample of N)' });
    return null;
  }
  return {
    count: warmCount(flags.warm),
    concurrency: flags.warmConcurrency === undefined ? DEFAULT_WARM_CONCURRENCY : wholeNumber('--warm-concurrency', flags.warmConcurrency),
    rate: flags.warmRate === undefined ? DEFAULT_WARM_RATE : rate(flags.warmRate),
    connectTo: (flags.connectTo ?? []).map(parseConnectTo),
    strict: flags.warmStrict === true,
    json: flags.json,
  };
}

function warmCount(value: string | true): number | 'all' {
  if (value === true || value.toLowerCase() === 'all') return 'all';
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value))) return Number(value);
  throw new UserError(`--warm "${printableArg(value)}": expected a whole number of items (at least 1) or "all"`, {
    hint: 'a value right after --warm is read as its count: write the plan file before it (purgeplan apply release.plan --warm), or --warm all',
  });
}

function wholeNumber(name: string, value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value))) return Number(value);
  throw new UserError(`${name} must be a whole number of at least 1, got "${printableArg(value)}"`, { hint: `e.g. ${name} 4` });
}

function rate(value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value))) return Number(value);
  throw new UserError(`--warm-rate must be a whole number of requests a second, at least 1, got "${printableArg(value)}"`, {
    hint: 'it is the most requests started in any one-second window, e.g. --warm-rate 5; fewer at a time with --warm-concurrency 1',
  });
}

/** A command-line value as a message may quote it: escaped, and cut when long. */
function printableArg(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return printable(cut);
}
