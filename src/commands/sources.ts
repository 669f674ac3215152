// Reading the build and sitemap groups' content for plan, apply and comment (docs/purge-yaml.md,
// "Groups from the deploy"): their directories and sitemaps now, and with `--build-base DIR` the
// previous build, laid out like the repository. Wiring only: the reading is src/sources/.
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Config } from '../config/types.js';
import { hasErrors } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { gitTopLevel, repoRelativeDir } from '../reconcile/git.js';
import { journalPathOf, lockPathOf } from '../reconcile/state.js';
import { readSources } from '../sources/read.js';
import type { SourcesRead } from '../sources/read.js';
import type { Io } from './io.js';
import { printDiagnostics, summarizeProblems } from './io.js';

const NONE: SourcesRead = { current: new Map(), diagnostics: [] };

/**
 * `--build-base DIR` as a directory laid out like the repository: purge.yaml's directory within it
 * is at the same place as in the repository (DIR itself outside a git repository).
 */
function buildBaseRoot(given: string, baseDir: string, cwd: string): string {
  const dir = resolve(cwd, given);
  let directory = false;
  try {
    directory = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!directory) throw new UserError(`--build-base ${given}: ${existsSync(dir) ? 'not a directory' : 'no such directory'}`, { hint: 'give the directory of a previous build, laid out like the repository (e.g. a worktree of the base branch, built)' });
  const topLevel = gitTopLevel(baseDir);
  return topLevel === null ? dir : join(dir, repoRelativeDir(topLevel, baseDir));
}

/**
 * The content of every build and sitemap group (and with `buildBase`, of the previous build);
 * 1 after printing the errors when a directory or sitemap cannot be read (or, `strict`, any warning). Warnings are returned
 * with the content, to be printed with the plan's.
 */
export async function readGroupSources(config: Config, baseDir: string, stateFile: string, buildBase: string | undefined, io: Io, what = 'nothing was planned', strict = false): Promise<SourcesRead | 1> {
  if (!config.groups.some((group) => group.source !== null)) {
    if (buildBase !== undefined) io.stderr(`${io.stderrStyle.yellow('warning')}: --build-base ${buildBase} is not used: ${config.file} has no build or sitemap group\n`);
    return NONE;
  }
  const root = buildBase === undefined ? undefined : buildBaseRoot(buildBase, baseDir, io.cwd);
  const read = await readSources(config, baseDir, {
    ...(root !== undefined ? { buildBase: { given: relative(baseDir, resolve(io.cwd, buildBase!)).split('\\').join('/') || '.', root } } : {}),
    ownFiles: [stateFile, journalPathOf(stateFile), lockPathOf(stateFile), resolve(io.cwd, config.file)],
    cwd: io.cwd,
  });
  if (!hasErrors(read.diagnostics, strict)) return read;
  printDiagnostics(io, read.diagnostics);
  io.stderr(`${io.stderrStyle.red(`${config.file}: a build or sitemap cannot be read`)}: ${summarizeProblems(read.diagnostics)}; ${what}.\n`);
  return 1;
}
