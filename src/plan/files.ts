// A `files` body kept compact: runs of items that share a URL, each run the URL and its header
// variants (by reference, usually the group's whole variant list). The `{url, headers}` entries
// are built only when a request is sent or printed one at a time, so a million-item plan holds
// one small object per URL instead of an object per item, and the plan's JSON writer serializes
// each URL once per run and each variant once per plan.
import type { Variant } from '../expand/variants.js';

/**
 * A file item: a plain URL, or `{url, headers}`. A body is all strings or all objects: in a body
 * that mixes items with and without headers, the latter are `{url}` with no `headers` key.
 */
export type FileEntry = string | { readonly url: string; readonly headers?: Readonly<Record<string, string>> };

/** A request body as Cloudflare takes it (and as a plan file holds it). */
export type WireBody =
  | { readonly purge_everything: true }
  | { readonly hosts: readonly string[] }
  | { readonly prefixes: readonly string[] }
  | { readonly tags: readonly string[] }
  | { readonly files: readonly FileEntry[] };

/** A planned request's body: the wire form, or a `files` body kept compact (below). */
export type PurgeBody = WireBody | CompactFiles;

/** Consecutive items of a files body with the same URL: one per variant, in this order. */
export interface FilesRun {
  readonly url: string;
  readonly variants: readonly Variant[];
}

/**
 * A `files` body in its compact form: what the plan holds for the requests it makes. Its wire
 * form, `{"files": [...]}`, is built only when asked for (`wireBody`, or JSON.stringify through
 * `toJSON`: apply sends one request at a time); a plan read back from a file has plain
 * `{files}` bodies instead.
 */
export class CompactFiles {
  /**
   * Every entry is written as an object: the body mixes items with and without headers, so the
   * header-less ones are `{"url": …}` (a `files` body is all strings or all objects: docs/purge-yaml.md).
   */
  readonly objects: boolean;

  constructor(
    readonly runs: readonly FilesRun[],
    /** Items in the body: the sum of the runs' variant counts. */
    readonly size: number,
  ) {
    this.objects = mixesForms(runs);
  }

  /** The items as Cloudflare takes them, built anew on each call. */
  entries(): FileEntry[] {
    return expandRuns(this.runs, this.size, this.objects);
  }

  /** The body's JSON is the wire body's. */
  toJSON(): { files: FileEntry[] } {
    return { files: this.entries() };
  }
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

/** The body as sent to Cloudflare: a compact files body expanded, any other as it is. */
export function wireBody(body: PurgeBody): WireBody {
  return body instanceof CompactFiles ? body.toJSON() : body;
}

/** A files body's items as sent (expanded from a compact body). */
export function fileEntries(body: CompactFiles | { readonly files: readonly FileEntry[] }): readonly FileEntry[] {
  return body instanceof CompactFiles ? body.entries() : body.files;
}

/** Number of purge items a request carries (purge_everything, purge_all and a Fastly URL count as one). */
export function requestSize(body: PurgeBody | { readonly url: string } | { readonly surrogate_keys: readonly string[] } | { readonly purge_all: true } | { readonly paths: readonly string[] }): number {
  if ('purge_everything' in body || 'purge_all' in body || 'url' in body) return 1;
  if ('surrogate_keys' in body) return body.surrogate_keys.length;
  if ('paths' in body) return body.paths.length;
  if ('hosts' in body) return body.hosts.length;
  if ('prefixes' in body) return body.prefixes.length;
  if ('tags' in body) return body.tags.length;
  return body instanceof CompactFiles ? body.size : body.files.length;
}
