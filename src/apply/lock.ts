// An exclusive lock file, so two applies never run on the same state and journal at once
// (docs/commands.md). Created with O_EXCL ('wx'). A lock left by a process of this host that is no longer
// running (a CI job killed mid-apply, then retried) is taken over, and the caller says so (spec
// docs/purge-yaml.md); a lock of another host, or of a live process, is reported with its owner.
// A lock path that is a symbolic link locks the file it leads to (the link stays).
import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import { describeFsError, FileWriteError, makeDirectoryOf, writeAll, writeTarget } from '../fsutil.js';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
}

export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
  /** The dead process whose lock this one replaced, if any. */
  readonly tookOverFrom: LockOwner | null;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

export interface LockContext {
  readonly pid: number;
  readonly host: string;
  readonly now: () => number;
  /** Whether a process of this host is running (the default sends signal 0). */
  readonly isAlive: (pid: number) => boolean;
}

const DEFAULT_LOCK_CONTEXT: LockContext = {
  pid: process.pid,
  host: hostname(),
  now: () => Date.now(),
  isAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists, under another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

export function acquireLock(path: string, context: LockContext = DEFAULT_LOCK_CONTEXT): Lock {
  const owner: LockOwner = { pid: context.pid, host: context.host, started_at: new Date(context.now()).toISOString() };
  const text = `${JSON.stringify(owner)}\n`;
  const label = `the lock file ${path}`;
  makeDirectoryOf(path, label);
  const target = writeTarget(path, label);
  let fd: number | null = null;
  let tookOverFrom: LockOwner | null = null;
  for (let attempt = 0; fd === null; attempt++) {
    try {
      fd = openSync(target, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileWriteError(label, `cannot create ${label}: ${describeFsError(error)}`);
      const stale = attempt === 0 ? deadOwner(target, context) : null;
      if (stale === null) throw lockedError(path, target, context);
      // Removed only if it is still the dead owner's: another apply may have taken it meanwhile.
      try {
        if (readFileSync(target, 'utf8') === stale.text) unlinkSync(target);
      } catch {
        // Gone already: the next attempt creates it.
      }
      tookOverFrom = stale.owner;
    }
  }
  try {
    writeAll(fd, Buffer.from(text, 'utf8'));
  } catch (error) {
    closeSync(fd);
    unlinkSync(target);
    throw new FileWriteError(label, `cannot write ${label}: ${describeFsError(error)}`);
  }
  closeSync(fd);
  let released = false;
  return {
    path,
    owner,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      // Only our own lock: if someone removed a lock they judged stale and took it, leave theirs.
      try {
        if (readFileSync(target, 'utf8') === text) unlinkSync(target);
      } catch {
        // Already gone.
      }
    },
  };
}

function lockedError(path: string, target: string, context: LockContext): UserError {
  const owner = readOwner(target);
  const removal = `if no apply is running, remove it: rm ${quoteForShell(target)}`;
  if (owner === null) {
    return new UserError(`another apply holds the lock ${path} (its owner could not be read)`, { hint: removal });
  }
  const who = `pid ${owner.pid} on ${owner.host}, since ${owner.started_at}`;
  if (owner.host === context.host && !context.isAlive(owner.pid)) {
    return new UserError(`stale lock ${path}: held by ${who}, which is no longer running`, { hint: removal });
  }
  return new UserError(`another apply is running: the lock ${path} is held by ${who}`, {
    hint: `wait for it to finish; ${removal}`,
  });
}

/** The lock's owner and text when it is a process of this host that is no longer running. */
function deadOwner(path: string, context: LockContext): { owner: LockOwner; text: string } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const owner = readOwner(path);
  if (owner === null || owner.host !== context.host || owner.pid === context.pid || context.isAlive(owner.pid)) return null;
  return { owner, text };
}

function readOwner(path: string): LockOwner | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.started_at === 'string') {
      return { pid: value.pid, host: value.host, started_at: value.started_at };
    }
  } catch {
    // Unreadable or half-written: reported as an unknown owner.
  }
  return null;
}

function quoteForShell(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
