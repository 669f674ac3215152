// Values read from requests and logs are untrusted: what reaches a terminal or a pull-request
// comment never carries their control characters, escape sequences, markup, links, mentions or
// references (docs/coverage.md). The project's one terminal and one markdown escaper do it, as for
// config text and server answers.
import { codeSpan, markdownText, printable } from '../format.js';

export { markdownText, printable };

/** A value in double quotes, escaped as JSON and printable. */
export function quoted(value: string): string {
  return printable(JSON.stringify(value));
}

/** A value as a code span, safe in a table cell too (GFM reads `\|` in a cell's code span as `|`). */
export function markdownCode(text: string): string {
  return codeSpan(text).replace(/\|/g, '\\|');
}
