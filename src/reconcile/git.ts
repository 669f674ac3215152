// Read-only access to git for the `--base REF` baseline and for listing watched files (docs/commands.md#only-what-changed).
// Every call runs `git` with an argument vector (never a shell) and only reads: no checkout, no
// index refresh (GIT_OPTIONAL_LOCKS=0), so a plan on a pull request leaves the clone as it was.
import { spawnSync } from 'node:child_process';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { UserError } from '../errors.js';
import { compare as compareStrings } from '../vocabulary.js';
import { mayBeInWorkTree } from './git-index.js';

/** One entry of a tree at a commit: a file (or symlink) with its blob id and size in bytes. */
export interface TreeBlob {
  readonly path: string;
  /** git's file mode: "100644", "100755", or "120000" for a symbolic link (its blob is the link's text). */
  readonly mode: string;
  readonly oid: string;
  readonly size: number;
}

const GIT_ENV = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
/** Blob bytes read per `git cat-file --batch` run, so large watched trees do not sit in memory at once. */
const BLOB_CHUNK_BYTES = 64 * 1024 * 1024;
const LISTING_MAX_BYTES = 512 * 1024 * 1024;
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

type GitResult =
  | { readonly kind: 'ok'; readonly stdout: Buffer }
  | { readonly kind: 'failed'; readonly status: number | null; readonly stderr: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

function runGit(cwd: string, args: readonly string[], options: { input?: string; maxBuffer?: number } = {}): GitResult {
  const result = spawnSync('git', args, {
    cwd,
    env: GIT_ENV,
    input: options.input,
    maxBuffer: options.maxBuffer ?? LISTING_MAX_BYTES,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  if (result.error) {
    // spawn reports a missing cwd as ENOENT too, so tell the two apart here.
    if (!isDirectory(cwd)) return { kind: 'unavailable', reason: `directory ${cwd} does not exist` };
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'unavailable', reason: 'git is not installed or not on PATH' };
    return { kind: 'unavailable', reason: `could not run git: ${result.error.message}` };
  }
  if (result.status !== 0) return { kind: 'failed', status: result.status, stderr: result.stderr.toString('utf8').trim() };
  return { kind: 'ok', stdout: result.stdout };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Output of a git command that must succeed; anything else is reported with git's own words. */
function gitOutput(cwd: string, args: readonly string[], options: { input?: string; maxBuffer?: number } = {}): Buffer {
  const result = runGit(cwd, args, options);
  if (result.kind === 'ok') return result.stdout;
  if (result.kind === 'unavailable') throw new UserError(result.reason);
  throw new UserError(`git ${args[0]} failed in ${cwd}: ${result.stderr || `exit status ${result.status}`}`);
}

function splitNul(output: Buffer): string[] {
  return output.toString('utf8').split('\0').filter((entry) => entry !== '');
}

function assertCommit(commit: string): void {
  if (!COMMIT_ID.test(commit)) throw new Error(`expected a full commit id from resolveCommit, got ${JSON.stringify(commit)}`);
}

/** A repository-relative path in git's form ("a/b"), or "" for the top level; refuses anything outside. */
export function normalizeRepoPath(path: string): string {
  const normalized = posix.normalize(path.split(sep).join('/')).replace(/\/+$/, '');
  if (normalized === '.' || normalized === '') return '';
  if (posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new UserError(`path "${path}" is outside the git repository`);
  }
  return normalized;
}

/** The top-level directory of the work tree containing `dir`, or null (not a repository, or no git). */
export function gitTopLevel(dir: string): string | null {
  const result = runGit(dir, ['rev-parse', '--show-toplevel']);
  if (result.kind !== 'ok') return null;
  const topLevel = result.stdout.toString('utf8').replace(/\n$/, '');
  return topLevel === '' ? null : topLevel;
}

/**
 * The top level for `--base REF`: a clear error when git itself cannot be run (not installed, not
 * on PATH) and when `dir` is not inside a repository, which are two different things to fix.
 */
export function baseTopLevel(dir: string, ref: string): string {
  const result = runGit(dir, ['rev-parse', '--show-toplevel']);
  if (result.kind === 'unavailable') {
    throw new UserError(`--base ${ref} needs git: ${result.reason}`, { hint: 'install git (or put it on PATH), or drop --base to use the state file' });
  }
  const topLevel = result.kind === 'ok' ? result.stdout.toString('utf8').replace(/\n$/, '') : '';
  if (topLevel === '') {
    throw new UserError(`--base ${ref}: ${dir} is not inside a git repository`, { hint: 'run purgeplan from a git checkout, or drop --base to use the state file' });
  }
  return topLevel;
}

/** `dir` as a path relative to the top level ("" for the top level itself), through symlinks such as /tmp. */
export function repoRelativeDir(topLevel: string, dir: string): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw new UserError(`directory ${dir} does not exist`);
  }
  const inside = relative(realpathSync(topLevel), real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new UserError(`${dir} is not inside the git repository ${topLevel}`);
  }
  return normalizeRepoPath(inside);
}

/** The full commit id that `ref` (a branch, tag, sha, `HEAD~1`, ...) names. */
export function resolveCommit(topLevel: string, ref: string): string {
  if (ref === '' || ref.startsWith('-')) {
    throw new UserError(`"${ref}" is not a valid git ref${ref === '' ? '' : ': refs may not start with "-"'}`, {
      hint: 'give a branch, tag or commit, e.g. --base origin/main',
    });
  }
  const result = runGit(topLevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (result.kind === 'ok') return result.stdout.toString('utf8').trim();
  if (result.kind === 'unavailable') throw new UserError(`--base needs git: ${result.reason}`);
  const inRepository = runGit(topLevel, ['rev-parse', '--git-dir']);
  if (inRepository.kind !== 'ok') {
    throw new UserError(`--base needs a git repository, and ${topLevel} is not inside one`, {
      hint: 'run purgeplan in a clone of the repository, or plan against the state file instead of --base',
    });
  }
  throw new UserError(`unknown git ref "${ref}"`, {
    hint: `check the name with "git rev-parse ${ref}"; CI checkouts are often shallow, so fetch it first (e.g. "git fetch origin main") or check out with full history`,
  });
}

/** Files (and symlinks) under `repoRelativeDir` at `commit`, with their blob ids and sizes; submodules are skipped. */
export function listBlobsAtCommit(topLevel: string, commit: string, repoRelativeDir: string): TreeBlob[] {
  assertCommit(commit);
  const dir = normalizeRepoPath(repoRelativeDir);
  const args = ['ls-tree', '-r', '-l', '-z', '--full-tree', commit];
  if (dir !== '') args.push('--', dir);
  const blobs: TreeBlob[] = [];
  for (const entry of splitNul(gitOutput(topLevel, args))) {
    const tab = entry.indexOf('\t');
    const [mode, type, oid, size] = entry.slice(0, tab).split(/ +/);
    const path = entry.slice(tab + 1);
    if (type !== 'blob') continue;
    // Without the trailing "/", `ls-tree -- dir` would also list a sibling file named exactly `dir`.
    if (dir !== '' && !path.startsWith(`${dir}/`)) continue;
    blobs.push({ path, mode, oid, size: Number(size) });
  }
  return blobs.sort((a, b) => compareStrings(a.path, b.path));
}

/** The contents of the given blobs, in the order given, read with a few `git cat-file --batch` runs. */
export function readBlobs(topLevel: string, blobs: readonly Pick<TreeBlob, 'oid' | 'size'>[]): Buffer[] {
  const contents: Buffer[] = [];
  let start = 0;
  while (start < blobs.length) {
    let end = start;
    let bytes = 0;
    while (end < blobs.length && (end === start || bytes + blobs[end].size <= BLOB_CHUNK_BYTES)) {
      bytes += blobs[end].size;
      end += 1;
    }
    const chunk = blobs.slice(start, end);
    const input = chunk.map((blob) => `${blob.oid}\n`).join('');
    const output = gitOutput(topLevel, ['cat-file', '--batch'], { input, maxBuffer: bytes + chunk.length * 128 + 1024 });
    contents.push(...parseBatch(output, chunk.length));
    start = end;
  }
  return contents;
}

/** Parses `git cat-file --batch` output: "<oid> <type> <size>\n<bytes>\n" per object. */
function parseBatch(output: Buffer, count: number): Buffer[] {
  const contents: Buffer[] = [];
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    const newline = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, newline).toString('utf8').split(' ');
    if (header.length !== 3) {
      throw new UserError(`git could not read object ${header[0]} (${header.slice(1).join(' ') || 'no answer'})`, {
        hint: 'the clone may be incomplete; fetch the missing history, or plan against the state file instead of --base',
      });
    }
    const size = Number(header[2]);
    contents.push(output.subarray(newline + 1, newline + 1 + size));
    offset = newline + 1 + size + 1;
  }
  return contents;
}

/** The bytes of one file at `commit`, or null when no file has that path there. */
export function readFileAtCommit(topLevel: string, commit: string, repoRelativePath: string): Buffer | null {
  assertCommit(commit);
  const path = normalizeRepoPath(repoRelativePath);
  if (path === '') return null;
  const listing = gitOutput(topLevel, ['ls-tree', '-l', '-z', '--full-tree', commit, '--', path]);
  for (const entry of splitNul(listing)) {
    const tab = entry.indexOf('\t');
    const [, type, oid, size] = entry.slice(0, tab).split(/ +/);
    if (entry.slice(tab + 1) === path && type === 'blob') return readBlobs(topLevel, [{ oid, size: Number(size) }])[0];
  }
  return null;
}

/**
 * Files under `dir`, relative to it with "/" separators, sorted. In a git work tree: tracked and
 * untracked files that are not ignored (deleted ones left out); elsewhere a walk of the directory
 * that skips `.git` and `node_modules`. Symlinks are listed, never followed.
 */
export function listWorkingFiles(dir: string): string[] {
  // One git process: every path tagged, deleted ones ("R") also listed as tracked. --others needs
  // a work tree, so this fails exactly where `rev-parse --show-toplevel` does (outside a
  // repository, in .git, in a bare one): then the walk below. Where no work tree can be, the top
  // level is asked first.
  const args = ['ls-files', '-z', '-t', '--cached', '--others', '--exclude-standard', '--deleted'];
  const tagged = mayBeInWorkTree(dir) ? runGit(dir, args) : undefined;
  if (tagged?.kind === 'ok' || gitTopLevel(dir) !== null) {
    const listed = new Set<string>();
    const deleted = new Set<string>();
    for (const entry of splitNul(tagged?.kind === 'ok' ? tagged.stdout : gitOutput(dir, args))) (entry.startsWith('R ') ? deleted : listed).add(entry.slice(2));
    return [...listed].filter((path) => !deleted.has(path)).sort(compareStrings);
  }
  const files: string[] = [];
  const walk = (absolute: string, prefix: string): void => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(join(absolute, entry.name), path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && !SKIPPED_DIRECTORIES.has(entry.name)) {
        files.push(path);
      }
    }
  };
  walk(dir, '');
  return files.sort(compareStrings);
}
