// Value rules shared by validation and expansion: hosts, prefixes, tags (spec §2.4).
import { MAX_PREFIX_SEPARATORS, MAX_TAG_LENGTH } from '../cloudflare/limits.js';

export type Checked = { readonly value: string } | { readonly problem: string; readonly hint?: string };

const HOST_CHARS = /^[a-z0-9.-]+$/;

/** Lower-cases and punycodes a bare host name; refuses schemes, ports, paths and wildcards. */
export function normalizeHost(input: string): Checked {
  const raw = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return { problem: `host "${input}" has a scheme`, hint: 'write the bare host name, e.g. static.example.com' };
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
  if (input.length > MAX_TAG_LENGTH) return { problem: `tag "${input.slice(0, 40)}…" is ${input.length} characters; Cloudflare allows at most ${MAX_TAG_LENGTH}` };
  if (/[ ,]/.test(input)) return { problem: `tag "${input}" contains ${input.includes(',') ? 'a comma' : 'a space'}`, hint: 'Cloudflare separates tags with commas and refuses spaces: list each tag as its own entry' };
  if (!/^[\x21-\x7e]+$/.test(input)) return { problem: `tag "${input}" is not printable ASCII` };
  return { value: input.toLowerCase() };
}
