// Cloudflare's documented purge limits, per plan tier. Source: Cloudflare's purge documentation
// (developers.cloudflare.com/cache/how-to/purge-cache/, "Last updated Sep 29, 2026"); the limits
// and our readings of what it leaves open are in docs/cloudflare.md.

export const PLAN_TIERS = ['free', 'pro', 'business', 'enterprise'] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];

export interface TierLimits {
  /** Default files per request: 30 off Enterprise, the safe reading of the 30-vs-100 conflict (docs/cloudflare.md). */
  readonly filesPerRequest: number;
  /** Highest `limits.files_per_request` a zone may set (the current table's maximum). */
  readonly maxFilesPerRequest: number;
  /** Hosts, prefixes or tags per request ("Max operations per request"). */
  readonly itemsPerRequest: number;
  readonly maxItemsPerRequest: number;
  /** Token bucket for hosts/prefixes/tags/purge_everything requests, shared per account and plan. */
  readonly requestsPerSecond: number;
  readonly bucketSize: number;
  /** Moving-average URL rate for `files` requests, shared per account and plan. */
  readonly urlsPerSecond: number;
}

export const TIER_LIMITS: Readonly<Record<PlanTier, TierLimits>> = {
  // Free: 5 requests per *minute*; the one 2025 rendering with 5/s for purge-everything is not used (docs/cloudflare.md).
  free: { filesPerRequest: 30, maxFilesPerRequest: 100, itemsPerRequest: 100, maxItemsPerRequest: 100, requestsPerSecond: 5 / 60, bucketSize: 25, urlsPerSecond: 800 },
  pro: { filesPerRequest: 30, maxFilesPerRequest: 100, itemsPerRequest: 100, maxItemsPerRequest: 100, requestsPerSecond: 5, bucketSize: 25, urlsPerSecond: 1500 },
  business: { filesPerRequest: 30, maxFilesPerRequest: 100, itemsPerRequest: 100, maxItemsPerRequest: 100, requestsPerSecond: 10, bucketSize: 50, urlsPerSecond: 1500 },
  enterprise: { filesPerRequest: 500, maxFilesPerRequest: 500, itemsPerRequest: 100, maxItemsPerRequest: 100, requestsPerSecond: 50, bucketSize: 500, urlsPerSecond: 3000 },
};

export const DEFAULT_API_URL = 'https://api.cloudflare.com/client/v4';
export const DEFAULT_TOKEN_ENV = 'CLOUDFLARE_API_TOKEN';

/** Prefix purges: "Path separators are limited to 31 for a prefix" (docs/cloudflare.md). */
export const MAX_PREFIX_SEPARATORS = 31;
/** Tags: 1 to 1,024 characters in a purge call (docs/purge-yaml.md, current docs). */
export const MAX_TAG_LENGTH = 1024;

/** Headers of Cloudflare's default cache key besides Origin (docs/cloudflare.md); each is purged as absent + listed values. */
export const DEFAULT_KEY_HEADERS = [
  'x-forwarded-host', 'x-host', 'x-forwarded-scheme', 'x-original-url', 'x-rewrite-url', 'forwarded',
  'x-http-method-override', 'x-http-method', 'x-method-override',
] as const;

/** Headers a custom cache key cannot include (docs/cloudflare.md); `cf-*` is refused separately. */
export const UNINCLUDABLE_HEADERS = [
  'connection', 'content-length', 'cache-control', 'if-match', 'if-modified-since', 'if-none-match',
  'if-unmodified-since', 'range', 'upgrade', 'cookie', 'host', 'origin',
] as const;

export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet'] as const;
