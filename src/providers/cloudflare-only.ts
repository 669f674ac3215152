// The commands that read Cloudflare itself (drift, import, coverage --graphql) and a Fastly or
// CloudFront zone (docs/providers.md): such zones are left out, with a note that says why; a
// command asked about such a zone alone refuses.
import { UserError } from '../errors.js';
import type { ProviderName } from './types.js';

const NAMES: Readonly<Record<ProviderName, string>> = { cloudflare: 'Cloudflare', fastly: 'Fastly', cloudfront: 'CloudFront' };

/** Cloudflare's zones of `zones`; a note names the others (`why`: what is Cloudflare's). None left: an error. */
export function cloudflareZonesOnly<Z extends { readonly name: string; readonly provider: ProviderName }>(zones: readonly Z[], why: string, note: (text: string) => void): Z[] {
  const others = zones.filter((zone) => zone.provider !== 'cloudflare');
  if (others.length === 0) return [...zones];
  const named = others.map((zone) => `${zone.name} (${NAMES[zone.provider]})`).join(', ');
  const kept = zones.filter((zone) => zone.provider === 'cloudflare');
  if (kept.length === 0) throw new UserError(`${why}: zone${others.length > 1 ? 's' : ''} ${named} ${others.length > 1 ? 'are' : 'is'} not on Cloudflare`, { hint: 'this command reads Cloudflare only; see docs/providers.md' });
  note(`note: ${why}: left out zone${others.length > 1 ? 's' : ''} ${named}\n`);
  return kept;
}
