// Values read from requests and logs are untrusted: what reaches a terminal or a pull-request
// comment never carries their control characters, escape sequences or markup (spec §6a).

/** Control characters (C0, DEL, C1) and bidirectional overrides, shown as \u escapes. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value in double quotes, escaped as JSON and printable. */
export function quoted(value: string): string {
  return printable(JSON.stringify(value));
}

/** Text for markdown: printable, HTML-escaped, and safe inside a table cell. */
export function markdownText(text: string): string {
  return printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/`/g, '&#96;').replace(/\*/g, '&#42;').replace(/_/g, '&#95;').replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
}

/** A value as inline code in markdown (HTML <code>, so no backtick can close it). */
export function markdownCode(text: string): string {
  return `<code>${markdownText(text)}</code>`;
}
