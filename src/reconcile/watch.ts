// `watch` globs and the content digest of the files they match (docs/commands.md#only-what-changed). Patterns follow
// gitignore's rules, relative to the directory of purge.yaml: see compileWatch.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listBlobsAtCommit, listWorkingFiles, normalizeRepoPath, readBlobs } from './git.js';
import type { LoadedConfig } from '../config/load.js';
import { displayPath } from '../config/path.js';
import type { Diagnostic } from '../diagnostics.js';
import { compare as compareStrings } from '../vocabulary.js';

const DIGEST_DOMAIN = 'purgeplan watch digest v1\0';

/**
 * purgeplan's own files never count as watched content: otherwise a group watching the directory
 * they are in would change with every apply that records it (or every plan saved there), and be
 * due forever. They are every `.purgeplan` directory (a configuration's state, journal and lock),
 * the state file in use wherever `--state` put it, with its journal, lock and temporary files, and
 * saved plans (`plan --out`), known by how purgeplan begins them.
 */
function ownFile(statePath: string | undefined): (path: string) => boolean {
  const stateDir = statePath === undefined ? '' : statePath.slice(0, statePath.lastIndexOf('/') + 1);
  const tempPrefix = statePath === undefined ? '' : `${stateDir}.${statePath.slice(stateDir.length)}`;
  return (path) => {
    if (path.startsWith('.purgeplan/') || path.includes('/.purgeplan/')) return true;
    if (statePath === undefined) return false;
    if (path === statePath || path === `${statePath}.journal` || path === `${statePath}.lock`) return true;
    // Atomic writes go through `.NAME.<pid>.<time>.tmp` beside the file (fsutil.ts).
    return path.startsWith(tempPrefix) && path.endsWith('.tmp') && !path.slice(stateDir.length).includes('/');
  };
}

/** A saved plan: what `plan --out` writes begins so (render/json.ts writes the plan's fields in order). */
const PLAN_START = Buffer.from('{"format_version":1,"config":{"path":');
function isPlanDocument(content: Uint8Array): boolean {
  return content.length >= PLAN_START.length && Buffer.compare(PLAN_START, content.subarray(0, PLAN_START.length)) === 0;
}

interface CompiledPattern {
  readonly negated: boolean;
  readonly regex: RegExp | null;
}

function literal(char: string): string {
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

/** Translates a `[...]` class starting at `pattern[start]`; null when it is not closed (then `[` is literal). */
function bracketClass(pattern: string, start: number): { source: string; end: number } | null {
  let index = start + 1;
  let negated = false;
  if (pattern[index] === '!' || pattern[index] === '^') {
    negated = true;
    index += 1;
  }
  const members: string[] = [];
  let first = true;
  while (index < pattern.length && (pattern[index] !== ']' || first)) {
    first = false;
    let char = pattern[index];
    if (char === '\\' && index + 1 < pattern.length) char = pattern[++index];
    if (pattern[index + 1] === '-' && index + 2 < pattern.length && pattern[index + 2] !== ']') {
      let last = pattern[index + 2];
      index += 2;
      if (last === '\\' && index + 1 < pattern.length) last = pattern[++index];
      members.push(`${literal(char)}-${literal(last)}`);
    } else {
      members.push(literal(char));
    }
    index += 1;
  }
  if (index >= pattern.length) return null;
  // A class never matches "/", as in git.
  return { source: negated ? `[^/${members.join('')}]` : `(?!/)[${members.join('')}]`, end: index };
}

function segmentSource(segment: string): string {
  let source = '';
  for (let index = 0; index < segment.length; index += 1) {
    const char = segment[index];
    if (char === '*') {
      while (segment[index + 1] === '*') index += 1;
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const bracket = bracketClass(segment, index);
      if (bracket === null) {
        source += literal(char);
      } else {
        source += bracket.source;
        index = bracket.end;
      }
    } else if (char === '\\' && index + 1 < segment.length) {
      source += literal(segment[++index]);
    } else {
      source += literal(char);
    }
  }
  return source;
}

function compilePattern(pattern: string): CompiledPattern {
  const negated = pattern.startsWith('!');
  let body = negated ? pattern.slice(1) : pattern.startsWith('\\!') ? pattern.slice(1) : pattern;
  const directoryOnly = body.endsWith('/');
  body = body.replace(/\/+$/, '');
  // As in gitignore: a "/" at the start or in the middle anchors the pattern to the base directory;
  // otherwise it matches at any depth.
  const anchored = body.includes('/');
  body = body.replace(/^\/+/, '');
  if (body === '') return { negated, regex: null };
  const segments = (anchored ? body : `**/${body}`).split('/');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') source += last ? '.*' : '(?:[^/]+/)*';
    else source += segmentSource(segment) + (last ? '' : '/');
  });
  // A pattern that matches a directory matches every file below it; one ending in "/" only directories.
  const below = directoryOnly ? '/.+' : '(?:/.+)?';
  try {
    return { negated, regex: new RegExp(`^(?:${source})${below}$`, 'su') };
  } catch {
    // Only a reversed range such as [z-a] gets here; like git, such a pattern matches nothing.
    return { negated, regex: null };
  }
}

/** Why a `watch` pattern cannot work as written, or undefined when it is fine (for validation). */
export function watchPatternProblem(pattern: string): string | undefined {
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  if (body.replace(/\/+/g, '') === '') return `watch pattern "${pattern}" is empty`;
  // "\!x" is a literal "!x" as in gitignore; "\\server" and "C:/" are Windows absolute paths.
  if (body.startsWith('/') || body.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(body)) {
    return `watch pattern "${pattern}" is an absolute path: patterns are relative to the directory of purge.yaml and cannot leave it`;
  }
  if (body.split('/').some((segment) => segment === '..' || segment === '.')) {
    return `watch pattern "${pattern}" may not contain "." or ".." segments: patterns are relative to the directory of purge.yaml and cannot leave it`;
  }
  if (compilePattern(pattern).regex === null) return `watch pattern "${pattern}" has an invalid character range`;
  return undefined;
}

/**
 * The `watch` entries of every group, checked (docs/purge-yaml.md): a pattern that leaves the directory of
 * purge.yaml (`..`, an absolute path) is an error at the entry; a pattern that matches no file of
 * `listFiles()` is a warning there (a typo would make the group never due for its content).
 * Without `listFiles` (purge.yaml at `--base REF`, whose own warnings are not shown) only the
 * errors are looked for. Exclusions (`!pattern`) matching nothing are fine: there is nothing to exclude.
 */
export function checkWatchPatterns(loaded: LoadedConfig, listFiles?: () => readonly string[], trackedMatch?: (test: (path: string) => boolean) => boolean): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const groups = loaded.value.groups;
  if (groups === null || typeof groups !== 'object' || Array.isArray(groups)) return diagnostics;
  let files: readonly string[] | undefined;
  for (const name of loaded.locate.keys(['groups'])) {
    const watch = ((groups as Record<string, unknown>)[name] as Record<string, unknown> | null | undefined)?.watch;
    if (!Array.isArray(watch)) continue;
    watch.forEach((pattern, index) => {
      if (typeof pattern !== 'string' || pattern === '') return; // reported by the schema
      const path = ['groups', name, 'watch', index];
      const { line, col } = loaded.locate.value(path);
      const problem = watchPatternProblem(pattern);
      if (problem !== undefined) {
        diagnostics.push({ file: loaded.file, line, col, severity: 'error', message: `${displayPath(path)}: ${problem}`, hint: 'write the path from the directory of purge.yaml, e.g. content/posts/**' });
        return;
      }
      if (listFiles === undefined || pattern.startsWith('!')) return;
      const matches = compileWatch([pattern]);
      // A tracked file in the working tree that matches settles it without listing the tree.
      if (trackedMatch?.((file) => !ownFile(undefined)(file) && matches(file))) return;
      files ??= listFiles().filter((file) => !ownFile(undefined)(file));
      if (!files.some(matches)) {
        diagnostics.push({
          file: loaded.file, line, col, severity: 'warning',
          message: `${displayPath(path)}: watch pattern "${pattern}" matches no file`,
          hint: 'check the spelling: patterns are relative to the directory of purge.yaml, and files git ignores do not count; until a file matches, this pattern never makes the group due',
        });
      }
    });
  }
  return diagnostics;
}

/**
 * A matcher for paths relative to the directory of purge.yaml ("/" separators). Rules, as in
 * gitignore: `*` and `?` do not cross "/"; `**` matches any depth; `[abc]`, `[a-z]`, `[!a]`;
 * a pattern without "/" matches a name at any depth; a leading "/" anchors (validation refuses it
 * in purge.yaml, where it reads as an absolute path: checkWatchPatterns); a pattern matching a
 * directory matches everything below it ("dir/" only directories); `!pattern` excludes; when
 * several patterns match a path, the last one decides.
 */
export function compileWatch(patterns: readonly string[]): (relPath: string) => boolean {
  const compiled = patterns.map(compilePattern).filter((pattern) => pattern.regex !== null);
  return (relPath) => {
    for (let index = compiled.length - 1; index >= 0; index -= 1) {
      if (compiled[index].regex!.test(relPath)) return !compiled[index].negated;
    }
    return false;
  };
}

function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The digest over (path, sha256 of content) pairs; paths are unique and never contain NUL. */
function digestOfHashes(entries: readonly { path: string; sha256: string }[]): string {
  const hash = createHash('sha256').update(DIGEST_DOMAIN);
  for (const entry of [...entries].sort((a, b) => compareStrings(a.path, b.path))) {
    hash.update(`${entry.path}\0${entry.sha256}\0`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** "sha256:<hex>" of a set of files: adding, removing, renaming or editing any of them changes it. */
export function watchDigest(files: readonly { path: string; content: Uint8Array }[]): string {
  return digestOfHashes(files.map((file) => ({ path: file.path, sha256: sha256Hex(file.content) })));
}

function watchedPaths(paths: readonly string[], patterns: readonly string[], own: (path: string) => boolean): string[] {
  const matches = compileWatch(patterns);
  return paths.filter((path) => !own(path) && matches(path));
}

/**
 * The digest of the files under `baseDir` (the directory of purge.yaml) that match `patterns`, as
 * they are now. A symlink counts by its target path, not the file it points to, as git stores it.
 * `files` is listWorkingFiles(baseDir), when the caller already has it (one listing for all groups).
 */
export function digestWatchedWorking(baseDir: string, patterns: readonly string[], files: readonly string[] = listWorkingFiles(baseDir), statePath?: string): string {
  const entries: { path: string; sha256: string }[] = [];
  for (const path of watchedPaths(files, patterns, ownFile(statePath))) {
    const absolute = join(baseDir, path);
    let stats;
    try {
      stats = lstatSync(absolute);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (stats.isSymbolicLink()) entries.push({ path, sha256: sha256Hex(readlinkSync(absolute, { encoding: 'buffer' })) });
    else if (stats.isFile()) {
      const content = readFileSync(absolute);
      if (!isPlanDocument(content)) entries.push({ path, sha256: sha256Hex(content) });
    }
    // Anything else (a submodule's directory) is not content git would store as a file.
  }
  return digestOfHashes(entries);
}

/**
 * The files under a directory at a commit, listed once (one `git ls-tree`) for every group that
 * watches some of them, and each blob read and hashed once however many groups watch it.
 */
export class TreeAtCommit {
  private listing: { relative: string; mode: string; oid: string; size: number }[] | undefined;
  private readonly hashes = new Map<string, string>();
  /** Blobs that are saved plans (not watched content), by oid. */
  private readonly plans = new Set<string>();
  private readonly matched = new Map<readonly string[], readonly { relative: string; mode: string; oid: string; size: number }[]>();
  private readonly own: (path: string) => boolean;

  /** `statePath`: the state file in use, relative to the directory (its journal, lock and temporary files are not watched). */
  constructor(private readonly topLevel: string, private readonly commit: string, private readonly baseDirRepoRelative: string, statePath?: string) {
    this.own = ownFile(statePath);
  }

  /** The blobs a list of watch patterns matches (memoized by the list). */
  watched(patterns: readonly string[]): readonly { relative: string; mode: string; oid: string; size: number }[] {
    let found = this.matched.get(patterns);
    if (found === undefined) {
      const blobs = this.blobs();
      const watched = new Set(watchedPaths(blobs.map((blob) => blob.relative), patterns, this.own));
      found = blobs.filter((blob) => watched.has(blob.relative));
      this.matched.set(patterns, found);
    }
    return found;
  }

  /**
   * Reads and hashes every blob some of these pattern lists watch, in one `git cat-file --batch`
   * (chunked by size) instead of one per list: 100 watching groups are one batch, not 100.
   */
  prefetch(patternLists: readonly (readonly string[])[]): void {
    const all = new Set<{ oid: string; size: number }>();
    for (const patterns of patternLists) for (const blob of this.watched(patterns)) all.add(blob);
    this.sha256Of([...all]);
  }

  blobs(): readonly { relative: string; mode: string; oid: string; size: number }[] {
    if (this.listing === undefined) {
      const prefix = normalizeRepoPath(this.baseDirRepoRelative);
      this.listing = listBlobsAtCommit(this.topLevel, this.commit, prefix).map((blob) => ({
        ...blob,
        relative: prefix === '' ? blob.path : blob.path.slice(prefix.length + 1),
      }));
    }
    return this.listing;
  }

  /** sha256 hex of each blob's content, reading only blobs not read before (in one batch). */
  sha256Of(blobs: readonly { oid: string; size: number }[]): string[] {
    const unread = [...new Map(blobs.filter((blob) => !this.hashes.has(blob.oid)).map((blob) => [blob.oid, blob])).values()];
    const contents = readBlobs(this.topLevel, unread);
    unread.forEach((blob, index) => {
      this.hashes.set(blob.oid, sha256Hex(contents[index]));
      if (isPlanDocument(contents[index])) this.plans.add(blob.oid);
    });
    return blobs.map((blob) => this.hashes.get(blob.oid)!);
  }

  /** Whether a blob hashed by sha256Of is a saved plan. */
  isPlan(oid: string): boolean {
    return this.plans.has(oid);
  }
}

/** The same digest as digestWatchedWorking, over the files as they were at `commit`. */
export function digestWatchedAtCommit(
  topLevel: string,
  commit: string,
  baseDirRepoRelative: string,
  patterns: readonly string[],
  tree: TreeAtCommit = new TreeAtCommit(topLevel, commit, baseDirRepoRelative),
): string {
  const matching = tree.watched(patterns);
  const hashes = tree.sha256Of(matching);
  return digestOfHashes(matching.flatMap((blob, index) => (tree.isPlan(blob.oid) ? [] : [{ path: blob.relative, sha256: hashes[index] }])));
}
