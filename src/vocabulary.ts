// The vocabulary every stage shares: how names and values are ordered, and what a request does.
// A leaf: it imports nothing of ours, so any module may import it without making a cycle.

/** Code-unit order, the one order of names, URLs and values in plans, messages and digests (never locale order). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a group's items go to: Cloudflare's purge_cache, or invalidate_cache (docs/purge-yaml.md#purge-or-invalidate-action). */
export type Action = 'purge' | 'invalidate';
