// A sitemap group's content (docs/purge-yaml.md, "Groups from the deploy"): the sitemap read by
// readSitemap (sitemap.ts), each <loc> as an absolute URL (relative ones resolved against the
// group's base_url) with the digest of its <lastmod>, as a snapshot reconciliation compares.
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import type { SitemapSource } from '../config/source-types.js';
import type { Group } from '../config/types.js';
import { count, plural } from '../format.js';
import { DIGEST_BYTES, snapshotBytes, snapshotDigest } from '../reconcile/snapshot.js';
import { compare } from '../vocabulary.js';
import type { ListedSource, Where } from './listed.js';
import { readSitemap, SitemapError } from './sitemap.js';

/** The absolute http(s) URL a <loc> names, without its fragment; null when it names none. */
function urlOf(loc: string, baseUrl: string | null): string | null {
  let url: URL;
  try {
    url = baseUrl === null ? new URL(loc) : new URL(loc, baseUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  return url.href;
}

/** 8 bytes naming an entry's <lastmod>; zeros for an entry without one. */
function lastmodDigest(lastmod: string | undefined): Uint8Array {
  if (lastmod === undefined) return new Uint8Array(DIGEST_BYTES);
  return createHash('sha256').update(lastmod).digest().subarray(0, DIGEST_BYTES);
}

/** The group's sitemap at `file` (absolute), or null when it cannot be read (reported). `realBase`: where it must stay. */
export async function readSitemapSource(group: Group, file: string, realBase: string, cwd: string, where: Where): Promise<ListedSource | null> {
  const source = group.source as SitemapSource;
  const report = (severity: 'error' | 'warning', message: string, hint?: string) => where.diagnostics.push({ file: where.file, ...source.position, severity, message: `${where.prefix}groups.${group.name}.sitemap: ${message}`, ...(hint ? { hint } : {}) });
  const problem = fileProblem(file, realBase);
  if (problem !== null) {
    if (!where.required && problem === 'does not exist') {
      report('warning', `"${where.shown}" does not exist`, 'it is compared with an empty sitemap: every entry is added');
      return listed([], [], where.shown);
    }
    report(where.required ? 'error' : 'warning', `"${where.shown}" ${problem}`, 'build the site first (the sitemap is part of its output), or fix the path');
    return null;
  }
  let read;
  try {
    read = await readSitemap(file);
  } catch (error) {
    if (!(error instanceof SitemapError)) throw error;
    where.diagnostics.push({ file: relative(cwd, error.file) || error.file, line: error.line, col: error.column, severity: 'error', message: `${where.prefix}${error.message} (the sitemap of group ${group.name})` });
    return null;
  }
  const byUrl = new Map<string, string | undefined>();
  const refused: string[] = [];
  for (const entry of read.entries) {
    const url = urlOf(entry.loc, source.baseUrl);
    if (url === null) refused.push(entry.loc);
    else if (!byUrl.has(url)) byUrl.set(url, entry.lastmod);
  }
  if (refused.length > 0) {
    report('warning', `skipped ${plural(refused.length, 'entry', 'entries')} whose <loc> is not an absolute http(s) URL: ${refused.slice(0, 5).map((loc) => `"${loc}"`).join(', ')}${refused.length > 5 ? `, and ${count(refused.length - 5)} more` : ''}`,
      source.baseUrl === null ? 'give the sitemap a base_url ({file: …, base_url: https://www.example.com/}) to resolve relative entries' : 'fix the sitemap\'s entries');
  }
  if (where.required && read.withoutLastmod > 0) {
    report('warning', `${plural(read.withoutLastmod, 'entry', 'entries')} of ${where.shown} ${read.withoutLastmod === 1 ? 'has' : 'have'} no <lastmod>, so ${read.withoutLastmod === 1 ? 'it is' : 'they are'} purged only when added or removed`, 'have the site generator write <lastmod> for each page');
  }
  const urls = [...byUrl.keys()].sort(compare);
  return { ...listed(urls, urls.map((url) => lastmodDigest(byUrl.get(url))), where.shown), withoutLastmod: read.withoutLastmod };
}

function listed(keys: string[], digests: readonly Uint8Array[], path: string): ListedSource {
  const all = new Uint8Array(keys.length * DIGEST_BYTES);
  digests.forEach((digest, i) => all.set(digest, i * DIGEST_BYTES));
  const snapshot = { keys, digests: all };
  const bytes = snapshotBytes(snapshot);
  return { snapshot, bytes, digest: snapshotDigest(bytes), path };
}

/** Why the sitemap cannot be read, or null. It must stay inside `realBase` (the directory of purge.yaml, or --build-base). */
function fileProblem(file: string, realBase: string): string | null {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
  }
  const rel = relative(realBase, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return 'is a symbolic link leading out of the directory it must be in';
  try {
    if (!statSync(real).isFile()) return 'is not a file';
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return null;
}
