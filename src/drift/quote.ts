// Text from a zone (rule descriptions and ids, header names, characters of an expression) quoted
// inside drift's and import's messages: in double quotes with `"` and `\` escaped by a backslash
// and control characters, line separators and bidirectional controls as `\uXXXX` (as every
// printed value), so a description like `my "special" rule` reads as one value, as in JSON.
import { printable } from '../format.js';

/** `"my \"special\" rule"`. */
export function quote(text: string): string {
  return `"${printable(text.replace(/["\\]/g, (c) => `\\${c}`))}"`;
}

/** An identifier as is when it is one plain token (Cloudflare's hex ids), else quoted. */
export function token(text: string): string {
  return /^[A-Za-z0-9_.:#-]+$/.test(text) ? text : quote(text);
}
