// Vars files as they were at a commit (`--base REF`, docs/commands.md#only-what-changed), read with the rules of the working
// tree (docs/purge-yaml.md): a symbolic link (git mode 120000, whose blob is the link's text) is followed
// inside the tree at REF, and one that leaves the directory of purge.yaml is refused.
import type { ReadResult, SourceReader } from '../config/files.js';
import { containedPath } from '../config/files.js';

/** A file of the tree at REF, relative to the directory of purge.yaml. */
export interface TreeEntry {
  readonly relative: string;
  readonly mode: string;
  readonly oid: string;
  readonly size: number;
}

const SYMLINK_MODE = '120000';
/** As Linux's MAXSYMLINKS: more links than this on one path is reported as a loop. */
const MAX_LINKS = 40;

type Resolved = { readonly entry: TreeEntry } | { readonly problem: string; readonly hint?: string };

/**
 * Resolves `path` (relative to the directory of purge.yaml) through the links of the tree, one
 * path segment at a time, so that a linked directory is followed as well as a linked file.
 */
function resolve(path: string, original: string, byPath: ReadonlyMap<string, TreeEntry>, linkText: (entry: TreeEntry) => string, ref: string): Resolved {
  const outside: Resolved = { problem: `"${original}" at ${ref} is a symbolic link leading outside the directory of purge.yaml`, hint: 'copy the file into the repository instead of linking to it' };
  const pending = path.split('/');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (done.length === 0) return outside;
      done.pop();
      continue;
    }
    const entry = byPath.get([...done, segment].join('/'));
    if (entry?.mode !== SYMLINK_MODE) {
      done.push(segment);
      continue;
    }
    links += 1;
    if (links > MAX_LINKS) return { problem: `cannot read "${original}" at ${ref}: symbolic link loop`, hint: 'make the link point at a file' };
    const target = linkText(entry);
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return outside;
    pending.unshift(...target.split('/'));
  }
  const entry = byPath.get(done.join('/'));
  if (entry === undefined) return { problem: `cannot read "${original}" at ${ref}: no such file` };
  return { entry };
}

/**
 * A SourceReader over the files below the directory of purge.yaml at a commit. `listing` is read
 * once, on the first vars file; `contents` reads blobs (a link's text is a blob too).
 */
export function treeReader(ref: string, listing: () => readonly TreeEntry[], contents: (entries: readonly TreeEntry[]) => readonly Uint8Array[]): SourceReader {
  let byPath: Map<string, TreeEntry> | undefined;
  const linkText = (entry: TreeEntry): string => Buffer.from(contents([entry])[0]).toString('utf8');
  return {
    read(relativePath): ReadResult {
      const contained = containedPath(relativePath);
      if ('problem' in contained) return contained;
      byPath ??= new Map(listing().map((entry) => [entry.relative, entry]));
      const resolved = resolve(contained.path, relativePath, byPath, linkText, ref);
      if ('problem' in resolved) return resolved;
      return { bytes: contents([resolved.entry])[0] };
    },
  };
}
