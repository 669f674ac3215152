// The edges every command shares: where output goes, colour, and printing diagnostics.
import type { Diagnostic, Styler } from '../diagnostics.js';
import { ansiStyle, formatDiagnostic, plainStyle, sortDiagnostics } from '../diagnostics.js';

export interface Io {
  readonly stdout: (text: string) => void;
  /** Writes a long output chunk by chunk, waiting while the reader (a pipe) catches up. */
  readonly stdoutChunks: (chunks: Iterable<string | Uint8Array>) => Promise<void>;
  readonly stderr: (text: string) => void;
  readonly stdoutStyle: Styler;
  readonly stderrStyle: Styler;
  readonly stdoutIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export function processIo(color: boolean): Io {
  const env = process.env;
  const allowColor = color && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
  return {
    stdout: (text) => { writeOpen(process.stdout, text); },
    stdoutChunks: async (chunks) => {
      for (const chunk of chunks) {
        if (!writeOpen(process.stdout, chunk)) await drained(process.stdout);
      }
    },
    stderr: (text) => { writeOpen(process.stderr, text); },
    stdoutStyle: allowColor && process.stdout.isTTY ? ansiStyle : plainStyle,
    stderrStyle: allowColor && process.stderr.isTTY ? ansiStyle : plainStyle,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    // A getter: process.stdin is a stream made on first use, which only apply's confirmation needs.
    get stdinIsTTY() { return Boolean(process.stdin.isTTY); },
    env,
    cwd: process.cwd(),
  };
}

/**
 * Writes unless the reader has gone (a closed pipe: `purgeplan apply | head`): a command that
 * finishes its work then writes nothing more there. False while the reader catches up.
 */
function writeOpen(stream: NodeJS.WriteStream, chunk: string | Uint8Array): boolean {
  if (stream.destroyed) return true;
  return stream.write(chunk);
}

/** Resolves when the reader caught up, or went away. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

export function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[]): void {
  for (const d of sortDiagnostics(diagnostics)) io.stderr(`${formatDiagnostic(d, io.stderrStyle)}\n`);
}

export function summarizeProblems(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const parts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean);
  return parts.join(' and ');
}
