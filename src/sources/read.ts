// Reading the content of build and sitemap groups (docs/purge-yaml.md, "Groups from the deploy"):
// the edge where their directories and sitemaps are listed and digested, into snapshots that
// reconciliation compares (src/reconcile/content.ts). Problems are diagnostics at the group's
// entry in purge.yaml.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { BuildSource } from '../config/source-types.js';
import type { Config, Group } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { count, plural } from '../format.js';
import { globMatcher } from '../reconcile/content.js';
import { snapshotBytes, snapshotDigest } from '../reconcile/snapshot.js';
import type { ListedSource, Where } from './listed.js';
import { readSitemapSource } from './sitemap-source.js';
import { digestFiles } from './digest.js';
import { listFiles } from './list.js';
import type { SkipReason, Skipped } from './list.js';

export interface SourcesRead {
  readonly current: ReadonlyMap<string, ListedSource>;
  /** `--build-base DIR`: each group's content in the previous build, null where it had none. */
  readonly base?: { readonly path: string; readonly groups: ReadonlyMap<string, ListedSource | null> };
  readonly diagnostics: readonly Diagnostic[];
}

export interface SourceOptions {
  /** `--build-base DIR`: as given (for messages) and the directory laid out like purge.yaml's (absolute). */
  readonly buildBase?: { readonly given: string; readonly root: string };
  /** purgeplan's own files (state, journal, lock; absolute): never part of a build. */
  readonly ownFiles: readonly string[];
  /** Where the command runs: a sitemap's problems name it relative to here. */
  readonly cwd: string;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Reads every build and sitemap group of `config` (and, with --build-base, each one's previous content). */
export async function readSources(config: Config, baseDir: string, options: SourceOptions): Promise<SourcesRead> {
  const diagnostics: Diagnostic[] = [];
  const current = new Map<string, ListedSource>();
  const groups = new Map<string, ListedSource | null>();
  const realBase = realpathSync(baseDir);
  for (const group of config.groups) {
    const source = group.source;
    if (source === null) continue;
    const path = source.kind === 'build' ? source.dir : source.file;
    const shown = path === '' ? '.' : path;
    const now = { file: config.file, prefix: '', shown, diagnostics, required: true };
    const read = source.kind === 'build' ? await readBuild(group, source, baseDir, realBase, options.ownFiles, now) : await readSitemapSource(group, join(baseDir, path), realBase, options.cwd, now);
    if (read !== null) current.set(group.name, read);
    if (options.buildBase !== undefined) {
      const root = options.buildBase.root;
      const before = { file: config.file, prefix: '--build-base: ', shown: join(options.buildBase.given, path), diagnostics, required: false };
      groups.set(group.name, source.kind === 'build' ? await readBuild(group, source, root, realpathSync(root), [], before) : await readSitemapSource(group, join(root, path), realpathSync(root), options.cwd, before));
    }
  }
  return { current, ...(options.buildBase ? { base: { path: options.buildBase.given, groups } } : {}), diagnostics };
}

/** The directory of a build group, listed and digested; null when it cannot be (reported). */
async function readBuild(group: Group, source: BuildSource, baseDir: string, realBase: string, ownFiles: readonly string[], where: Where): Promise<ListedSource | null> {
  const root = join(baseDir, source.dir);
  const report = (severity: 'error' | 'warning', message: string, hint?: string) => where.diagnostics.push({ file: where.file, ...source.position, severity, message: `${where.prefix}groups.${group.name}.build.dir: ${message}`, ...(hint ? { hint } : {}) });
  const problem = directoryProblem(root, realBase);
  if (problem !== null) {
    if (where.required || problem !== 'does not exist') report(where.required ? 'error' : 'warning', `"${where.shown}" ${problem}`, where.required ? 'build the site first (the directory is its output), or fix the path' : 'it is compared with an empty build: every file is added');
    return where.required || problem !== 'does not exist' ? null : empty(where.shown);
  }
  const excluded = globMatcher(source.exclude);
  const realRoot = realpathSync(root);
  const own = new Set(ownFiles.map((file) => relative(realRoot, file).split(sep).join('/')).filter((rel) => !rel.startsWith('..') && !isAbsolute(rel)));
  const listing = listFiles(root, (path) => own.has(path) || excluded(path));
  reportSkipped(listing.skipped, where.shown, report);
  const digested = await digestFiles(root, listing.files);
  if (digested.unreadable.length > 0) {
    const shown = digested.unreadable.slice(0, 5).map(({ index, code }) => `"${where.shown}/${listing.files[index]}" (${code})`).join(', ');
    report('error', `cannot read ${plural(digested.unreadable.length, 'file')}: ${shown}${digested.unreadable.length > 5 ? `, and ${count(digested.unreadable.length - 5)} more` : ''}`, 'make the build readable by the user running purgeplan');
    return null;
  }
  const snapshot = { keys: listing.files, digests: digested.digests };
  const bytes = snapshotBytes(snapshot);
  return { snapshot, bytes, digest: snapshotDigest(bytes), path: where.shown };
}

function empty(path: string): ListedSource {
  const snapshot = { keys: [], digests: new Uint8Array(0) };
  const bytes = snapshotBytes(snapshot);
  return { snapshot, bytes, digest: snapshotDigest(bytes), path };
}

/** Why a build directory cannot be listed, or null. It must stay inside the directory of purge.yaml. */
function directoryProblem(root: string, realBase: string): string | null {
  let real: string;
  try {
    real = realpathSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code ?? 'error'})`;
  }
  if (!inside(realBase, real)) return 'is a symbolic link leading out of the directory it must be in';
  try {
    if (!statSync(real).isDirectory()) return 'is not a directory';
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return null;
}

const SKIPPED: Record<SkipReason, { readonly what: string; readonly hint: string; readonly severity: 'error' | 'warning' }> = {
  name: { what: 'names that cannot form a URL: control characters, or bytes that are not UTF-8', hint: 'rename them, or leave them out of the build', severity: 'warning' },
  outside: { what: 'symbolic links leading out of the directory', hint: 'copy what they point at into the build instead of linking to it', severity: 'warning' },
  dangling: { what: 'symbolic links leading nowhere', hint: 'remove them, or fix their targets', severity: 'warning' },
  loop: { what: 'symbolic links looping back to a directory above them', hint: 'remove the loop from the build', severity: 'warning' },
  special: { what: 'not regular files: pipes, sockets, devices', hint: 'leave them out of the build', severity: 'warning' },
  unreadable: { what: 'directories that cannot be read', hint: 'make the build readable by the user running purgeplan', severity: 'error' },
};

/** One diagnostic per reason, naming the first entries skipped for it. */
function reportSkipped(skipped: readonly Skipped[], shown: string, report: (severity: 'error' | 'warning', message: string, hint?: string) => void): void {
  for (const why of Object.keys(SKIPPED) as SkipReason[]) {
    const paths = skipped.filter((entry) => entry.why === why).map((entry) => `"${shown}/${entry.path}"`);
    if (paths.length === 0) continue;
    const { what, hint, severity } = SKIPPED[why];
    const verb = severity === 'error' ? 'cannot list' : 'skipped';
    report(severity, `${verb} ${plural(paths.length, 'entry', 'entries')} (${what}): ${paths.slice(0, 10).join(', ')}${paths.length > 10 ? `, and ${count(paths.length - 10)} more` : ''}`, hint);
  }
}
