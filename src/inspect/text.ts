// Values read from requests and logs are untrusted: what reaches a terminal or a pull-request
// comment never carries their control characters, escape sequences or markup (spec §6a).
import { markdownText, printable } from '../format.js';

export { markdownText, printable };

/** A value in double quotes, escaped as JSON and printable. */
export function quoted(value: string): string {
  return printable(JSON.stringify(value));
}

/** A value as inline code in markdown (HTML <code>, so no backtick can close it). */
export function markdownCode(text: string): string {
  return `<code>${markdownText(text)}</code>`;
}
