// A `files` body kept compact: the URL and the header variant of each item, by reference. The
// `{url, headers}` entries are built only when something reads `body.files` (apply sends one
// request at a time), so a million-item plan holds two pointers per item instead of an object.
import type { Variant } from '../expand/variants.js';
import type { FileEntry, PurgeBody } from './types.js';

export interface CompactFiles {
  readonly urls: readonly string[];
  /** The variant of each item, parallel to `urls`. */
  readonly variants: readonly Variant[];
}

const compact = new WeakMap<object, CompactFiles>();

export function compactFilesBody(urls: readonly string[], variants: readonly Variant[]): PurgeBody {
  let entries: FileEntry[] | undefined;
  const body = {};
  Object.defineProperty(body, 'files', {
    enumerable: true,
    get: () => (entries ??= urls.map((url, i) => {
      const headers = variants[i].object;
      return headers ? { url, headers } : url;
    })),
  });
  compact.set(body, { urls, variants });
  return body as PurgeBody;
}

/** The compact form of a body made by compactFilesBody, if it is one. */
export function compactFilesOf(body: PurgeBody): CompactFiles | undefined {
  return compact.get(body);
}
