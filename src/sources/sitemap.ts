// A `sitemap:` group's source: the entries of a local sitemap, its sitemap indexes followed to
// their children on disk (docs/purge-yaml.md, "Reading a sitemap"). Format: sitemaps.org
// (https://www.sitemaps.org/protocol.html).
import { realpath, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { parseSitemapFile, SitemapError, type ListedSitemap, type SitemapEntry } from './sitemap-file.js';

export { SitemapError } from './sitemap-file.js';
export type { SitemapEntry } from './sitemap-file.js';

export interface SitemapRead {
  /** Every `<url>` of every sitemap read, in document order, deduplicated by `loc` (the first wins). */
  entries: SitemapEntry[];
  /** How many of `entries` have no `<lastmod>`. */
  withoutLastmod: number;
  /** Every local sitemap file read, the given one first, then each index's children in order. */
  files: string[];
}

/** Sitemap indexes inside sitemap indexes, at most this deep (sitemaps.org allows none; some generators nest one). */
const MAX_INDEX_DEPTH = 8;
/** A child's URL stands for no local file through a query or a host; a URL is only its path here. */
const URL_BASE = 'https://sitemap.invalid/';

interface Walk {
  readonly topDir: string;
  /** The real directory of the given sitemap: every child must stay inside it. */
  readonly realTopDir: string;
  readonly entries: Map<string, SitemapEntry>;
  readonly files: string[];
  readonly read: Set<string>;
}

/**
 * Reads a sitemap (`.xml`, or gzip-compressed `.xml.gz`) and, when it is a `<sitemapindex>`, the
 * children it lists, found on disk by their URL's path (see `childFile`). A problem is a
 * SitemapError at a file, line and column; its message is the problem alone.
 */
// ts-unused-exports:disable-next-line
export async function readSitemap(file: string): Promise<SitemapRead> {
  const realTopDir = await realpath(dirname(file)).catch(() => {
    throw new SitemapError(file, 1, 1, 'cannot read the sitemap: no such directory');
  });
  const walk: Walk = { topDir: dirname(file), realTopDir, entries: new Map(), files: [], read: new Set() };
  await readFollowing(walk, file, [], 0);
  const entries = [...walk.entries.values()];
  return { entries, withoutLastmod: entries.filter((entry) => entry.lastmod === undefined).length, files: walk.files };
}

/** Reads one file, then the children it lists (depth first, in the order listed). */
async function readFollowing(walk: Walk, file: string, ancestors: readonly string[], depth: number): Promise<void> {
  const real = await realpath(file).catch(() => file);
  walk.read.add(real);
  walk.files.push(file);
  const read = await parseSitemapFile(file, (entry) => {
    if (!walk.entries.has(entry.loc)) walk.entries.set(entry.loc, entry);
  });
  if (read.kind === 'urlset') return;
  for (const child of read.children) {
    const childPath = await childFile(walk, file, child);
    const childReal = await realpath(childPath);
    if (childReal === real) throw new SitemapError(file, child.line, child.column, 'the sitemap index lists itself');
    if (ancestors.includes(childReal)) {
      throw new SitemapError(file, child.line, child.column, `the sitemap index lists ${childPath}, an index that leads back to it (a cycle)`);
    }
    if (walk.read.has(childReal)) continue; // listed twice: read once
    if (depth + 1 > MAX_INDEX_DEPTH) {
      throw new SitemapError(file, child.line, child.column, `sitemap indexes nested more than ${MAX_INDEX_DEPTH} deep`);
    }
    await readFollowing(walk, childPath, [...ancestors, real], depth + 1);
  }
}

/**
 * The local file of a child sitemap: its URL's path (percent-decoded, segment by segment) under
 * the directory of the index that lists it, then the same path without its first segment, and
 * so on down to the file name alone; then the same tails under the given sitemap's directory.
 * The first that is a file is read. `https://x/sub/sitemap-posts.xml.gz` listed by
 * `public/sitemap.xml` is `public/sub/sitemap-posts.xml.gz`, else `public/sitemap-posts.xml.gz`.
 */
async function childFile(walk: Walk, index: string, child: ListedSitemap): Promise<string> {
  const fail = (message: string): never => {
    throw new SitemapError(index, child.line, child.column, message);
  };
  const segments = pathSegments(child.loc) ?? fail(`the child sitemap "${child.loc}" is not a URL`);
  if (segments.length === 0) fail(`the child sitemap "${child.loc}" names no file`);
  if (segments.some((segment) => segment === '.' || segment === '..' || /[/\\\0]/.test(segment))) {
    fail(`the child sitemap "${child.loc}" does not name a file under ${dirname(index)}`);
  }
  const tried: string[] = [];
  for (const base of new Set([dirname(index), walk.topDir])) {
    for (let first = 0; first < segments.length; first++) {
      const candidate = join(base, ...segments.slice(first));
      if (tried.includes(candidate)) continue;
      tried.push(candidate);
      if (!(await isFile(candidate))) continue;
      const real = await realpath(candidate);
      if (!real.startsWith(walk.realTopDir + sep)) fail(`the child sitemap ${candidate} leads out of ${walk.topDir} (a symbolic link)`);
      return candidate;
    }
  }
  const shown = tried.length > 4 ? [...tried.slice(0, 3), '…', tried[tried.length - 1]] : tried;
  return fail(`no local file for the child sitemap "${child.loc}" (looked for ${shown.join(', ')})`);
}

/** The decoded segments of a URL's path, without empty ones; undefined when it is not a URL. */
function pathSegments(loc: string): string[] | undefined {
  let url: URL;
  try {
    url = new URL(loc, URL_BASE);
  } catch {
    return undefined;
  }
  return url.pathname.split('/').filter((segment) => segment !== '').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
