// The commands that read Cloudflare itself (drift, import, coverage, apply --verify and --warm) and
// a Fastly or CloudFront zone (docs/providers.md): such zones are left out, with a note that says
// why; a command asked about such a zone alone refuses.
import { UserError } from '../errors.js';
import type { ProviderName } from './types.js';

const NAMES: Readonly<Record<ProviderName, string>> = { cloudflare: 'Cloudflare', fastly: 'Fastly', cloudfront: 'CloudFront' };

/** Cloudflare's zones of `zones`; a note names the others (`why`: what is Cloudflare's). None left: an error. */
export function cloudflareZonesOnly<Z extends { readonly name: string; readonly provider: ProviderName }>(zones: readonly Z[], why: string, note: (text: string) => void): Z[] {
  const named = otherProviderZones(zones);
  if (named === null) return [...zones];
  const kept = zones.filter((zone) => zone.provider === 'cloudflare');
  if (kept.length === 0) throw new UserError(`${why}: ${named} ${zones.length > 1 ? 'are' : 'is'} not on Cloudflare`, { hint: 'this command reads Cloudflare only; see docs/providers.md' });
  note(`note: ${why}: left out ${named}\n`);
  return kept;
}

/** `zone static (Fastly)`, `zones static (Fastly), media (CloudFront)`: the zones of `zones` not on Cloudflare; null when none is. */
function otherProviderZones(zones: readonly { readonly name: string; readonly provider?: ProviderName }[]): string | null {
  const others = zones.filter((zone) => (zone.provider ?? 'cloudflare') !== 'cloudflare');
  if (others.length === 0) return null;
  return `zone${others.length > 1 ? 's' : ''} ${others.map((zone) => `${zone.name} (${NAMES[zone.provider!]})`).join(', ')}`;
}

/**
 * What `apply --verify` or `--warm` (`flag`) says of a plan with Fastly or CloudFront requests:
 * it requests Cloudflare's edge only, so those zones' requests are left out; null when there are none.
 */
export function edgeOnlyNote(flag: string, zones: readonly { readonly name: string; readonly provider?: ProviderName }[], requests: readonly { readonly zone: string }[]): string | null {
  const used = new Set(requests.map((request) => request.zone));
  const named = otherProviderZones(zones.filter((zone) => used.has(zone.name)));
  return named === null ? null : `${flag} requests Cloudflare's edge and reads its cache status (it is Cloudflare's): left out the requests of ${named}`;
}
