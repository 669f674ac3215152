// URL patterns (docs/purge-yaml.md): {var}, {a,b} alternatives, {1..5} and zero-padded {01..10} ranges,
// {{ and }} for literal braces. Parsing is separate from expansion so that the number of URLs
// is known (and checked against --max-items) before any is built. The same {var} twice in one
// pattern takes the same value at both places (docs/purge-yaml.md, "One variable, one value"): the cross
// product is over distinct variables and each alternative or range.
import { substitutionProblem } from '../config/values.js';

/** The values of a placeholder, read by index: a range is never materialized before it is expanded. */
export interface Values {
  readonly length: number;
  at(index: number): string;
}

/** A choice names its slot: one per distinct variable, one per alternative list or range. */
export type Segment = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'choice'; readonly values: Values; readonly slot: number };

const listValues = (list: readonly string[]): Values => ({ length: list.length, at: (i) => list[i] });

export interface ParsedPattern {
  readonly segments: readonly Segment[];
  /** Variables the pattern uses, in order of first use. */
  readonly vars: readonly string[];
  /** How many independent choices (slots) the pattern has. */
  readonly slots: number;
}

export type ParseResult = { readonly pattern: ParsedPattern } | { readonly problem: string; readonly hint?: string };

/** Range bounds stay within exact integers; sizes are checked against --max-items before expanding. */
const MAX_RANGE_DIGITS = 15;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const RANGE = /^(\d+)\.\.(\d+)$/;

export function parsePattern(source: string, vars: ReadonlyMap<string, readonly string[]>): ParseResult {
  const segments: Segment[] = [];
  const used: string[] = [];
  const slotOf = new Map<string, number>();
  let slots = 0;
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '{' && source[i + 1] === '{') { text += '{'; i++; continue; }
    if (ch === '}' && source[i + 1] === '}') { text += '}'; i++; continue; }
    if (ch === '}') return { problem: `unmatched "}" at character ${i + 1} of "${source}"`, hint: 'write }} for a literal brace' };
    if (ch !== '{') { text += ch; continue; }
    const close = source.indexOf('}', i + 1);
    if (close === -1) return { problem: `unclosed "{" at character ${i + 1} of "${source}"`, hint: 'close the placeholder with }, or write {{ for a literal brace' };
    const body = source.slice(i + 1, close);
    if (body.includes('{')) return { problem: `nested "{" in placeholder "{${body}}"`, hint: 'placeholders cannot nest; write {{ for a literal brace' };
    const choice = parsePlaceholder(body, vars);
    if ('problem' in choice) return choice;
    if (text) segments.push({ kind: 'text', text });
    text = '';
    let slot: number;
    if (choice.variable === undefined) slot = slots++;
    else if (slotOf.has(choice.variable)) slot = slotOf.get(choice.variable)!;
    else { slot = slots++; slotOf.set(choice.variable, slot); used.push(choice.variable); }
    segments.push({ kind: 'choice', values: choice.values, slot });
    i = close;
  }
  if (text) segments.push({ kind: 'text', text });
  return { pattern: { segments, vars: used, slots } };
}

function parsePlaceholder(body: string, vars: ReadonlyMap<string, readonly string[]>): { values: Values; variable?: string } | { problem: string; hint?: string } {
  if (body === '') return { problem: 'empty placeholder "{}"', hint: 'write {name} for a variable, {a,b} for alternatives, {1..5} for a range, or {{}} for literal braces' };
  const range = RANGE.exec(body);
  if (range) {
    const [, fromText, toText] = range;
    if (fromText.length > MAX_RANGE_DIGITS || toText.length > MAX_RANGE_DIGITS) return { problem: `range "{${body}}" has bounds of more than ${MAX_RANGE_DIGITS} digits`, hint: 'purge a prefix instead' };
    const from = Number(fromText);
    const to = Number(toText);
    if (from > to) return { problem: `reversed range "{${body}}"`, hint: `write {${toText}..${fromText}}: ranges count upwards` };
    const padded = (fromText.length > 1 && fromText.startsWith('0')) || (toText.length > 1 && toText.startsWith('0'));
    const width = padded ? Math.max(fromText.length, toText.length) : 0;
    return { values: { length: to - from + 1, at: (i) => (width ? String(from + i).padStart(width, '0') : String(from + i)) } };
  }
  if (body.includes('..') && !body.includes(',')) return { problem: `bad range "{${body}}"`, hint: 'a range is two whole numbers, e.g. {1..5} or {01..10}' };
  if (body.includes(',')) {
    const alternatives = body.split(',');
    for (const alternative of alternatives) {
      const problem = substitutionProblem(alternative);
      if (problem) return { problem: `alternative ${problem} (in "{${body}}")`, hint: /\s/u.test(alternative) ? `write the alternatives without spaces: {${alternatives.map((a) => a.trim()).join(',')}}` : 'an alternative is put into the URL as it is: remove the character, or percent-encode it (%23 for #)' };
    }
    return { values: listValues(alternatives) };
  }
  if (!VAR_NAME.test(body)) return { problem: `"{${body}}" is not a variable name, alternatives or a range`, hint: 'write {name}, {a,b} or {1..5}; {{ and }} are literal braces' };
  const values = vars.get(body);
  if (values === undefined) return { problem: `unknown variable "{${body}}"`, hint: vars.size ? `define it under vars (known: ${[...vars.keys()].join(', ')})` : `define it under the group's vars: {${body}: [value, …]}` };
  if (values.length === 0) return { problem: `variable "${body}" has no values`, hint: 'give it at least one value' };
  return { values: listValues(values), variable: body };
}

/** The choices that vary independently: the first segment of each slot. */
function slotSegments(pattern: ParsedPattern): { values: Values }[] {
  const first: { values: Values }[] = [];
  for (const segment of pattern.segments) if (segment.kind === 'choice' && first[segment.slot] === undefined) first[segment.slot] = segment;
  return first;
}

/** How many strings the pattern expands to (before any is built): the product over its slots. */
export function countPattern(pattern: ParsedPattern): number {
  return slotSegments(pattern).reduce((count, segment) => count * segment.values.length, 1);
}

/** The same count as an exact integer, for messages about plans too large for a double. */
export function countPatternExact(pattern: ParsedPattern): bigint {
  return slotSegments(pattern).reduce((count, segment) => count * BigInt(segment.values.length), 1n);
}

/**
 * Calls emit for every expansion, in order (leftmost placeholder varies slowest). A variable's
 * later occurrences repeat the value chosen at its first.
 */
export function expandPattern(pattern: ParsedPattern, emit: (text: string) => void): void {
  const segments = pattern.segments;
  const chosen: string[] = new Array(pattern.slots);
  const bound: boolean[] = new Array(pattern.slots).fill(false);
  const step = (index: number, prefix: string): void => {
    if (index === segments.length) { emit(prefix); return; }
    const segment = segments[index];
    if (segment.kind === 'text') { step(index + 1, prefix + segment.text); return; }
    if (bound[segment.slot]) { step(index + 1, prefix + chosen[segment.slot]); return; }
    bound[segment.slot] = true;
    for (let i = 0; i < segment.values.length; i++) {
      chosen[segment.slot] = segment.values.at(i);
      step(index + 1, prefix + chosen[segment.slot]);
    }
    bound[segment.slot] = false;
  };
  step(0, '');
}
