// Value rules shared by validation and expansion: substituted values (docs/purge-yaml.md#values, "Values"),
// header and cookie values, hosts, prefixes, tags (docs/purge-yaml.md). Every place that puts a value from
// purge.yaml or a vars file into a URL, a header or a pattern asks these functions.
import { MAX_PREFIX_SEPARATORS, MAX_TAG_LENGTH } from '../cloudflare/limits.js';

export type Checked = { readonly value: string } | { readonly problem: string; readonly hint?: string };

/** C0 controls, DEL and C1 controls: never valid in a URL value, a header or a cookie. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Whitespace (ASCII and Unicode), controls and `#`: what a substituted value must not contain. */
const NOT_SUBSTITUTABLE = /[\s\u0000-\u001f\u007f-\u009f#]/u;

/** Names a character for a message: `a space`, `a tab`, `a line break (CR)`, `"#"`, `U+0007`. */
function describeCharacter(ch: string): string {
  switch (ch) {
    case ' ': return 'a space';
    case '\t': return 'a tab';
    case '\n': return 'a line break (LF)';
    case '\r': return 'a line break (CR)';
    case '#': return '"#"';
    case ';': return '";"';
    case '\u00a0': return 'a no-break space (U+00A0)';
    case '\u202f': return 'a narrow no-break space (U+202F)';
    case '\u200b': return 'a zero-width space (U+200B)';
    case '\u3000': return 'an ideographic space (U+3000)';
    case '\ufeff': return 'a zero-width no-break space (U+FEFF)';
    default: return `${/\s/u.test(ch) ? 'a space character' : 'a control character'} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
  }
}

/**
 * A value as a message quotes it: JSON string syntax, so that no control character is printed raw.
 * A long value is cut where every message is printed (shortenQuoted in src/diagnostics.ts).
 */
export function quoteValue(value: string): string {
  // Invisible and look-alike spaces are escaped too, so that a message shows where they are.
  return JSON.stringify(value).replace(/[\u007f-\u00a0\u1680\u2000-\u200b\u2028-\u202f\u205f\u2066-\u2069\u3000\ufeff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A value substituted into a URL (a vars entry, a vars-file line, a `{a,b}` alternative) must not
 * contain whitespace, control characters or `#` (docs/purge-yaml.md): the URL parser would turn them into
 * `%20`, drop them, or start a fragment, and the purge would miss the cached URL.
 */
export function substitutionProblem(value: string): string | null {
  const match = NOT_SUBSTITUTABLE.exec(value);
  if (!match) return null;
  const why = match[0] === '#' ? 'it would start the URL\'s fragment, which is not part of the cache key' : match[0] === ' ' ? 'it would become %20 in the URL'
    : /\s/u.test(match[0]) && !CONTROL.test(match[0]) ? 'the URL would carry it percent-encoded, and the purge would miss the URL without it'
    : 'the URL parser would drop or encode it';
  return `${quoteValue(value)} contains ${describeCharacter(match[0])}: ${why}`;
}

/** Header values (HTTP forbids controls in them); cookie values also refuse `;`, which would start another cookie. */
export function headerValueProblem(value: string, kind: 'header' | 'cookie'): string | null {
  const match = (kind === 'cookie' ? /[\u0000-\u001f\u007f-\u009f;]/ : CONTROL).exec(value);
  if (!match) return null;
  return match[0] === ';'
    ? `${quoteValue(value)} contains ";": it would end this cookie and start another in the cookie header`
    : `${quoteValue(value)} contains ${describeCharacter(match[0])}: HTTP does not allow control characters in a ${kind} value`;
}

/** Unicode spaces other than the ASCII space (and the zero-width ones): in a header value, most likely pasted. */
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/u;

/**
 * A header or cookie value that no request carries as written (docs/purge-yaml.md, "Header and
 * cookie values"): HTTP removes the spaces around a field value (RFC 9110, section 5.5) and
 * browsers those around a cookie value (RFC 6265, section 5.2), so `" ja "` keys as `ja`; a
 * no-break or ideographic space is a paste from a document, not what a browser sends. A warning:
 * the value is still purged exactly as written.
 */
export function headerValueSpacing(value: string, kind: 'header' | 'cookie'): { problem: string; hint: string } | null {
  const retyped = value.replace(new RegExp(NON_ASCII_SPACE.source, 'gu'), ' ').trim();
  const pasted = NON_ASCII_SPACE.exec(value);
  if (pasted) {
    return {
      problem: `${quoteValue(value)} contains ${describeCharacter(pasted[0])}, most likely pasted from a document: browsers send plain spaces in a ${kind} value, so this variant would likely purge no cached entry`,
      hint: retyped === '' ? 'retype the value' : `retype it with plain spaces, or none: ${quoteValue(retyped)}`,
    };
  }
  const leading = value.startsWith(' ');
  const trailing = value.endsWith(' ');
  if (!leading && !trailing) return null;
  const where = leading && trailing ? 'starts and ends' : leading ? 'starts' : 'ends';
  const who = kind === 'cookie' ? 'browsers remove the spaces around a cookie value' : 'HTTP removes the spaces around a header value';
  return {
    problem: `${quoteValue(value)} ${where} with a space: ${who}, so no request carries it as written and this variant would purge no cached entry`,
    hint: retyped === '' ? `a value of spaces only reaches the cache as an empty value, the same entry as the ${kind} absent: remove it` : `write ${quoteValue(retyped)}`,
  };
}

const HOST_CHARS = /^[a-z0-9.-]+$/;

/** Lower-cases and punycodes a bare host name; refuses schemes, ports, paths and wildcards. */
export function normalizeHost(input: string): Checked {
  const raw = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { problem: `host "${input}" has a scheme`, hint: 'write the bare host name, e.g. static.example.com' };
  // The URL parser reads `\` as `/`: `host\path` would quietly become the whole host.
  if (raw.includes('\\')) return { problem: `host "${input}" contains "\\"`, hint: 'a host name has no backslash; for a path, write a prefix with "/": www.example.com/blog/' };
  if (/[/?#:@\s*]/.test(raw)) return { problem: `host "${input}" is not a bare host name`, hint: 'no port, path, wildcard or spaces: e.g. static.example.com (use prefixes for a path)' };
  let host: string;
  try {
    host = new URL(`http://${raw}/`).hostname;
  } catch {
    return { problem: `host "${input}" is not a valid host name` };
  }
  if (!HOST_CHARS.test(host) || !host.includes('.') && host !== 'localhost') return { problem: `host "${input}" is not a valid host name`, hint: 'e.g. static.example.com' };
  return { value: host };
}

/** `host/path`: scheme removed, host lower-cased, path percent-encoded as the cache sees it. */
export function normalizePrefix(input: string): Checked {
  const raw = input.trim().replace(/^https?:\/\//i, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { problem: `prefix "${input}" has a scheme other than http or https` };
  if (raw.includes('?') || raw.includes('#')) return { problem: `prefix "${input}" has a query string or fragment`, hint: 'Cloudflare purges prefixes by host and path only; a prefix already covers every query string under it' };
  const slash = raw.indexOf('/');
  const hostPart = slash === -1 ? raw : raw.slice(0, slash);
  if (hostPart.includes('\\')) return { problem: `prefix "${input}" has "\\" in its host part`, hint: 'separate the host and the path with "/": www.example.com/docs/' };
  const host = normalizeHost(hostPart);
  if ('problem' in host) return { problem: `prefix "${input}": ${host.problem}`, hint: 'write host/path, e.g. www.example.com/blog/' };
  let path = '';
  if (slash !== -1) {
    const rest = raw.slice(slash);
    try {
      path = new URL(`https://${host.value}${rest}`).pathname;
    } catch {
      return { problem: `prefix "${input}" is not a valid host/path` };
    }
    if (rest.endsWith('/') && !path.endsWith('/')) path += '/';
  }
  const value = host.value + path;
  const separators = value.split('/').length - 1;
  if (separators > MAX_PREFIX_SEPARATORS) return { problem: `prefix "${input}" has ${separators} "/" separators; Cloudflare allows at most ${MAX_PREFIX_SEPARATORS}`, hint: 'purge a shorter prefix' };
  return { value };
}

/** Tags are printable ASCII without spaces or commas, 1 to 1024 characters; emitted lower-cased. */
export function normalizeTag(input: string): Checked {
  if (input.length === 0) return { problem: 'a tag must not be empty' };
  if (input.length > MAX_TAG_LENGTH) return { problem: `tag ${quoteValue(input)} is longer than Cloudflare allows (at most ${MAX_TAG_LENGTH} characters)` };
  if (/[ ,]/.test(input)) return { problem: `tag "${input}" contains ${input.includes(',') ? 'a comma' : 'a space'}`, hint: 'Cloudflare separates tags with commas and refuses spaces: list each tag as its own entry' };
  if (!/^[\x21-\x7e]+$/.test(input)) return { problem: `tag "${input}" is not printable ASCII` };
  return { value: input.toLowerCase() };
}

/**
 * Whether a value looks like a Cloudflare credential rather than a name: a `cfut_`/`cfat_`/`cfk_`
 * token or key, a 40-character alphanumeric token, or a 37–45-character hex global key
 * (docs/cloudflare.md). Such a value is never quoted back (docs/commands.md: no token in an error).
 */
export function looksLikeSecret(value: string): boolean {
  return /^cf(?:ut|at|k)_[A-Za-z0-9]/.test(value) || (/^[A-Za-z0-9]{37,}$/.test(value) && /[0-9]/.test(value));
}
