// `purgeplan explain URL` (docs/coverage.md): flags -> a request -> explanation; exit 0 purged, 2 not
// purged, 1 error.
import { DEVICE_TYPES } from '../cloudflare/limits.js';
import { COUNTRY_SET } from '../cloudflare/countries.js';
import { UserError } from '../errors.js';
import { parseCookieHeader } from '../inspect/entry.js';
import type { CacheRequest } from '../inspect/entry.js';
import { explain, explanationJson, renderExplanation } from '../inspect/explain.js';
import { didYouMean } from '../suggest.js';
import type { Io } from './io.js';
import { loadTarget } from './inspect-target.js';
import type { TargetOptions } from './inspect-target.js';

export interface ExplainOptions extends TargetOptions {
  readonly header: readonly string[];
  readonly cookie: readonly string[];
  readonly country?: string;
  readonly deviceType?: string;
  readonly json: boolean;
}

/** The request the flags describe: headers from -H, cookies from --cookie and -H 'Cookie: …'. */
export function requestOf(url: string, options: Pick<ExplainOptions, 'header' | 'cookie' | 'country' | 'deviceType'>): CacheRequest {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  let country = options.country;
  let deviceType = options.deviceType;
  for (const header of options.header) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim().toLowerCase();
    if (colon === -1 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new UserError(`-H ${JSON.stringify(header)}: expected 'Name: value'`, { hint: "e.g. -H 'Accept-Language: fr-FR'" });
    }
    const value = header.slice(colon + 1).trim();
    if (name === 'cookie') Object.assign(cookies, { ...parseCookieHeader(value), ...cookies });
    else if (name === 'cf-ipcountry') country ??= value;
    else if (name === 'cf-device-type') deviceType ??= value;
    else headers[name] = value;
  }
  for (const cookie of options.cookie) {
    const eq = cookie.indexOf('=');
    if (eq < 1) throw new UserError(`--cookie ${JSON.stringify(cookie)}: expected 'name=value'`, { hint: "e.g. --cookie 'ab_bucket=b'" });
    cookies[cookie.slice(0, eq).trim()] = cookie.slice(eq + 1).trim();
  }
  const device = deviceType ?? 'desktop';
  if (!(DEVICE_TYPES as readonly string[]).includes(device)) {
    throw new UserError(`--device-type: "${device}" is not a device type${didYouMean(device, DEVICE_TYPES)}`, { hint: 'Cloudflare sends desktop, mobile or tablet' });
  }
  if (country !== undefined && !COUNTRY_SET.has(country.toUpperCase())) {
    throw new UserError(`--country: "${country}" is not a country code`, { hint: 'use ISO 3166-1 alpha-2 codes (US, JP, DE), XX for unknown, T1 for Tor' });
  }
  return { url, deviceType: device, country, headers, cookies };
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function explainCommand(url: string, options: ExplainOptions, io: Io): Promise<number> {
  const request = requestOf(url, options);
  const target = await loadTarget(options, io);
  if (target === 1) return 1;
  const result = explain(target.inspector, request);
  if ('problem' in result) throw new UserError(result.problem, result.hint ? { hint: result.hint } : {});
  const { explanation } = result;
  io.stdout(options.json ? explanationJson(explanation) : renderExplanation(explanation, io.stdoutStyle));
  return explanation.purgedBy.length ? 0 : 2;
}
