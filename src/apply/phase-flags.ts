// apply's phase flags (docs/commands.md, "Apply in the deploy's order"): --wait-for URL with its
// --expect and --wait-timeout, --repurge-after DURATION, and who --connect-to directs. Read before
// anything else, so that a bad flag is a clear error before any request.
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { parseConnectTo } from '../verify/probe.js';
import { parseExpect } from './expect.js';
import { shownUrl } from './wait.js';
import type { WaitSettings } from './wait.js';

export interface PhaseFlags {
  readonly waitFor?: string;
  readonly expect?: readonly string[];
  readonly waitTimeout?: string;
  readonly repurgeAfter?: string;
  readonly connectTo?: readonly string[];
  readonly verify?: number;
  /** `--warm [N|all]` (src/warm/): also directed by --connect-to. */
  readonly warm?: string | boolean;
}

export interface PhaseSettings {
  readonly waitFor: WaitSettings | null;
  /** `--repurge-after`: the wait before the second pass; null for one pass. */
  readonly repurgeAfterMs: number | null;
}

const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;
/** The longest wait either flag takes (a timer cannot wait longer than about 24 days, and no deploy should). */
const MAX_DURATION_MS = 24 * 3_600_000;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000 };

/**
 * `30s`, `5m`, `1h`, `1m30s`, `0.5h`: a number and a unit (s, m or h), or several. `zero`: whether
 * 0 is allowed.
 */
export function parseDuration(flag: string, text: string, zero: boolean): number {
  const bad = (why: string): UserError => new UserError(`${flag} "${printable(text)}": ${why}`, { hint: `write a duration with its unit: ${flag} 30s, 5m, 1h or 1m30s` });
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)([hms])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.trim()) {
    throw bad(/^\d+(\.\d+)?$/.test(text.trim()) ? 'a duration needs a unit (s, m or h)' : 'not a duration');
  }
  const ms = Math.round(parts.reduce((sum, part) => sum + Number(part[1]) * UNIT_MS[part[2]], 0));
  if (ms === 0 && !zero) throw bad('must be longer than 0');
  if (ms > MAX_DURATION_MS) throw bad('at most 24h');
  return ms;
}

/** The phases asked for; every flag that needs another is refused without it. */
export function phaseSettings(flags: PhaseFlags): PhaseSettings {
  const expects = flags.expect ?? [];
  if (flags.waitFor === undefined && (expects.length > 0 || flags.waitTimeout !== undefined)) {
    throw new UserError(`${expects.length > 0 ? '--expect' : '--wait-timeout'} belongs to --wait-for: give --wait-for URL too`, {
      hint: 'e.g. purgeplan apply PLANFILE --wait-for https://www.example.com/version.txt --expect "$BUILD_ID"',
    });
  }
  if ((flags.connectTo ?? []).length > 0 && flags.waitFor === undefined && flags.verify === undefined && (flags.warm === undefined || flags.warm === false)) {
    throw new UserError('--connect-to directs the requests of --verify and --warm: give --verify N or --warm too, or --wait-for URL (its polls too)', {
      hint: 'e.g. purgeplan apply PLANFILE --verify 10 --connect-to www.example.com:443:203.0.113.7:443',
    });
  }
  const connectTo = (flags.connectTo ?? []).map(parseConnectTo);
  const repurgeAfterMs = flags.repurgeAfter === undefined ? null : parseDuration('--repurge-after', flags.repurgeAfter, true);
  if (flags.waitFor === undefined) return { waitFor: null, repurgeAfterMs };
  return {
    waitFor: {
      url: checkedUrl(flags.waitFor),
      expectations: expects.map(parseExpect),
      timeoutMs: flags.waitTimeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration('--wait-timeout', flags.waitTimeout, false),
      connectTo,
    },
    repurgeAfterMs,
  };
}

/** An absolute http: or https: URL (credentials in it, if any, must decode; they are never shown). */
function checkedUrl(text: string): string {
  const bad = (why: string, shown: string): UserError => new UserError(`--wait-for "${shown}": ${why}`, {
    hint: 'give the URL of the new build: the origin, or a version endpoint that is not cached, e.g. --wait-for https://www.example.com/version.txt',
  });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not an absolute URL', printable(text.replace(/\/\/[^/@]*@/, '//…@')));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('only http: and https: URLs can be polled', shownUrl(url.href));
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw bad('its user name or password is not well percent-encoded', shownUrl(url.href));
  }
  return url.href;
}
