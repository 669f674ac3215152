// `purgeplan fmt [--check] [--diff] [FILE…]` (docs/commands.md, "fmt"): rewrites each file in canonical form.
// Exit 0 done (or nothing to change), 3 with --check when a file would change, 1 on an invalid
// or unreadable file, which is left untouched.
import { chmodSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FormatError, formatYaml, sameMeaning } from '../config/format.js';
import { loadConfig } from '../config/load.js';
import type { Diagnostic } from '../diagnostics.js';
import { writeFileAtomic } from '../fsutil.js';
import type { Io } from './io.js';
import { printDiagnostics } from './io.js';
import { readConfigFile } from './pipeline.js';

interface FmtOptions {
  readonly config: string;
  readonly check: boolean;
  readonly diff: boolean;
}

const EXIT_WOULD_CHANGE = 3;

/**
 * Rewrites the file itself: through a symbolic link to its target (the link stays a link, as an
 * editor would leave it), keeping the file's permissions (the atomic write creates it 0644).
 */
function writeInPlace(path: string, text: string): void {
  const target = realpathSync(path);
  const { mode } = statSync(target);
  writeFileAtomic(target, text);
  chmodSync(target, mode & 0o7777);
}

/**
 * The canonical text, or the diagnostic saying why there is none: a construct fmt does not
 * rewrite, at its position, or a failure of fmt itself (a refusal, never an internal error).
 */
function formatted(file: string, text: string): { readonly text: string } | { readonly diagnostic: Diagnostic } {
  const bug = { file, line: 1, col: 1, severity: 'error', message: 'fmt could not keep the meaning of this file, so it was left untouched', hint: 'this is a bug in purgeplan; please report it with the file' } as const;
  try {
    const after = formatYaml(text);
    return after === text || sameMeaning(text, after) ? { text: after } : { diagnostic: bug };
  } catch (error) {
    if (!(error instanceof FormatError)) return { diagnostic: bug };
    const before = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').slice(0, error.offset).split('\n');
    return {
      diagnostic: {
        file, line: before.length, col: before[before.length - 1]!.length + 1, severity: 'error',
        message: `fmt does not rewrite ${error.message}, so the file was left untouched`,
        hint: error.hint,
      },
    };
  }
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
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
    const result = formatted(file, before);
    if ('diagnostic' in result) {
      printDiagnostics(io, [result.diagnostic]);
      failed = true;
      continue;
    }
    const after = result.text;
    if (after === before) continue;
    changed.push(file);
    if (options.diff) {
      const { createTwoFilesPatch } = await import('diff');
      io.stdout(createTwoFilesPatch(`a/${file.replace(/^\/+/, "")}`, `b/${file.replace(/^\/+/, "")}`, before, after, undefined, undefined, { context: 3 }));
    }
    if (!options.check) writeInPlace(resolve(io.cwd, file), after);
  }
  // Like `terraform fmt`: the files that changed (or would), one a line; a diff names them itself.
  if (options.check || !options.diff) for (const file of changed) io.stdout(`${file}\n`);
  if (options.check && changed.length > 0) io.stderr(`${changed.length === 1 ? '1 file is' : `${changed.length} files are`} not in canonical form: run \`purgeplan fmt\` to rewrite ${changed.length === 1 ? 'it' : 'them'}.\n`);
  if (failed) return 1;
  return options.check && changed.length > 0 ? EXIT_WOULD_CHANGE : 0;
}
