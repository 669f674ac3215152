// `wildcard` and `strict wildcard` (Cloudflare's operators page): the whole value must match;
// `*` is zero or more characters, `\*` a literal star, `\\` a backslash; any other escape and
// `**` are invalid, as in Cloudflare's engine. `wildcard` ignores case, `strict wildcard` does
// not. Matching is greedy left to right over the literal pieces: linear, no backtracking.
import { quote } from './quote.js';

export interface Wildcard {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
  /** The literal pieces between stars (first and last anchored at the ends). */
  readonly pieces: readonly string[];
}

export function parseWildcard(pattern: string, caseInsensitive: boolean): Wildcard | { problem: string } {
  const pieces: string[] = [''];
  let previousStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (previousStar) return { problem: `"**" is not allowed (character ${i + 1} of the pattern)` };
      previousStar = true;
      pieces.push('');
      continue;
    }
    previousStar = false;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return { problem: `invalid escape ${quote(`\\${next ?? ''}`)} (only \\* and \\\\; character ${i + 1} of the pattern)` };
      pieces[pieces.length - 1] += next;
      i++;
      continue;
    }
    pieces[pieces.length - 1] += c;
  }
  const fold = (text: string) => (caseInsensitive ? text.toLowerCase() : text);
  return { pattern, caseInsensitive, pieces: pieces.map(fold) };
}

export function wildcardMatches(wildcard: Wildcard, input: string): boolean {
  const value = wildcard.caseInsensitive ? input.toLowerCase() : input;
  const { pieces } = wildcard;
  if (pieces.length === 1) return value === pieces[0];
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = value.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
