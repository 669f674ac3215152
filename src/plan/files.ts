// A `files` body kept compact: the URL and the header variant of each item, by reference. The
// `{url, headers}` entries are built only when something reads `body.files` (apply sends one
// request at a time), so a million-item plan holds two pointers per item instead of an object.
import type { Variant } from '../expand/variants.js';
import type { FileEntry, PlannedRequest, PurgeBody } from './types.js';

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

/**
 * JSON.stringify(request), with a compact files body written straight from its URLs and variants:
 * each URL's JSON is built once for its run of variants, each variant's headers JSON once for the
 * plan. The body is the request's last key. Used by the plan's JSON writer and by its digest.
 */
export function requestJson(request: PlannedRequest): string {
  const compact = compactFilesOf(request.body);
  if (!compact) return JSON.stringify(request);
  const { body: _body, ...head } = request;
  let out = `${JSON.stringify(head).slice(0, -1)},"body":{"files":[`;
  const { urls, variants } = compact;
  let lastUrl: string | undefined;
  let urlJson = '';
  for (let i = 0; i < urls.length; i++) {
    if (urls[i] !== lastUrl) {
      lastUrl = urls[i];
      urlJson = JSON.stringify(lastUrl);
    }
    const headers = variants[i].objectJson;
    out += (i ? ',' : '') + (headers === null ? urlJson : `{"url":${urlJson},"headers":${headers}}`);
  }
  return `${out}]}}`;
}
