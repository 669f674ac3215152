// Problems found in a purge.yaml are values, collected and returned; the CLI prints them
// as FILE:LINE:COL: error|warning: message (spec §3) and picks the exit code.

import { printable } from './format.js';
import { compare } from './expand/normalize.js';

export type Severity = 'error' | 'warning';

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
}

export interface Styler {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export const plainStyle: Styler = {
  red: (t) => t, yellow: (t) => t, green: (t) => t, cyan: (t) => t, bold: (t) => t, dim: (t) => t,
};

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
export const ansiStyle: Styler = {
  red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), cyan: sgr(36, 39), bold: sgr(1, 22), dim: sgr(2, 22),
};

export function formatDiagnostic(d: Diagnostic, style: Styler = plainStyle): string {
  const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning');
  // Messages quote values from the file: never let one drive the terminal (spec §6a).
  const head = `${style.bold(`${printable(d.file)}:${d.line}:${d.col}:`)} ${severity}: ${printable(d.message)}`;
  return d.hint ? `${head}\n  ${style.dim(`hint: ${printable(d.hint)}`)}` : head;
}

export function hasErrors(diagnostics: readonly Diagnostic[], strict = false): boolean {
  return diagnostics.some((d) => d.severity === 'error' || (strict && d.severity === 'warning'));
}

/** Deterministic report order: by line, then column, then message. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => compare(a.file, b.file) || a.line - b.line || a.col - b.col || compare(a.message, b.message));
}
