// apply's --verify flags (docs/commands.md "Verify at the edge") as the settings of a verification.
import { UserError } from '../errors.js';
import { parseConnectTo } from '../verify/probe.js';
import { DEFAULT_SETTLE_MS, DEFAULT_VERIFY_RATE } from '../verify/session.js';
import type { VerifySettings } from '../verify/session.js';

export interface VerifyFlags {
  readonly json: boolean;
  /** `--verify N`: probe N sampled file items at the edge before and after. */
  readonly verify?: number;
  readonly verifyRate?: number;
  readonly verifySettleMs?: number;
  readonly connectTo?: readonly string[];
  /** `--verify-strict`: a verification that confirmed nothing, or an unmatched --connect-to rule, exits 1 (after the purge). */
  readonly verifyStrict?: boolean;
  /** `--warm [N|all]`, which --connect-to directs too (warm/flags.ts reads it). */
  readonly warm?: string | boolean;
}

/**
 * The verification asked for, or null without --verify; the flags that need --verify are refused
 * without it (--connect-to also directs --wait-for and --warm: phase-flags.ts checks it).
 */
export function verifySettings(flags: VerifyFlags): VerifySettings | null {
  if (flags.verify === undefined && flags.verifyStrict) {
    throw new UserError('--verify-strict makes the warnings of --verify fail: give --verify N too', { hint: 'e.g. purgeplan apply PLANFILE --verify 10 --verify-strict' });
  }
  if (flags.verify === undefined) return null;
  return {
    count: flags.verify,
    rate: flags.verifyRate ?? DEFAULT_VERIFY_RATE,
    settleMs: flags.verifySettleMs ?? DEFAULT_SETTLE_MS,
    connectTo: (flags.connectTo ?? []).map(parseConnectTo),
    json: flags.json,
    strict: flags.verifyStrict ?? false,
  };
}
