// load -> validate -> expand, shared by validate, plan and apply. Reads purge.yaml (the edge);
// everything after is the pure core.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkSchema } from '../config/schema.js';
import { checkConfig } from '../config/check.js';
import { loadConfig } from '../config/load.js';
import type { Locator } from '../config/load.js';
import { workingTreeReader } from '../config/files.js';
import type { SourceReader } from '../config/files.js';
import type { Config } from '../config/types.js';
import type { Diagnostic } from '../diagnostics.js';
import { expandGroup } from '../expand/group.js';
import type { GroupExpansion } from '../expand/group.js';
import { listWorkingFiles } from '../reconcile/git.js';
import { trackedFileTester } from '../reconcile/git-index.js';
import { checkWatchPatterns } from '../reconcile/watch.js';

export interface Checked {
  readonly config?: Config;
  /** Positions in purge.yaml, from the same parse as `config` (drift places its findings by them). */
  readonly locate?: Locator;
  readonly expansions?: readonly GroupExpansion[];
  readonly diagnostics: readonly Diagnostic[];
}

/** The configuration at `file` (as the user wrote the path), read from disk. */
export function readConfigFile(file: string, cwd: string): { bytes: Uint8Array; baseDir: string } | { diagnostic: Diagnostic } {
  const full = resolve(cwd, file);
  try {
    return { bytes: readFileSync(full), baseDir: dirname(full) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'cannot read the configuration: no such file'
      : code === 'EISDIR' ? 'cannot read the configuration: it is a directory'
      : code === 'EACCES' ? 'cannot read the configuration: permission denied'
      : `cannot read the configuration (${code ?? 'error'})`;
    const hint = code === 'ENOENT' ? 'run `purgeplan init` to write a starter purge.yaml, or pass -c/--config FILE' : undefined;
    return { diagnostic: { file, line: 1, col: 1, severity: 'error', message, hint } };
  }
}

/**
 * Validates and, when valid, expands every group. `listFiles` lists the files below the directory
 * of purge.yaml, for the warning on `watch` patterns that match nothing (left out for purge.yaml at
 * `--base REF`, whose warnings are not shown); `trackedMatch` settles a pattern that a tracked
 * file matches without listing them.
 */
export function checkAndExpand(file: string, bytes: Uint8Array, reader: SourceReader, maxItems: number, listFiles?: () => readonly string[], trackedMatch?: (test: (path: string) => boolean) => boolean): Checked {
  const loaded = loadConfig(file, bytes);
  if (!loaded.config) return { diagnostics: loaded.diagnostics };
  const diagnostics: Diagnostic[] = [...loaded.diagnostics, ...checkSchema(loaded.config)];
  const checked = checkConfig(loaded.config, reader, { maxItems });
  diagnostics.push(...checked.diagnostics, ...checkWatchPatterns(loaded.config, listFiles, trackedMatch));
  const locate = loaded.config.locate;
  if (diagnostics.some((d) => d.severity === 'error')) return { config: checked.config, locate, diagnostics };
  const expansions = checked.config.groups.flatMap((group) => {
    const { expansions: parts, diagnostics: found } = expandGroup(group, checked.config.zones, file);
    diagnostics.push(...found);
    return parts;
  });
  // A problem found once per zone a routed group sends to (the Enterprise warning of a key) is
  // said once.
  const said = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.file}:${d.line}:${d.col}:${d.severity}:${d.message}`;
    return said.has(key) ? false : (said.add(key), true);
  });
  return { config: checked.config, locate, expansions, diagnostics: unique };
}

/**
 * The configuration at `file` from the working tree, checked and expanded. `listFiles` lists the
 * working tree once for the whole command: the watch-pattern check and the watch digests share it.
 */
export function loadWorkingConfig(file: string, cwd: string, maxItems: number): Checked & { baseDir?: string; listFiles?: () => readonly string[] } {
  const read = readConfigFile(file, cwd);
  if ('diagnostic' in read) return { diagnostics: [read.diagnostic] };
  const baseDir = read.baseDir;
  let files: readonly string[] | undefined;
  const listFiles = () => (files ??= listWorkingFiles(baseDir));
  return { ...checkAndExpand(file, read.bytes, workingTreeReader(baseDir), maxItems, listFiles, trackedFileTester(baseDir)), baseDir, listFiles };
}
