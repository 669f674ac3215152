// Files named by purge.yaml (`vars: {file: …}`) must stay inside its directory: plans run on
// untrusted pull requests, and a crafted path must not read the runner's secrets (docs/purge-yaml.md).
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

import { decodeText } from './text.js';

export type ReadResult = { readonly bytes: Uint8Array } | { readonly problem: string; readonly hint?: string };

/** Where a configuration's companion files come from: the working tree, or git at a commit. */
export interface SourceReader {
  read(relativePath: string): ReadResult;
}

const MAX_VARS_FILE_BYTES = 64 * 1024 * 1024;

/** Refuses absolute paths and `..`; returns the path with `/` separators. */
export function containedPath(path: string): { path: string } | { problem: string; hint: string } {
  const hint = 'name a file inside the directory of purge.yaml, relative to it (e.g. data/slugs.txt)';
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('\\')) return { problem: `"${path}" is an absolute path`, hint };
  const parts = path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { problem: `"${path}" leaves the directory of purge.yaml`, hint };
  if (parts.length === 0) return { problem: `"${path}" is not a file name`, hint };
  return { path: parts.join('/') };
}

/** Why a file could not be read, in words, with what to do about it. */
function unreadable(relativePath: string, error: unknown): { problem: string; hint?: string } {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return { problem: `cannot read "${relativePath}": no such file`, hint: 'create it beside purge.yaml, or fix the path' };
    case 'EACCES':
    case 'EPERM':
      return { problem: `cannot read "${relativePath}": permission denied`, hint: 'make the file (and its directories) readable by the user running purgeplan' };
    case 'ELOOP':
      return { problem: `cannot read "${relativePath}": symbolic link loop`, hint: 'make the link point at a file' };
    case 'ENOTDIR':
      return { problem: `cannot read "${relativePath}": a part of the path is not a directory`, hint: 'fix the path' };
    default:
      return { problem: `cannot read "${relativePath}": ${code ?? 'error'}` };
  }
}

export function workingTreeReader(baseDir: string): SourceReader {
  let realBase: string | undefined;
  return {
    read(relativePath) {
      const contained = containedPath(relativePath);
      if ('problem' in contained) return contained;
      const full = join(baseDir, contained.path);
      let real: string;
      try {
        realBase ??= realpathSync(baseDir);
        real = realpathSync(full);
      } catch (error) {
        return unreadable(relativePath, error);
      }
      const inside = relative(realBase, real);
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
        return { problem: `"${relativePath}" is a symbolic link leading outside the directory of purge.yaml`, hint: 'copy the file into the repository instead of linking to it' };
      }
      try {
        const stat = statSync(real);
        if (!stat.isFile()) return { problem: `"${relativePath}" is not a regular file` };
        if (stat.size > MAX_VARS_FILE_BYTES) return { problem: `"${relativePath}" is ${stat.size} bytes; vars files are read up to ${MAX_VARS_FILE_BYTES} bytes` };
        return { bytes: readFileSync(real) };
      } catch (error) {
        return unreadable(relativePath, error);
      }
    },
  };
}

/** A value of a vars file with where it starts (1-based line and column, in characters). */
interface FileValue {
  readonly value: string;
  readonly line: number;
  readonly col: number;
}

/**
 * One value a line (docs/purge-yaml.md): LF, CRLF or CR line ends; `#` at the start of a line or after
 * whitespace starts a comment; each line is trimmed; blank lines are skipped. A `#` inside a
 * value (`a#b`) is kept here and refused by the value rules, as whitespace inside one is.
 */
export function parseValuesFile(bytes: Uint8Array): { values: FileValue[] } | { problem: string; hint?: string } {
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    return decoded.problem === 'binary'
      ? { problem: 'is a binary file, not text with one value a line', hint: 'check the file name' }
      : { problem: decoded.problem === 'utf16' ? 'is UTF-16 text, not UTF-8' : 'is not valid UTF-8 text', hint: 'save it as UTF-8' };
  }
  const values: FileValue[] = [];
  const text = decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const comment = /(?:^|\s)#/u.exec(line);
    const content = comment ? line.slice(0, comment.index) : line;
    const value = content.trim();
    if (value === '') return;
    const leading = content.length - content.trimStart().length;
    values.push({ value, line: index + 1, col: [...content.slice(0, leading)].length + 1 });
  });
  return { values };
}
