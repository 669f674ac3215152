// The header cross product of docs/purge-yaml.md: every combination of the dimensions' values, with the
// cookie dimensions joined into one `cookie` header, and *absent* values left out.
import type { Dimension } from '../config/types.js';
import { compare } from '../vocabulary.js';

export interface Variant {
  /** Header name/value pairs, names lower-case, sorted by name. */
  readonly headers: readonly (readonly [string, string])[];
  /** `name=value` pairs joined by ", ": the sort key and the display form ('' for no headers). */
  readonly key: string;
  /** The `headers` object of a files entry (null when the URL is sent as a plain string). */
  readonly object: Readonly<Record<string, string>> | null;
  /** JSON.stringify(object), for the plan's JSON writer: shared by every item of the variant. */
  readonly objectJson: string | null;
}

/** How many variants the dimensions cross into, before duplicates are merged. */
export function variantCount(dimensions: readonly Dimension[]): number {
  return dimensions.reduce((n, d) => n * d.values.length, 1);
}

/** The same count as an exact integer, for messages about groups too large for a double. */
export function variantCountExact(dimensions: readonly Dimension[]): bigint {
  return dimensions.reduce((n, d) => n * BigInt(d.values.length), 1n);
}

/** All variants, deduplicated and sorted by their header list. */
export function expandVariants(dimensions: readonly Dimension[]): Variant[] {
  const headerDimensions = dimensions.filter((d) => d.kind === 'header');
  const cookieDimensions = dimensions.filter((d) => d.kind === 'cookie');
  const byKey = new Map<string, Variant>();
  const choice: (string | null)[] = new Array(dimensions.length).fill(null);
  const ordered = [...headerDimensions, ...cookieDimensions];
  const step = (index: number): void => {
    if (index < ordered.length) {
      for (const value of ordered[index].values) {
        choice[index] = value;
        step(index + 1);
      }
      return;
    }
    const headers: [string, string][] = [];
    headerDimensions.forEach((d, i) => {
      const value = choice[i];
      if (value !== null) headers.push([d.name, value]);
    });
    const cookies: string[] = [];
    cookieDimensions.forEach((d, i) => {
      const value = choice[headerDimensions.length + i];
      if (value !== null) cookies.push(`${d.name}=${value}`);
    });
    if (cookies.length) headers.push(['cookie', cookies.join('; ')]);
    headers.sort((a, b) => compare(a[0], b[0]));
    const variant = makeVariant(headers);
    if (!byKey.has(variant.key)) byKey.set(variant.key, variant);
  };
  step(0);
  return [...byKey.values()].sort((a, b) => compare(a.key, b.key));
}

/**
 * `name=value` as the variant identity shows it. Names are header tokens (no `=`, `,` or space),
 * so the pairs split unambiguously at ", " unless a value holds ", " itself or starts with a
 * quote: such a value is shown JSON-quoted, so that two different variants never share a key
 * (dedupe must not merge them) and the common case stays as written.
 */
function pairText(name: string, value: string): string {
  return value.includes(', ') || value.startsWith('"') ? `${name}=${JSON.stringify(value)}` : `${name}=${value}`;
}

export function makeVariant(headers: readonly (readonly [string, string])[]): Variant {
  const key = headers.map(([name, value]) => pairText(name, value)).join(', ');
  const object = headers.length ? Object.freeze(Object.fromEntries(headers)) : null;
  return { headers, key, object, objectJson: object ? JSON.stringify(object) : null };
}

/**
 * The header pairs of a variant key (the inverse of makeVariant's `key`), or null when `key` is
 * not one: the state records variants by key, and items that leave a group are sent from it.
 */
export function parseVariantKey(key: string): [string, string][] | null {
  const headers: [string, string][] = [];
  let at = 0;
  while (at < key.length) {
    const equals = key.indexOf('=', at);
    if (equals <= at) return null;
    const name = key.slice(at, equals);
    let value: string;
    at = equals + 1;
    if (key[at] === '"') {
      let end = at + 1;
      while (end < key.length && key[end] !== '"') end += key[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(key.slice(at, end + 1)) as string;
      } catch {
        return null;
      }
      at = end + 1;
    } else {
      const next = key.indexOf(', ', at);
      const end = next === -1 ? key.length : next;
      value = key.slice(at, end);
      at = end;
    }
    headers.push([name, value]);
    if (at < key.length) {
      if (!key.startsWith(', ', at)) return null;
      at += 2;
    }
  }
  // Only a key expandVariants writes is read back (names sorted, each once): anything else would
  // send other headers.
  const sorted = headers.every(([name], i) => i === 0 || compare(headers[i - 1][0], name) < 0);
  return sorted && makeVariant(headers).key === key ? headers : null;
}
