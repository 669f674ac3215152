// An exclusive lock file, so two applies never run on the same state and journal at once
// (spec §5). Created with O_EXCL ('wx'); a lock left by a dead process is reported, never
// silently taken over: the user decides (as with `terraform force-unlock`).
import { closeSync, openSync, readFileSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
}

export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
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

export const DEFAULT_LOCK_CONTEXT: LockContext = {
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
  mkdirSync(dirname(path), { recursive: true });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw lockedError(path, context);
    throw new UserError(`cannot create the lock file ${path}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  let released = false;
  return {
    path,
    owner,
    release() {
      if (released) return;
      released = true;
      // Only our own lock: if someone removed a lock they judged stale and took it, leave theirs.
      try {
        if (readFileSync(path, 'utf8') === text) unlinkSync(path);
      } catch {
        // Already gone.
      }
    },
  };
}

function lockedError(path: string, context: LockContext): UserError {
  const owner = readOwner(path);
  const removal = `if no apply is running, remove it: rm ${quoteForShell(path)}`;
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
