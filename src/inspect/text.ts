// Values read from requests and logs are untrusted: what reaches a terminal or a pull-request
// comment never carries their control characters, escape sequences, markup, links, mentions or
// references (docs/coverage.md). The project's own escapers do it, as for config text.
import { printable } from '../format.js';
import { codeSpan, escapeText } from '../render/markdown.js';

export { printable };

/** A value in double quotes, escaped as JSON and printable. */
export function quoted(value: string): string {
  return printable(JSON.stringify(value));
}

/** Text for markdown, inert in a paragraph or a table cell. */
export function markdownText(text: string): string {
  return escapeText(text);
}

/** A value as a code span, safe in a table cell too (GFM reads `\|` in a cell's code span as `|`). */
export function markdownCode(text: string): string {
  return codeSpan(text).replace(/\|/g, '\\|');
}
