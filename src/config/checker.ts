// What every pass of the semantic check shares (src/config/check.ts runs them): the file being
// checked, where its problems go, how a value's text is read, and the digest of every input read.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { Diagnostic, Position } from '../diagnostics.js';
import { didYouMean } from '../suggest.js';
import type { SourceReader } from './files.js';
import type { LoadedConfig } from './load.js';
import { displayPath } from './path.js';
import type { PathSegment, Report } from './path.js';
import type { TextOf } from './raw.js';
import type { CacheKey } from './types.js';

export interface Checker {
  readonly loaded: LoadedConfig;
  /** Reads the files purge.yaml names (`vars: {file: …}`). */
  readonly reader: SourceReader;
  /** Every problem found, in the order found. */
  readonly diagnostics: Diagnostic[];
  /** Where a problem at the key or at the value of `path` is shown. */
  position(path: readonly PathSegment[], at: 'key' | 'value'): Position;
  readonly error: Report;
  readonly warning: Report;
  report(severity: 'error' | 'warning'): Report;
  /** A string, or a number as typed in the file (`007` stays 007); undefined for other types. */
  readonly textOf: TextOf;
  /** Digest of purge.yaml and of every vars file read, in the order read: a plan is stale when it changes. */
  readonly inputs: Hash;
}

export function newChecker(loaded: LoadedConfig, reader: SourceReader): Checker {
  const diagnostics: Diagnostic[] = [];
  const position = (path: readonly PathSegment[], at: 'key' | 'value'): Position => (at === 'key' ? loaded.locate.key(path) : loaded.locate.value(path));
  const report = (severity: 'error' | 'warning'): Report => (path, at, message, hint) => {
    const { line, col } = position(path, at);
    diagnostics.push({ file: loaded.file, line, col, severity, message, hint });
  };
  return {
    loaded, reader, diagnostics, position, report,
    error: report('error'),
    warning: report('warning'),
    textOf: (value, path) => (typeof value === 'string' ? value : typeof value === 'number' ? loaded.locate.text(path) ?? String(value) : undefined),
    inputs: createHash('sha256').update(loaded.digest),
  };
}

/** A `cache_key` (of a zone or a group) that names no profile under `cache_keys`. */
export function unknownProfile(c: Checker, at: readonly PathSegment[], name: string, profiles: ReadonlyMap<string, CacheKey>): void {
  c.error(at, 'value', `${displayPath(at)}: unknown cache key profile "${name}"${didYouMean(name, profiles.keys())}`, profiles.size ? `profiles: ${[...profiles.keys()].join(', ')}` : 'define it under cache_keys');
}
