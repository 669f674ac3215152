// A group's `vars` (docs/purge-yaml.md, "Values"): lists written in purge.yaml and vars files
// beside it, each value checked as something put into a URL as it is.
import { posix, sep } from 'node:path';
import type { Checker } from './checker.js';
import { containedPath, parseValuesFile } from './files.js';
import { displayPath } from './path.js';
import type { PathSegment } from './path.js';
import { record } from './raw.js';
import type { Raw } from './raw.js';
import { substitutionProblem } from './values.js';

export interface Vars {
  /** Each variable's values, unique, in order; a broken variable has the one value ''. */
  readonly vars: ReadonlyMap<string, readonly string[]>;
  /** Variables whose values could not be read or are refused: reported already. */
  readonly brokenVars: ReadonlySet<string>;
}

const SUBSTITUTION_HINT = 'a value is put into the URL as it is: remove the character, or percent-encode it (%20 for a space, %23 for #)';
const FILE_HINT = 'one value a line; # at the start of a line or after a space starts a comment';

/**
 * The variables of the group at `path`. One that could not be read still counts as defined (with
 * a stand-in value), so that its problem is reported once, not again as an unknown variable in
 * every URL using it.
 */
export function readVars(c: Checker, path: readonly PathSegment[], raw: Raw): Vars {
  const vars = new Map<string, string[]>();
  const brokenVars = new Set<string>();
  const rawVars = record(raw.vars) ?? {};
  for (const varName of c.loaded.locate.keys([...path, 'vars'])) {
    const value = rawVars[varName];
    const varPath = [...path, 'vars', varName];
    const file = record(value)?.file;
    const values = Array.isArray(value) ? listValues(c, varPath, value) : typeof file === 'string' ? fileValues(c, varPath, file) : undefined;
    // undefined: the wrong type was reported by the schema.
    if (values === undefined || values.broken) brokenVars.add(varName);
    if (values?.values) vars.set(varName, values.values);
  }
  for (const varName of brokenVars) vars.set(varName, ['']);
  return { vars, brokenVars };
}

interface VarValues {
  /** The values, unique, when there are any to keep. */
  readonly values?: string[];
  readonly broken: boolean;
}

/** `vars: {slug: [a, b]}`. */
function listValues(c: Checker, varPath: readonly PathSegment[], list: readonly unknown[]): VarValues {
  const values: string[] = [];
  let broken = false;
  list.forEach((item, i) => {
    const itemText = c.textOf(item, [...varPath, i]);
    if (itemText === undefined) return; // the wrong type was reported by the schema
    const problem = substitutionProblem(itemText);
    if (problem) { c.error([...varPath, i], 'value', `${displayPath([...varPath, i])}: ${problem}`, SUBSTITUTION_HINT); broken = true; return; }
    values.push(itemText);
  });
  if (list.length === 0) { c.error(varPath, 'value', `${displayPath(varPath)} is empty: the URL patterns using it would expand to nothing`, 'give at least one value'); broken = true; }
  return { values: [...new Set(values)], broken };
}

/** `vars: {slug: {file: posts.txt}}`: read, added to the inputs digest, each line checked. */
function fileValues(c: Checker, varPath: readonly PathSegment[], file: string): VarValues {
  if (file === '') return { broken: true }; // reported by the schema (minLength)
  const at = [...varPath, 'file'];
  const result = c.reader.read(file);
  if ('problem' in result) { c.error(at, 'value', `${displayPath(at)}: ${result.problem}`, result.hint); return { broken: true }; }
  c.inputs.update(`\0${file}\0`).update(result.bytes);
  const parsed = parseValuesFile(result.bytes);
  if ('problem' in parsed) { c.error(at, 'value', `${displayPath(at)}: "${file}" ${parsed.problem}`, parsed.hint); return { broken: true }; }
  if (parsed.values.length === 0) { c.error(at, 'value', `${displayPath(at)}: "${file}" has no values`, FILE_HINT); return { broken: true }; }
  // A bad line is reported in the vars file itself, at the line and column of the value.
  const shownFile = varsFileDisplay(c.loaded.file, file);
  let broken = false;
  for (const entry of parsed.values) {
    const problem = substitutionProblem(entry.value);
    if (!problem) continue;
    c.diagnostics.push({ file: shownFile, line: entry.line, col: entry.col, severity: 'error', message: `value ${problem} (a value of ${displayPath(varPath)})`, hint: FILE_HINT });
    broken = true;
  }
  return { values: [...new Set(parsed.values.map((entry) => entry.value))], broken };
}

/** A vars file as messages name it: beside the configuration, as the user wrote its path. */
function varsFileDisplay(configFile: string, file: string): string {
  const contained = containedPath(file);
  const relativePath = 'path' in contained ? contained.path : file;
  const dir = posix.dirname(configFile.split(sep).join('/'));
  return dir === '.' ? relativePath : `${dir}/${relativePath}`;
}
