// Listing a build directory (docs/purge-yaml.md, "Groups from the deploy"): every regular file
// below it, recursively, by its path relative to it. Symbolic links are followed only while they
// stay inside the directory; names that cannot form a URL, links leading out, and things that are
// not files (pipes, sockets, devices) are skipped and reported by name. `.git` is never listed.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { compare } from '../vocabulary.js';

export type SkipReason = 'name' | 'outside' | 'dangling' | 'loop' | 'special' | 'unreadable';

export interface Skipped {
  /** Relative to the listed directory, as it can be shown (invalid UTF-8 bytes as `\xNN`). */
  readonly path: string;
  readonly why: SkipReason;
}

export interface Listing {
  /** Regular files, relative to the directory ("/" separators), sorted in code-unit order. */
  readonly files: string[];
  readonly skipped: Skipped[];
}

/** C0 and C1 controls and DEL: no URL can carry them (the WHATWG parser drops tabs and newlines). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** A name's bytes as text to show: valid UTF-8 as it is, other bytes as `\xNN`. */
function shownName(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/** The names of a directory that are not valid UTF-8, by the text they read as (U+FFFD for the bad bytes), each as it can be shown. */
function invalidNames(dir: string): Map<string, string[]> {
  const invalid = new Map<string, string[]>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const bytes of readdirSync(dir, { encoding: 'buffer' })) {
    try {
      decoder.decode(bytes);
    } catch {
      const read = bytes.toString('utf8');
      invalid.set(read, [...(invalid.get(read) ?? []), shownName(bytes)]);
    }
  }
  return invalid;
}

function inside(realRoot: string, real: string): boolean {
  const path = relative(realRoot, real);
  return path === '' || (!path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path));
}

/**
 * The files of `root` (a directory, already checked), relative to it. `excluded` is asked about
 * each file and each directory (with a trailing "/"): an excluded directory is not read.
 */
export function listFiles(root: string, excluded: (path: string) => boolean = () => false): Listing {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  const realRoot = realpathSync(root);
  // Each directory with its real path and those of the directories above it (a link back up is a loop).
  type Directory = { abs: string; rel: string; real: string; chain: readonly string[] };
  const stack: Directory[] = [{ abs: root, rel: '', real: realRoot, chain: [realRoot] }];
  while (stack.length > 0) {
    const { abs, rel, real, chain } = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      skipped.push({ path: rel || '.', why: 'unreadable' });
      continue;
    }
    let invalid: Map<string, string[]> | undefined;
    const subdirectories: Directory[] = [];
    for (const entry of entries) {
      const name = entry.name;
      if (name === '.git') continue;
      const path = rel + name;
      const shown = name.includes('\uFFFD') ? (invalid ??= invalidNames(abs)).get(name)?.shift() : undefined;
      if (shown !== undefined) {
        // The name as read lost bytes that are not UTF-8: it can neither be opened nor form a URL.
        skipped.push({ path: rel + shown, why: 'name' });
        continue;
      }
      if (CONTROL.test(name)) {
        skipped.push({ path, why: 'name' });
        continue;
      }
      let kind: 'file' | 'directory' | 'other' = entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
      if (kind === 'file') {
        if (!excluded(path)) files.push(path);
        continue;
      }
      const full = join(abs, name);
      let target = join(real, name);
      if (entry.isSymbolicLink()) {
        const followed = followLink(full, realRoot, chain);
        if ('why' in followed) {
          skipped.push({ path, why: followed.why });
          continue;
        }
        ({ kind, real: target } = followed);
      }
      if (kind === 'directory') {
        if (!excluded(`${path}/`)) subdirectories.push({ abs: full, rel: `${path}/`, real: target, chain: [...chain, target] });
      } else if (kind === 'file') {
        if (!excluded(path)) files.push(path);
      } else {
        skipped.push({ path, why: 'special' });
      }
    }
    subdirectories.sort((a, b) => compare(b.rel, a.rel));
    stack.push(...subdirectories);
  }
  files.sort(compare);
  skipped.sort((a, b) => compare(a.path, b.path));
  return { files, skipped };
}

/** Where a symbolic link leads: a file or directory inside the root, or why it is skipped. */
function followLink(full: string, realRoot: string, chain: readonly string[]): { kind: 'file' | 'directory'; real: string } | { why: SkipReason } {
  let real: string;
  try {
    real = realpathSync(full);
  } catch (error) {
    return { why: (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'loop' : 'dangling' };
  }
  if (!inside(realRoot, real)) return { why: 'outside' };
  let stats;
  try {
    stats = statSync(real);
  } catch {
    return { why: 'dangling' };
  }
  if (stats.isDirectory()) return chain.includes(real) ? { why: 'loop' } : { kind: 'directory', real };
  return stats.isFile() ? { kind: 'file', real } : { why: 'special' };
}
