// apply's side of Fastly and CloudFront zones (docs/providers.md): their credentials, read with
// Cloudflare's tokens before the plan is shown (errors name the variables, never a secret), and
// their sessions, which the dispatch loop sends those zones' requests through.
import type { AwsCredentials } from '../providers/cloudfront.js';
import { cloudfrontApiUrl, openCloudFrontSession, readAwsCredentials } from '../providers/cloudfront.js';
import { fastlyApiUrl, openFastlySession, readFastlyTokens } from '../providers/fastly.js';
import type { ProviderSession, ProviderZone } from '../providers/types.js';
import type { PlanZone } from '../plan/types.js';

/** How a Fastly or CloudFront zone is reached. */
export type ProviderAccess =
  | { readonly provider: 'fastly'; readonly apiUrl: URL }
  | { readonly provider: 'cloudfront'; readonly apiUrl: URL; readonly credentials: AwsCredentials };

/** A zone's secret as apply keeps it: the token (scrubbed from every output), its variable, and how a provider's zone is reached. */
export interface ProviderZoneAccess {
  readonly zone: PlanZone;
  readonly token: string;
  readonly tokenEnv: string;
  readonly provider: ProviderAccess;
}

export const isCloudflareZone = (zone: Pick<PlanZone, 'provider'>): boolean => (zone.provider ?? 'cloudflare') === 'cloudflare';

/**
 * The Fastly and CloudFront zones' access, by zone name: Fastly tokens from each zone's token_env
 * (default FASTLY_API_TOKEN) and the Fastly API URL (`--fastly-api-url`, PURGEPLAN_FASTLY_API_URL);
 * AWS credentials and CloudFront's endpoint from AWS's standard variables. Throws before anything is sent.
 */
export function readProviderAccess(zones: readonly PlanZone[], env: NodeJS.ProcessEnv, fastlyApiUrlFlag: string | undefined): Map<string, ProviderZoneAccess> {
  const access = new Map<string, ProviderZoneAccess>();
  const fastly = zones.filter((zone) => zone.provider === 'fastly');
  if (fastly.length > 0) {
    const apiUrl = fastlyApiUrl(fastlyApiUrlFlag, env);
    const tokens = readFastlyTokens(fastly.map((zone) => ({ name: zone.name, tokenEnv: zone.token_env })), env);
    for (const zone of fastly) access.set(zone.name, { zone, token: tokens.get(zone.name)!, tokenEnv: zone.token_env, provider: { provider: 'fastly', apiUrl } });
  }
  const cloudfront = zones.filter((zone) => zone.provider === 'cloudfront');
  if (cloudfront.length > 0) {
    const credentials = readAwsCredentials(env, cloudfront.map((zone) => zone.name));
    const apiUrl = cloudfrontApiUrl(env);
    for (const zone of cloudfront) access.set(zone.name, { zone, token: credentials.secretAccessKey, tokenEnv: 'AWS_SECRET_ACCESS_KEY', provider: { provider: 'cloudfront', apiUrl, credentials } });
  }
  return access;
}

/** A plan zone as its provider's session sees it. */
export function providerZoneOf(zone: PlanZone): ProviderZone {
  return { name: zone.name, id: zone.zone_id ?? '', concurrency: zone.concurrency ?? 1 };
}

export interface ProviderSessionOptions {
  readonly planId: string;
  /** Connections of a provider's pool at most (`--concurrency` when it bounds every request); each pool has its zones' `limits.concurrency` in all. */
  readonly maxConnections: number;
  readonly requestTimeoutMs: number;
  /** CloudFront's invalidation ids as they come and complete (apply reports them). */
  readonly onInvalidation?: (zone: string, id: string, status: string) => void;
}

/** A provider's pool: one connection for each request its zones may have in flight, within `max`. */
function connectionsFor(access: readonly ProviderZoneAccess[], max: number): number {
  return Math.max(1, Math.min(max, access.reduce((n, a) => n + providerZoneOf(a.zone).concurrency, 0)));
}

/** One session per provider the pending zones use, by zone name (closed by `closeAll`). */
export async function openProviderSessions(access: readonly ProviderZoneAccess[], options: ProviderSessionOptions): Promise<{ byZone: Map<string, ProviderSession>; closeAll: () => Promise<void> }> {
  const byZone = new Map<string, ProviderSession>();
  const sessions: ProviderSession[] = [];
  const fastly = access.filter((a) => a.provider.provider === 'fastly');
  if (fastly.length > 0) {
    const session = await openFastlySession({
      apiUrl: fastly[0].provider.apiUrl, tokens: new Map(fastly.map((a) => [a.zone.name, a.token])),
      connections: connectionsFor(fastly, options.maxConnections), requestTimeoutMs: options.requestTimeoutMs,
    }) as ProviderSession;
    sessions.push(session);
    for (const a of fastly) byZone.set(a.zone.name, session);
  }
  const cloudfront = access.filter((a) => a.provider.provider === 'cloudfront');
  if (cloudfront.length > 0) {
    const first = cloudfront[0].provider as ProviderAccess & { provider: 'cloudfront' };
    const session = await openCloudFrontSession({
      apiUrl: first.apiUrl, credentials: first.credentials, planId: options.planId,
      connections: connectionsFor(cloudfront, options.maxConnections), requestTimeoutMs: options.requestTimeoutMs,
      ...(options.onInvalidation === undefined ? {} : { onInvalidation: options.onInvalidation }),
    }) as ProviderSession;
    sessions.push(session);
    for (const a of cloudfront) byZone.set(a.zone.name, session);
  }
  return { byZone, closeAll: async () => { await Promise.all(sessions.map((s) => s.close())); } };
}
