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

export function processIo(color: boolean): Io {
  const env = process.env;
  const allowColor = color && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
  return {
    stdout: (text) => { process.stdout.write(text); },
    stdoutChunks: async (chunks) => {
      for (const chunk of chunks) {
        if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
    },
    stderr: (text) => { process.stderr.write(text); },
    stdoutStyle: allowColor && process.stdout.isTTY ? ansiStyle : plainStyle,
    stderrStyle: allowColor && process.stderr.isTTY ? ansiStyle : plainStyle,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env,
    cwd: process.cwd(),
  };
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
