// The patterns of one list (a group's urls, hosts, prefixes or tags) parsed with the group's vars
// and counted before any is expanded (docs/purge-yaml.md, "URL patterns"), so that a huge range
// meets --max-items instead of being built.
import { countPattern, countPatternExact, parsePattern } from '../expand/patterns.js';
import type { ParsedPattern } from '../expand/patterns.js';
import { displayPath } from './path.js';
import type { PathSegment, Report } from './path.js';

export class PatternCount {
  /** Variables the patterns use. */
  readonly usedVars = new Set<string>();
  /** What the patterns expand to, before any is built (what --max-items compares). */
  counted = 0;
  /** The same count as an exact integer, for messages (a double would print 1e+21). */
  countedExact = 0n;
  /** Some pattern is invalid: which variables it would have used is unknown. */
  unparsed = false;

  /** The pattern `source`, written at `at`, parsed and counted; a problem is reported there and gives undefined. */
  parse(source: string, vars: ReadonlyMap<string, readonly string[]>, at: readonly PathSegment[], error: Report): ParsedPattern | undefined {
    const parsed = parsePattern(source, vars);
    if ('problem' in parsed) {
      error(at, 'value', `${displayPath(at)}: ${parsed.problem}`, parsed.hint);
      this.unparsed = true;
      return undefined;
    }
    parsed.pattern.vars.forEach((v) => this.usedVars.add(v));
    this.counted += countPattern(parsed.pattern);
    this.countedExact += countPatternExact(parsed.pattern);
    return parsed.pattern;
  }
}
