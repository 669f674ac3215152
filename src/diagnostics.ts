// Problems found in a purge.yaml are values, collected and returned; the CLI prints them
// as FILE:LINE:COL: error|warning: message (docs/purge-yaml.md) and picks the exit code.

import { count, printable } from './format.js';
import { compare } from './vocabulary.js';

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
  // Messages quote values from the file: never let one drive the terminal (docs/purge-yaml.md,
  // "Values"), nor fill it (a 5,000-character value is shown by its start and its length).
  const head = `${style.bold(`${printable(d.file)}:${d.line}:${d.col}:`)} ${severity}: ${printable(shortenQuoted(d.message))}`;
  return d.hint ? `${head}\n  ${style.dim(`hint: ${printable(shortenQuoted(d.hint))}`)}` : head;
}

/** A quoted value longer than this many characters is cut in a message. */
const MAX_QUOTED_CHARS = 100;
/** How many characters of a cut value are kept. */
const KEPT_CHARS = 80;
/** A run of text without spaces or quotes longer than this is cut too (a value quoted with a `"` inside it). */
const MAX_RUN_CHARS = 200;

/**
 * A message with every long quoted value cut to its first 80 characters, an ellipsis and its
 * length: `"https://www.example.com/aaaa…" (5,000 characters)`. The one place that does it, so
 * every message, whoever wrote it, stays readable.
 */
function shortenQuoted(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.)*)"|[^\s"]+/g, (match: string, inner: string | undefined) => {
    if (inner === undefined) return [...match].length > MAX_RUN_CHARS ? `${cut(match)} (${count(valueLength(match, false))} characters)` : match;
    return [...inner].length > MAX_QUOTED_CHARS ? `"${cut(inner)}" (${count(valueLength(inner, true))} characters)` : match;
  });
}

/** The first characters of a text, never ending in half an escape sequence, then `…`. */
function cut(text: string): string {
  const kept = [...text].slice(0, KEPT_CHARS).join('');
  // `\u00` or a lone `\` at the end would be half of an escape written by JSON.stringify.
  return `${kept.replace(/\\u[0-9a-fA-F]{0,3}$/, '').replace(/(?<!\\)((?:\\\\)*)\\$/, '$1')}…`;
}

/** The length of a value as the user wrote it: a JSON-escaped quote counts `\"` as one character. */
function valueLength(text: string, quoted: boolean): number {
  if (quoted && text.includes('\\')) {
    try {
      return [...(JSON.parse(`"${text}"`) as string)].length;
    } catch {
      // not JSON escapes (a value quoted as written): count what is there
    }
  }
  return [...text].length;
}

export function hasErrors(diagnostics: readonly Diagnostic[], strict = false): boolean {
  return diagnostics.some((d) => d.severity === 'error' || (strict && d.severity === 'warning'));
}

/** Deterministic report order: by line, then column, then message. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => compare(a.file, b.file) || a.line - b.line || a.col - b.col || compare(a.message, b.message));
}
