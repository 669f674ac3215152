// The types of build and sitemap groups (docs/purge-yaml.md, "Groups from the deploy"), apart
// from their checks (sources.ts) so that the configuration's types can name them.
import type { Position } from '../diagnostics.js';

/** How a build's files map to URLs (docs/purge-yaml.md, "Mapping details"). */
export interface BuildMapping {
  /** Absolute http(s) URL ending in "/", as the WHATWG parser serializes it. */
  readonly baseUrl: string;
  /** The index file name (its directory's URL), or null: no index mapping. */
  readonly index: string | null;
  readonly cleanUrls: false | true | 'both';
}

export interface BuildSource extends BuildMapping {
  readonly kind: 'build';
  /** Relative to the directory of purge.yaml, "/" separators, no trailing "/" ('' for that directory itself). */
  readonly dir: string;
  readonly exclude: readonly string[];
  readonly immutable: readonly string[];
  readonly always: readonly string[];
  /** Where `dir` is written: a missing directory is reported there. */
  readonly position: Position;
  /** Where `immutable` is written (the warning about a changed immutable file points at it). */
  readonly immutablePosition: Position;
}

export interface SitemapSource {
  readonly kind: 'sitemap';
  /** Relative to the directory of purge.yaml, "/" separators. */
  readonly file: string;
  /** Relative <loc> entries are resolved against it; null: they are skipped with a warning. */
  readonly baseUrl: string | null;
  /** Where the file is written: a missing sitemap, and the warnings about its entries, point there. */
  readonly position: Position;
}

export type GroupSource = BuildSource | SitemapSource;
