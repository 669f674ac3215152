// `purgeplan fmt [--check] [--diff] [FILE…]` (spec §7.4): rewrites each file in canonical form.
// Exit 0 done (or nothing to change), 3 with --check when a file would change, 1 on an invalid
// or unreadable file, which is left untouched.
import { resolve } from 'node:path';
import { formatYaml, sameMeaning } from '../config/format.js';
import { loadConfig } from '../config/load.js';
import type { Diagnostic } from '../diagnostics.js';
import { writeFileAtomic } from '../fsutil.js';
import type { Io } from './io.js';
import { printDiagnostics } from './io.js';
import { readConfigFile } from './pipeline.js';

export interface FmtOptions {
  readonly config: string;
  readonly check: boolean;
  readonly diff: boolean;
}

export const EXIT_WOULD_CHANGE = 3;

/** The canonical text, or undefined when the formatter cannot produce one (reported as a refusal, never an internal error). */
function formatted(text: string): string | undefined {
  try {
    return formatYaml(text);
  } catch {
    return undefined;
  }
}

export async function fmtCommand(files: readonly string[], options: FmtOptions, io: Io): Promise<number> {
  let failed = false;
  const changed: string[] = [];
  for (const file of files.length ? files : [options.config]) {
    const read = readConfigFile(file, io.cwd);
    if ('diagnostic' in read) {
      printDiagnostics(io, [read.diagnostic]);
      failed = true;
      continue;
    }
    // The YAML checks every command makes (syntax, duplicate keys, tags, binary or empty input),
    // with their positions; fmt needs a well-formed document, not a valid configuration.
    const loaded = loadConfig(file, read.bytes);
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || !loaded.config) {
      printDiagnostics(io, errors);
      failed = true;
      continue;
    }
    const before = Buffer.from(read.bytes).toString('utf8');
    const after = formatted(before);
    if (after === before) continue;
    if (after === undefined || !sameMeaning(before, after)) {
      const problem: Diagnostic = { file, line: 1, col: 1, severity: 'error', message: 'fmt could not keep the meaning of this file, so it was left untouched', hint: 'this is a bug in purgeplan; please report it with the file' };
      printDiagnostics(io, [problem]);
      failed = true;
      continue;
    }
    changed.push(file);
    if (options.diff) {
      const { createTwoFilesPatch } = await import('diff');
      io.stdout(createTwoFilesPatch(`a/${file.replace(/^\/+/, "")}`, `b/${file.replace(/^\/+/, "")}`, before, after, undefined, undefined, { context: 3 }));
    }
    if (!options.check) writeFileAtomic(resolve(io.cwd, file), after);
  }
  // Like `terraform fmt`: the files that changed (or would), one a line; a diff names them itself.
  if (options.check || !options.diff) for (const file of changed) io.stdout(`${file}\n`);
  if (options.check && changed.length > 0) io.stderr(`${changed.length === 1 ? '1 file is' : `${changed.length} files are`} not in canonical form: run \`purgeplan fmt\` to rewrite ${changed.length === 1 ? 'it' : 'them'}.\n`);
  if (failed) return 1;
  return options.check && changed.length > 0 ? EXIT_WOULD_CHANGE : 0;
}
