// Groups whose URLs come from the deploy (docs/purge-yaml.md, "Groups from the deploy"): `build`
// (the files of a build directory) and `sitemap` (the <loc> entries of a sitemap). Checked here
// like every other key; the directory and the sitemap are read at the edge (src/sources/), never
// by the check, so `--base REF` can check purge.yaml as it was without a build.
import type { Checker } from './checker.js';
import { containedPath } from './files.js';
import { displayPath } from './path.js';
import type { PathSegment } from './path.js';
import { record, strings, text } from './raw.js';
import type { Raw } from './raw.js';
import { zoneForHost } from './route.js';
import type { BuildSource, GroupSource, SitemapSource } from './source-types.js';
import type { Zone } from './types.js';

const URL_SOURCES = ['urls', 'build', 'sitemap'] as const;

/**
 * A group's URL source from the deploy, checked; null for a group without one (or with an invalid
 * one, reported). A group has one URL source: `urls`, `build` or `sitemap`.
 */
export function checkSource(c: Checker, name: string, raw: Raw, path: readonly PathSegment[], zone: Zone | undefined): GroupSource | null {
  const given = URL_SOURCES.filter((key) => raw[key] !== undefined);
  if (given.length > 1) {
    const second = c.loaded.locate.keys(path).filter((key) => (URL_SOURCES as readonly string[]).includes(key))[1] ?? given[1];
    c.error([...path, second], 'key', `groups.${name}: a group has one URL source (urls, build or sitemap), and this one has ${given.join(' and ')}`, 'split it into one group per source: they can share the zone, variants and tags');
    return null;
  }
  if (raw.build !== undefined) return checkBuild(c, record(raw.build), [...path, 'build'], zone);
  if (raw.sitemap !== undefined) return checkSitemap(c, name, raw.sitemap, [...path, 'sitemap'], zone);
  return null;
}

function checkBuild(c: Checker, raw: Raw | undefined, path: readonly PathSegment[], zone: Zone | undefined): BuildSource | null {
  if (raw === undefined) return null; // not a mapping: reported by the schema
  const dir = sourcePath(c, raw.dir, [...path, 'dir'], 'directory');
  const baseUrl = baseUrlOf(c, raw.base_url, [...path, 'base_url'], zone);
  const index = indexOf(c, raw.index, [...path, 'index']);
  const cleanUrls = raw.clean_urls === true || raw.clean_urls === 'both' ? raw.clean_urls : false;
  if (dir === undefined || baseUrl === undefined || index === undefined) return null;
  return {
    kind: 'build', dir, baseUrl, index, cleanUrls,
    exclude: strings(raw.exclude), immutable: strings(raw.immutable), always: strings(raw.always),
    position: c.loaded.locate.value([...path, 'dir']),
    immutablePosition: c.loaded.locate.value(raw.immutable !== undefined ? [...path, 'immutable'] : path),
  };
}

function checkSitemap(c: Checker, name: string, value: unknown, path: readonly PathSegment[], zone: Zone | undefined): SitemapSource | null {
  const raw = record(value);
  const fileAt = raw ? [...path, 'file'] : path;
  const file = sourcePath(c, raw ? raw.file : value, fileAt, 'file');
  const baseUrl = raw?.base_url !== undefined ? baseUrlOf(c, raw.base_url, [...path, 'base_url'], zone) : null;
  if (file === undefined || file === '' || baseUrl === undefined) {
    if (file === '') c.error(fileAt, 'value', `groups.${name}.sitemap: "${text(raw ? raw.file : value)}" is a directory, not a sitemap file`, 'name the sitemap file, e.g. public/sitemap.xml');
    return null;
  }
  return { kind: 'sitemap', file, baseUrl, position: c.loaded.locate.value(fileAt) };
}

/** A path relative to purge.yaml that stays inside its directory ("." is that directory: ''). */
function sourcePath(c: Checker, value: unknown, at: readonly PathSegment[], what: 'directory' | 'file'): string | undefined {
  const path = text(value);
  if (path === undefined || path === '') return undefined; // reported by the schema
  if (path.split(/[\\/]+/).every((part) => part === '' || part === '.') && !path.startsWith('/')) return '';
  const contained = containedPath(path);
  if ('problem' in contained) {
    c.error(at, 'value', `${displayPath(at)}: ${contained.problem}`, `name a ${what} inside the directory of purge.yaml, relative to it (e.g. ${what === 'directory' ? 'public/' : 'public/sitemap.xml'}): plans run on pull requests, and must not read files elsewhere on the runner`);
    return undefined;
  }
  if (/[\u0000-\u001f\u007f]/u.test(contained.path)) {
    c.error(at, 'value', `${displayPath(at)}: the path contains a control character`);
    return undefined;
  }
  return contained.path;
}

/** `base_url`: an absolute http(s) URL without credentials, query or fragment; a directory ("/" added). */
function baseUrlOf(c: Checker, value: unknown, at: readonly PathSegment[], zone: Zone | undefined): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    c.error(at, 'value', `${displayPath(at)}: "${raw}" is not an absolute URL`, 'write the URL the directory is served at, e.g. https://www.example.com/');
    return undefined;
  }
  const problem = url.protocol !== 'http:' && url.protocol !== 'https:' ? 'is not an http or https URL'
    : url.username || url.password ? 'carries a user name or password'
    : url.search !== '' || raw.includes('?') ? 'has a query string'
    : url.hash !== '' || raw.includes('#') ? 'has a fragment'
    : /\s/u.test(raw) ? 'contains whitespace'
    : undefined;
  if (problem !== undefined) {
    c.error(at, 'value', `${displayPath(at)}: "${raw}" ${problem}`, 'write the URL the directory is served at, e.g. https://www.example.com/docs/');
    return undefined;
  }
  const host = url.hostname;
  if (zone?.zoneName && host !== zone.zoneName && !host.endsWith(`.${zone.zoneName}`)) {
    c.warning(at, 'value', `${displayPath(at)}: host "${host}" is not in zone "${zone.name}" (${zone.zoneName})`, 'a purge only reaches URLs of the zone it is sent to: check the zone or the URL');
  }
  const pathname = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `${url.protocol}//${url.host}${pathname}`;
}

function indexOf(c: Checker, value: unknown, at: readonly PathSegment[]): string | null | undefined {
  if (value === undefined) return 'index.html';
  if (value === false) return null;
  if (typeof value !== 'string') {
    if (value === true) c.error(at, 'value', `${displayPath(at)}: write the index file's name (index.html is the default), or false for no index mapping`);
    return value === true ? undefined : 'index.html';
  }
  if (/[\\/]/.test(value) || value === '.' || value === '..' || /[\u0000-\u001f\u007f]/u.test(value)) {
    c.error(at, 'value', `${displayPath(at)}: "${value}" is not a file name`, 'write the name of the index file of each directory, e.g. index.html');
    return undefined;
  }
  return value;
}

/**
 * The zone of a build or sitemap group written without `zone` in a file of several zones: the
 * zone whose name is its base_url's host or a parent domain of it (docs/purge-yaml.md). Undefined
 * when that does not apply (the group is placed as any other).
 */
export function sourceZone(c: Checker, zones: readonly Zone[], name: string, raw: Raw, path: readonly PathSegment[]): { zone: Zone | undefined } | undefined {
  if (raw.zone !== undefined || zones.length <= 1) return undefined;
  const build = record(raw.build);
  const sitemap = record(raw.sitemap);
  if (build === undefined && raw.sitemap === undefined) return undefined;
  const base = text(build ? build.base_url : sitemap?.base_url);
  let host: string | undefined;
  try {
    host = base === undefined ? undefined : new URL(base).hostname;
  } catch {
    return { zone: undefined }; // reported with base_url
  }
  const zone = host === undefined ? undefined : zoneForHost(zones, host);
  if (zone === undefined) {
    const names = zones.map((z) => (z.zoneName ? `${z.name} (${z.zoneName})` : z.name)).join(', ');
    c.error(path, 'key', host === undefined
      ? `groups.${name}: a sitemap group without base_url needs a zone in a file of several zones`
      : `groups.${name}: base_url's host "${host}" is in no zone, and the group has no zone`, `give the group a zone (${names})`);
  }
  return { zone };
}
