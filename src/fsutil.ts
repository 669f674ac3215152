// Files purgeplan writes: plan files (--out), state, journal, lock (README "Apply", "Files").
// Each is written whole or not at all (temp file + rename), through symbolic links to the file
// they lead to (a state kept on a mounted volume stays there, a link stays a link), and only as a
// regular file: a device, a fifo or a directory in the way is refused, never replaced.
import { accessSync, closeSync, constants, fchmodSync, mkdirSync, fsyncSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';

/** Symbolic links followed before giving up (Linux's own limit is 40). */
const MAX_LINKS = 40;

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
  EEXIST: 'file exists',
};

/** `no space left on device (ENOSPC)`: what a file-system error means, without Node's call syntax. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return `${REASONS[code]} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${message} (${code})` : message;
}

function hintFor(error: unknown): string | undefined {
  switch ((error as NodeJS.ErrnoException | null)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return 'free some space on that file system (or raise the quota)';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'make that file and its directory writable by this user, or choose another path';
    default:
      return undefined;
  }
}

/** A file purgeplan could not write: names it (`label`, e.g. "the state file PATH", "--out FILE") and why. */
export class FileWriteError extends UserError {
  constructor(readonly label: string, message: string, hint?: string) {
    super(message, hint === undefined ? {} : { hint });
    this.name = 'FileWriteError';
  }

  static of(label: string, error: unknown): FileWriteError {
    if (error instanceof FileWriteError) return error;
    return new FileWriteError(label, `cannot write ${label}: ${describeFsError(error)}`, hintFor(error));
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a fifo (a pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(label: string, stats: Stats, hint: string | undefined): FileWriteError {
  const kind = kindOf(stats);
  return new FileWriteError(label, `${label} is ${kind}${kind === 'not a regular file' ? '' : ', not a regular file'}: purgeplan writes only regular files`,
    stats.isDirectory() ? 'name a file to write, not a directory' : hint ?? 'name a regular file (or a symbolic link to one)');
}

/**
 * The file that writing `path` really writes: `path` itself, or what its symbolic links lead to
 * (a link to a file not yet created too), with every directory resolved. Refuses a target that is
 * not a regular file, and a directory that does not exist (it is never created here: a volume
 * that is not mounted must not be replaced by an empty directory).
 */
export function writeTarget(path: string, label: string, notRegularHint?: string): string {
  let existing: Stats | null = null;
  try {
    // Following every link at once sees through /dev/stdout and /proc/self/fd/N to the pipe or terminal.
    existing = statSync(path);
  } catch {
    // Nothing there yet, or a link to nothing yet: walked below.
  }
  if (existing !== null && !existing.isFile()) throw notRegular(label, existing, notRegularHint);
  let current = resolve(path);
  for (let links = 0; ; links++) {
    if (links > MAX_LINKS) throw FileWriteError.of(label, Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' }));
    let directory: string;
    try {
      directory = realpathSync(dirname(current));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FileWriteError(label, `cannot write ${label}: the directory ${dirname(current)} does not exist`, 'create it first, or choose another path');
      }
      throw FileWriteError.of(label, error);
    }
    current = join(directory, basename(current));
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw FileWriteError.of(label, error);
    }
    if (!stats.isSymbolicLink()) {
      if (!stats.isFile()) throw notRegular(label, stats, notRegularHint);
      return current;
    }
    current = resolve(directory, readlinkSync(current));
  }
}

/**
 * Creates the directory `path` is in (`.purgeplan/` for the default state), not the directory a
 * link leads to: a target directory that is missing stays an error (writeTarget).
 */
export function makeDirectoryOf(path: string, label: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new FileWriteError(label, `cannot create the directory of ${label}: ${describeFsError(error)}`, hintFor(error));
  }
}

/**
 * Before anything is sent: `path` can be written (its target is a regular file or nothing yet, in
 * an existing directory this user may write to), so that an apply never learns it only after
 * its purges went out. A full disk can still only be found by writing.
 */
export function checkWritable(path: string, label: string): void {
  const target = writeTarget(path, label);
  try {
    accessSync(dirname(target), constants.W_OK);
  } catch (error) {
    throw FileWriteError.of(label, error);
  }
}

/** `label`, naming where the link leads when `path` is one: a full disk or a read-only volume is there. */
export function withLinkTarget(path: string, target: string, label: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return `${label} (a link to ${target})`;
  } catch {
    // Not there yet: not a link.
  }
  return label;
}

export function writeFileAtomic(path: string, data: string, label = path): void {
  writeChunksAtomic(path, [data], label);
}

/** Writes all of `bytes` at the file's position (a short write is continued, not lost). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * A file written whole or not at all, from chunks (a plan of millions of items needs no single
 * string): into a temp file beside the real target, then renamed over it. An existing target
 * keeps its permissions. Every failure is a FileWriteError naming `label`; no temp file is left.
 */
export function writeChunksAtomic(path: string, chunks: Iterable<string | Uint8Array>, label = path): void {
  const target = writeTarget(path, label);
  label = withLinkTarget(path, target, label);
  let mode: number | null = null;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    // A new file.
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (error) {
    throw FileWriteError.of(label, error);
  }
  try {
    if (mode !== null) fchmodSync(fd, mode);
    for (const chunk of chunks) writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    fsyncSync(fd);
    closeSync(fd);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Closed already.
    }
    removeQuietly(temp);
    throw FileWriteError.of(label, error);
  }
  try {
    renameSync(temp, target);
  } catch (error) {
    // Never leave the temp file behind (a directory in the way, a read-only target…).
    removeQuietly(temp);
    throw FileWriteError.of(label, error);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or never created.
  }
}
