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
}

const compact = new WeakMap<object, CompactFiles>();

export function compactFilesBody(runs: readonly FilesRun[], size: number): PurgeBody {
  let entries: FileEntry[] | undefined;
  const body = {};
  Object.defineProperty(body, 'files', {
    enumerable: true,
    get: () => (entries ??= expandRuns(runs, size)),
  });
  compact.set(body, { runs, size });
  return body as PurgeBody;
}

function expandRuns(runs: readonly FilesRun[], size: number): FileEntry[] {
  const entries: FileEntry[] = new Array(size);
  let k = 0;
  for (const { url, variants } of runs) {
    for (const variant of variants) entries[k++] = variant.object ? { url, headers: variant.object } : url;
  }
  return entries;
}

/** The compact form of a body made by compactFilesBody, if it is one. */
export function compactFilesOf(body: PurgeBody): CompactFiles | undefined {
  return compact.get(body);
}
