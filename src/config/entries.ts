// Hosts, prefixes and tags as patterns (docs/purge-yaml.md): each entry takes the URL pattern syntax of
// docs/purge-yaml.md with the group's vars, and each value it expands to follows docs/purge-yaml.md. Entries are counted
// before any is expanded, so that a huge range meets --max-items instead of being built.
import { expandPattern } from '../expand/patterns.js';
import { displayPath } from './path.js';
import type { PathSegment, Report } from './path.js';
import { PatternCount } from './pattern-count.js';
import type { TextOf } from './raw.js';
import { quoteValue } from './values.js';
import type { Checked } from './values.js';

interface EntryOptions {
  readonly vars: ReadonlyMap<string, readonly string[]>;
  /** Variables whose values could not be read: reported already, so their entries are not expanded. */
  readonly brokenVars: ReadonlySet<string>;
  /** How many more items the plan may have: an entry past it is counted but not expanded. */
  readonly budget: number;
  /** Entries written as '' are skipped (the schema reports them). */
  readonly skipEmpty?: boolean;
  /** The entry's text as written (a YAML number keeps its digits). */
  readonly textOf: TextOf;
}

export interface Entries {
  /** The normalized values, unique, in entry order. */
  readonly values: string[];
  /** Values the entries expand to, counted before expansion (what --max-items compares). */
  readonly counted: number;
  /** The same count as an exact integer, for messages (a double would print 1e+21). */
  readonly countedExact: bigint;
  readonly usedVars: ReadonlySet<string>;
  /** Some entry is not a valid pattern: which variables it would have used is unknown. */
  readonly unparsed: boolean;
  /** Each value's entry (its index in the list), for messages about a value (e.g. routing, docs/purge-yaml.md). */
  readonly entryOf: ReadonlyMap<string, number>;
}

/**
 * Expands and normalizes the entries of one list (`groups.g.tags`). A value that breaks docs/purge-yaml.md is
 * reported at its entry, quoting the value and the pattern it came from, once per entry.
 */
export function expandEntries(raw: unknown, path: readonly PathSegment[], normalize: (value: string) => Checked, error: Report, options: EntryOptions): Entries {
  const values = new Map<string, number>();
  const count = new PatternCount();
  if (Array.isArray(raw)) {
    raw.forEach((value, i) => {
      const entryPath = [...path, i];
      const written = options.textOf(value, entryPath);
      if (written === undefined) return; // the wrong type was reported by the schema
      if (options.skipEmpty && written === '') return;
      const parsed = count.parse(written, options.vars, entryPath, error);
      if (parsed === undefined || count.counted > options.budget || parsed.vars.some((v) => options.brokenVars.has(v))) return;
      let reported = false;
      expandPattern(parsed, (expanded) => {
        if (reported) return;
        const result = normalize(expanded);
        if ('problem' in result) {
          reported = true;
          const source = expanded === written ? '' : `${quoteValue(expanded)} (from ${quoteValue(written)}): `;
          error(entryPath, 'value', `${displayPath(entryPath)}: ${source}${result.problem}`, result.hint);
          return;
        }
        if (!values.has(result.value)) values.set(result.value, i);
      });
    });
  }
  const { counted, countedExact, usedVars, unparsed } = count;
  return { values: [...values.keys()], counted, countedExact, usedVars, unparsed, entryOf: values };
}
