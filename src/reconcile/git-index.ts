// Files git tracks, read from the repository's index file without running git: a fast path for
// `validate`'s question "does this watch pattern match any file?" (docs/performance.md,
// start-up). A tracked file that is in the working tree is in the listing of listWorkingFiles
// (git.ts) however the tree is listed: by git (`ls-files --cached`), or by a walk of the
// directory when git is missing or finds no work tree. So one such file that matches settles the
// question; anything this reader is not sure of is left to the listing.
// The index format: https://git-scm.com/docs/index-format
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Variables that make git read another repository, work tree or index than the one found here. */
const REDIRECTING_ENV = /^GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|NAMESPACE|CONFIG)/;
/** Repository settings under which the index is not plainly the work tree's: read nothing then. */
const UNUSUAL_CONFIG = /^\s*(\[\s*(include|includeif|extensions)\b|worktree\s*=|bare\s*=\s*(true|yes|on|1)\b)/im;
/** Directories the walk in listWorkingFiles skips: a file below one is not listed there. */
const SKIPPED = /(^|\/)(\.git|node_modules)(\/|$)/;
const NON_ASCII = /[^\x00-\x7f]/;
const REGULAR = 0o10;
const SYMLINK = 0o12;
const SPARSE_DIRECTORY = 0o04;

/**
 * A test over the files below `dir` (paths relative to it, "/" separators): true when a tracked
 * file in the working tree passes `test`; false when none does or the index cannot be read for
 * sure (list the tree then). The index is read on the first call.
 */
export function trackedFileTester(dir: string): (test: (path: string) => boolean) => boolean {
  let tracked: readonly string[] | null | undefined;
  return (test) => {
    tracked ??= trackedBelow(dir);
    return tracked !== null && tracked.some((path) => test(path) && inWorkingTree(dir, path));
  };
}

/**
 * Whether git may find a work tree from `dir`: a `.git` at or above it, or variables that point
 * git elsewhere. When not, listing the tree with git fails, and asking for the top level first
 * costs one process, not two.
 */
export function mayBeInWorkTree(dir: string): boolean {
  if (Object.keys(process.env).some((name) => REDIRECTING_ENV.test(name))) return true;
  try {
    for (let current = realpathSync(dir); ; current = dirname(current)) {
      if (statKind(join(current, '.git')) !== null) return true;
      if (dirname(current) === current) return false;
    }
  } catch {
    return true;
  }
}

/** The tracked regular files and symlinks below `dir`, relative to it; null when unsure. */
function trackedBelow(dir: string): string[] | null {
  if (Object.keys(process.env).some((name) => REDIRECTING_ENV.test(name))) return null;
  try {
    const realDir = realpathSync(dir);
    const repository = findRepository(realDir);
    if (repository === null || UNUSUAL_CONFIG.test(readFileSync(join(repository.commonDir, 'config'), 'latin1'))) return null;
    const paths = indexPaths(readFileSync(join(repository.gitDir, 'index')));
    if (paths === null) return null;
    const prefix = relative(repository.top, realDir).split(sep).join('/');
    const below = prefix === '' ? paths : paths.filter((path) => path.startsWith(`${prefix}/`)).map((path) => path.slice(prefix.length + 1));
    return below.filter((path) => !SKIPPED.test(path));
  } catch {
    // Unreadable: list the tree.
    return null;
  }
}

/**
 * The repository git finds from `dir`: the nearest `.git` at or above it, a directory or a linked
 * worktree's `gitdir:` file (the index is the worktree's, the config the repository's); null for
 * anything else.
 */
function findRepository(dir: string): { top: string; gitDir: string; commonDir: string } | null {
  for (let top = dir; ; top = dirname(top)) {
    const dotGit = join(top, '.git');
    const kind = statKind(dotGit);
    if (kind === 'directory') return isRepository(dotGit, dotGit) ? { top, gitDir: dotGit, commonDir: dotGit } : null;
    if (kind !== null) {
      const pointer = kind === 'file' ? /^gitdir: (.+)\n?$/.exec(readFileSync(dotGit, 'utf8')) : null;
      if (pointer === null) return null;
      const gitDir = resolve(top, pointer[1]);
      const commonDir = statKind(join(gitDir, 'commondir')) === 'file' ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
      return isRepository(gitDir, commonDir) ? { top, gitDir, commonDir } : null;
    }
    if (dirname(top) === top) return null;
  }
}

function isRepository(gitDir: string, commonDir: string): boolean {
  return statKind(join(gitDir, 'HEAD')) === 'file' && statKind(join(commonDir, 'objects')) === 'directory' && statKind(join(commonDir, 'refs')) === 'directory';
}

function statKind(path: string): 'file' | 'directory' | 'symlink' | 'other' | null {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'other';
  } catch {
    return null;
  }
}

/**
 * The paths of an index file (version 2 or 3, SHA-1) at stage 0 that are regular files or
 * symlinks; null for anything else (version 4, a split or sparse index, a bad checksum).
 */
function indexPaths(index: Buffer): string[] | null {
  if (index.length < 32 || index.toString('latin1', 0, 4) !== 'DIRC') return null;
  const version = index.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const end = index.length - 20;
  if (!createHash('sha1').update(index.subarray(0, end)).digest().equals(index.subarray(end))) return null;
  // Names are found in a Latin-1 copy (one decoding, slices), and decoded as UTF-8 when not ASCII.
  const text = index.toString('latin1', 0, end);
  const paths: string[] = [];
  let at = 12;
  for (let count = index.readUInt32BE(8); count > 0; count--) {
    if (at + 62 > end) return null;
    const type = index.readUInt32BE(at + 24) >>> 12;
    const flags = index.readUInt16BE(at + 60);
    const extended = (flags & 0x4000) !== 0;
    if (extended && version < 3) return null;
    const nameStart = at + 62 + (extended ? 2 : 0);
    const nameEnd = text.indexOf('\0', nameStart);
    if (nameEnd < 0) return null;
    if (type === SPARSE_DIRECTORY) return null;
    if (((flags >> 12) & 3) === 0 && (type === REGULAR || type === SYMLINK)) {
      const name = text.slice(nameStart, nameEnd);
      paths.push(NON_ASCII.test(name) ? index.toString('utf8', nameStart, nameEnd) : name);
    }
    // Entries are padded with 1 to 8 NUL bytes to a multiple of 8.
    at += (nameEnd - at + 8) & ~7;
  }
  for (; at + 8 <= end; at += 8 + index.readUInt32BE(at + 4)) {
    const signature = index.toString('latin1', at, at + 4);
    if (signature === 'link' || signature === 'sdir') return null;
  }
  return at === end ? paths : null;
}

/** The file is in the working tree below real directories (as the walk and `ls-files --deleted` see it). */
function inWorkingTree(dir: string, path: string): boolean {
  const parts = path.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    if (statKind(join(dir, ...parts.slice(0, depth))) !== 'directory') return false;
  }
  const kind = statKind(join(dir, path));
  return kind === 'file' || kind === 'symlink';
}
