// `purgeplan fmt` (spec §7.4): purge.yaml in its canonical form, through the yaml package's
// document API. Keys take the order of spec §1; comments, blank lines, scalar styles and the
// order of groups, lists and list items are kept. The document is read with YAML's failsafe
// schema, where every scalar is text, so a value is printed exactly as it was typed (`007`
// stays `007`, `1e3` stays `1e3`) instead of being parsed as a number and re-printed.
import { isMap, isNode, isScalar, parseDocument } from 'yaml';
import type { Document, Pair, YAMLMap } from 'yaml';

/** The key order of a mapping and of the mappings below it. */
interface KeyOrder {
  readonly keys: readonly string[];
  /** The mapping under a known key. */
  readonly children?: Readonly<Record<string, KeyOrder>>;
  /** Every value of a mapping of user-chosen names (zones, groups, profiles, headers). */
  readonly each?: KeyOrder;
}

const DIMENSION: KeyOrder = { keys: ['values', 'absent'] };

const ZONE: KeyOrder = {
  keys: ['id', 'name', 'account_id', 'plan', 'token_env', 'cache_key', 'action', 'schemes', 'allow_purge_everything', 'limits'],
  children: { limits: { keys: ['files_per_request', 'items_per_request'] } },
};

const CACHE_KEY: KeyOrder = {
  keys: ['query_string', 'device_type', 'geo', 'lang', 'headers', 'cookies', 'host', 'cache_deception_armor'],
  children: {
    query_string: { keys: ['sort', 'exclude', 'ignore', 'include'] },
    headers: { keys: ['include', 'check_presence', 'exclude_origin'] },
    cookies: { keys: ['include', 'check_presence'] },
    host: { keys: ['resolved'] },
  },
};

const GROUP: KeyOrder = {
  keys: ['description', 'zone', 'cache_key', 'action', 'urls', 'vars', 'variants', 'hosts', 'prefixes', 'tags', 'everything', 'revision', 'watch'],
  children: {
    vars: { keys: [], each: { keys: ['file'] } },
    variants: {
      keys: ['device_type', 'geo', 'lang', 'headers', 'cookies'],
      children: {
        device_type: DIMENSION,
        geo: DIMENSION,
        lang: DIMENSION,
        headers: { keys: [], each: DIMENSION },
        cookies: { keys: [], each: DIMENSION },
      },
    },
  },
};

const FILE: KeyOrder = {
  keys: ['version', 'zones', 'cache_keys', 'groups'],
  children: { zones: { keys: [], each: ZONE }, cache_keys: { keys: [], each: CACHE_KEY }, groups: { keys: [], each: GROUP } },
};

export const FORMAT_OPTIONS = { indent: 2, indentSeq: true, lineWidth: 0, flowCollectionPadding: false } as const;

/** The canonical text of a YAML document (which must parse without errors). */
export function formatYaml(text: string): string {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`formatYaml: ${doc.errors[0]!.message}`);
  if (isMap(doc.contents)) reorder(doc.contents, FILE, doc);
  const formatted = doc.toString(FORMAT_OPTIONS);
  return formatted.endsWith('\n') ? formatted : `${formatted}\n`;
}

/**
 * Whether two YAML texts hold the same data: the same values read as YAML's core schema reads
 * them and the same text as typed, mappings compared by key whatever their order. fmt refuses
 * to write a result that fails this (a safety net: it never should).
 */
export function sameMeaning(before: string, after: string): boolean {
  for (const schema of ['core', 'failsafe'] as const) {
    const read = (text: string) => canonicalJson(parseDocument(text, { schema }).toJS({ maxAliasCount: -1 }));
    if (read(before) !== read(after)) return false;
  }
  return true;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function keyName(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
}

function reorder(map: YAMLMap, order: KeyOrder, doc?: Document): void {
  const rank = (pair: Pair) => {
    const index = order.keys.indexOf(keyName(pair) ?? '');
    return index === -1 ? order.keys.length : index;
  };
  // Array.prototype.sort is stable: unknown keys keep their order, after the known ones.
  const sorted = [...(map.items as Pair[])].sort((a, b) => rank(a) - rank(b));
  if (sorted[0] !== map.items[0]) {
    if (doc) keepFileHeaderOnTop(doc, map);
    // A blank line before a mapping's first key is not kept when another key takes its place.
    const first = sorted[0]?.key;
    if (isNode(first)) first.spaceBefore = false;
  }
  map.items = sorted;
  for (const pair of sorted) {
    const name = keyName(pair);
    const child = name === undefined ? undefined : order.children?.[name] ?? order.each;
    if (child && isMap(pair.value)) reorder(pair.value, child);
  }
}

/**
 * The comment above a file's first key is the file's header (the yaml-language-server line, a
 * title): it stays at the top when another key moves there.
 */
function keepFileHeaderOnTop(doc: Document, map: YAMLMap): void {
  const first = (map.items as Pair[])[0];
  const key = first?.key;
  if (!isNode(key)) return;
  if (key.commentBefore) {
    doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${key.commentBefore}` : key.commentBefore;
    key.commentBefore = undefined;
  }
  key.spaceBefore = false;
}
