// A `files` body kept compact: runs of items that share a URL, each run the URL and its header
// variants (by reference, usually the group's whole variant list). The `{url, headers}` entries
// are built only when something reads `body.files` (apply sends one request at a time), so a
// million-item plan holds one small object per URL instead of an object per item, and the plan's
// JSON writer serializes each URL once per run and each variant once per plan.
import type { Variant } from '../expand/variants.js';
import type { FileEntry, PurgeBody } from './types.js';

/** Consecutive items of a files body with the same URL: one per variant, in this order. */
export interface FilesRun {
  readonly url: string;
  readonly variants: readonly Variant[];
}

export interface CompactFiles {
  readonly runs: readonly FilesRun[];
  /** Items in the body: the sum of the runs' variant counts. */
  readonly size: number;
  /**
   * Every entry is written as an object: the body mixes items with and without headers, so the
   * header-less ones are `{"url": …}` (a `files` body is all strings or all objects: docs/purge-yaml.md).
   */
  readonly objects: boolean;
}

const compact = new WeakMap<object, CompactFiles>();

export function compactFilesBody(runs: readonly FilesRun[], size: number): PurgeBody {
  let entries: FileEntry[] | undefined;
  const body = {};
  const objects = mixesForms(runs);
  Object.defineProperty(body, 'files', {
    enumerable: true,
    get: () => (entries ??= expandRuns(runs, size, objects)),
  });
  compact.set(body, { runs, size, objects });
  return body as PurgeBody;
}

/** Whether some items have headers and some have none (Cloudflare's schema takes one form per body). */
function mixesForms(runs: readonly FilesRun[]): boolean {
  let plain = false;
  let headers = false;
  for (const { variants } of runs) {
    for (const variant of variants) {
      if (variant.object === null) plain = true;
      else headers = true;
      if (plain && headers) return true;
    }
  }
  return false;
}

function expandRuns(runs: readonly FilesRun[], size: number, objects: boolean): FileEntry[] {
  const entries: FileEntry[] = new Array(size);
  let k = 0;
  for (const { url, variants } of runs) {
    for (const variant of variants) entries[k++] = variant.object ? { url, headers: variant.object } : objects ? { url } : url;
  }
  return entries;
}

/** The compact form of a body made by compactFilesBody, if it is one. */
export function compactFilesOf(body: PurgeBody): CompactFiles | undefined {
  return compact.get(body);
}

/** Number of purge items a request carries (purge_everything counts as one). */
export function requestSize(body: PurgeBody): number {
  if ('purge_everything' in body) return 1;
  if ('hosts' in body) return body.hosts.length;
  if ('prefixes' in body) return body.prefixes.length;
  if ('tags' in body) return body.tags.length;
  return compactFilesOf(body)?.size ?? body.files.length;
}
