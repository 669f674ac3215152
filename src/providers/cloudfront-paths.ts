// What CloudFront accepts as an invalidation path (docs/providers.md#cloudfront), a leaf so that
// purge.yaml's check and the expansion can refuse a path where it is written, before anything is
// planned or sent: "The maximum length of a path is 4,000 characters", and a `*` is a wildcard
// only at the end of the path (CloudFront Developer Guide, "Specifying the objects to invalidate").
const CLOUDFRONT_MAX_PATH_LENGTH = 4000;

/** Why a path cannot be sent, or undefined. */
export function invalidationPathProblem(path: string): string | undefined {
  if (path.length > CLOUDFRONT_MAX_PATH_LENGTH) return `its invalidation path is ${path.length} characters long, over CloudFront's ${CLOUDFRONT_MAX_PATH_LENGTH}`;
  const star = path.indexOf('*');
  if (star !== -1 && star !== path.length - 1) return `its invalidation path ${path} has a "*" before its end, which CloudFront refuses (a wildcard is allowed only at the end)`;
  return undefined;
}

/** The invalidation path of a URL: its path and query as written. */
export function urlInvalidationPath(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** The wildcard path of a prefix `host/img/`: `/img/*`. */
export function prefixInvalidationPath(prefix: string): string {
  const slash = prefix.indexOf('/');
  return `${slash === -1 ? '/' : prefix.slice(slash)}*`;
}

/** The hint of a path CloudFront cannot take. */
export const CLOUDFRONT_PATH_HINT = 'purge a prefix that covers it instead, or leave it out';

/** Of URLs a CloudFront zone would invalidate, the first whose path CloudFront refuses (with why, and how many are refused); undefined when none. */
export function refusedUrl(urls: readonly string[]): { url: string; problem: string; count: number } | undefined {
  let first: { url: string; problem: string } | undefined;
  let count = 0;
  for (const url of urls) {
    let problem: string | undefined;
    try {
      problem = invalidationPathProblem(urlInvalidationPath(url));
    } catch {
      continue; // not a URL: refused where URLs are read
    }
    if (problem === undefined) continue;
    count++;
    first ??= { url, problem };
  }
  return first === undefined ? undefined : { ...first, count };
}
