// What reading a build or sitemap group gives (read.ts, sitemap-source.ts), and where problems go.
import type { Diagnostic } from '../diagnostics.js';
import type { Snapshot } from '../reconcile/snapshot.js';

/** A group's content as read now (or in the previous build). */
export interface ListedSource {
  readonly snapshot: Snapshot;
  /** The snapshot's bytes (reconcile/snapshot.ts), which the state keeps packed. */
  readonly bytes: Uint8Array;
  readonly digest: string;
  /** The build directory or sitemap, relative to purge.yaml, as plans show it. */
  readonly path: string;
  /** Sitemap entries without <lastmod>. */
  readonly withoutLastmod?: number;
}

/** Where a group's content is read and how problems there are reported. */
export interface Where {
  /** purge.yaml as messages name it. */
  readonly file: string;
  /** '' for the build, `--build-base: ` for the previous one. */
  readonly prefix: string;
  /** The path shown for the group's directory or sitemap. */
  readonly shown: string;
  readonly diagnostics: Diagnostic[];
  /** A missing directory or sitemap is an error (now) or an empty baseline (the previous build). */
  readonly required: boolean;
}
