// `purgeplan fmt`: purge.yaml in its canonical form (docs/purge-yaml.md, "Canonical form";
// docs/commands.md, "fmt"). The text is read into a tree whose entries own their comments and blank
// lines (format-read.ts), keys are put in the order the reference lists them, and the tree is
// written out (format-write.ts). Values keep the text they were written with: `007` stays `007`,
// quotes stay quotes, `|` and `>` blocks keep their lines.
import { parseDocument } from 'yaml';
import { compare } from '../vocabulary.js';
import type { Alias, FlowItem, Value } from './format-tree.js';
import { readFormatTree } from './format-read.js';
import { FormatError } from './format-tree.js';
import { writeTree } from './format-write.js';

export { FormatError } from './format-tree.js';

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
  keys: ['provider', 'id', 'service_id', 'distribution_id', 'name', 'account_id', 'plan', 'token_env', 'cache_key', 'action', 'schemes', 'allow_purge_everything', 'limits', 'budget', 'cache_reserve'],
  children: { limits: { keys: ['files_per_request', 'items_per_request', 'concurrency'] }, budget: { keys: ['seconds', 'items'] } },
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
  keys: ['description', 'zone', 'cache_key', 'action', 'urls', 'build', 'sitemap', 'vars', 'variants', 'hosts', 'prefixes', 'tags', 'everything', 'revision', 'watch', 'budget', 'escalate'],
  children: {
    build: { keys: ['dir', 'base_url', 'index', 'clean_urls', 'exclude', 'immutable', 'always'] },
    sitemap: { keys: ['file', 'base_url'] },
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

/**
 * The canonical text of a YAML document (which must parse without errors). The line ending of
 * the file's first line is kept for every line, and a byte order mark stays. Throws a
 * FormatError for what fmt does not rewrite (an explicit `? key`, a key that is a collection).
 */
export function formatYaml(text: string): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const lineEnding = /\r?\n/.exec(body)?.[0] ?? '\n';
  const tree = readFormatTree(body.replace(/\r\n/g, '\n'));
  reorderValue(tree.root, FILE);
  anchorsBeforeAliases(tree.root);
  const written = writeTree(tree);
  return bom + (lineEnding === '\n' ? written : written.replace(/\n/g, lineEnding));
}

function reorderValue(value: Value | undefined, order: KeyOrder): void {
  if (value === undefined) return;
  const rank = (name: string | undefined) => {
    const index = order.keys.indexOf(name ?? '');
    return index === -1 ? order.keys.length : index;
  };
  // Array.prototype.sort is stable: unknown keys keep their order, after the known ones.
  if (value.kind === 'map') {
    value.entries.sort((a, b) => rank(a.key?.name) - rank(b.key?.name));
    for (const entry of value.entries) reorderValue(entry.value, childOrder(order, entry.key?.name));
  } else if (value.kind === 'flow' && value.map) {
    value.items.sort((a, b) => rank(a.key?.name) - rank(b.key?.name));
    for (const item of value.items) reorderValue(item.value, childOrder(order, item.key?.name));
  }
}

function childOrder(order: KeyOrder, name: string | undefined): KeyOrder {
  return (name === undefined ? undefined : order.children?.[name]) ?? order.each ?? { keys: [] };
}

/** A place a value is written: the value of an entry, or of an item in a flow collection. */
interface Slot {
  readonly get: () => Value | undefined;
  readonly set: (value: Value) => void;
  /** Inside `[…]` or `{…}`, where only a one-line value fits. */
  readonly inFlow: boolean;
}

/** Every slot under a value, in the order they are written. */
function slots(value: Value | undefined, inFlow: boolean, into: Slot[]): Slot[] {
  if (value?.kind === 'map' || value?.kind === 'seq') {
    for (const entry of value.entries) {
      into.push({ get: () => entry.value, set: (moved) => { entry.value = moved; }, inFlow });
      slots(entry.value, inFlow, into);
    }
  } else if (value?.kind === 'flow') {
    for (const item of value.items) {
      into.push({ get: () => item.value, set: (moved) => { item.value = moved; }, inFlow: true });
      slots(item.value, true, into);
    }
  }
  return into;
}

/**
 * Moving keys can put an alias before its anchor (`variants: {lang: &langs [en]}` written above
 * `vars: {lang: *langs}`), which YAML cannot read. Where that happens the anchored value moves to
 * the alias's place and the alias takes the value's old place: the same data, readable.
 */
function anchorsBeforeAliases(root: Value): void {
  // Each move puts an anchor earlier and an alias later: at most one move per alias.
  const aliases = slots(root, false, []).filter((slot) => slot.get()?.kind === 'alias').length;
  for (let move = 0; move <= aliases; move++) {
    const all = slots(root, false, []);
    const anchoredAt = new Map<string, number>();
    all.forEach((slot, index) => {
      for (const prop of slot.get()?.props ?? []) if (prop.startsWith('&') && !anchoredAt.has(prop.slice(1))) anchoredAt.set(prop.slice(1), index);
    });
    const late = all.findIndex((slot, index) => {
      const value = slot.get();
      return value?.kind === 'alias' && (anchoredAt.get(value.source.slice(1)) ?? -1) > index;
    });
    if (late === -1) return;
    const alias = all[late]!;
    const aliasValue = alias.get() as Alias;
    const anchored = all[anchoredAt.get(aliasValue.source.slice(1))!]!;
    // Inside `[…]` or `{…}` a block list or mapping is written as a flow one: the same data.
    const value = alias.inFlow ? asFlow(anchored.get()!) : anchored.get()!;
    if (value === undefined) {
      throw new FormatError(`an alias ${aliasValue.source} in […] or {…} that the key order puts before its anchor`, 0, 'write the anchored value in […] or {…} form too, or write the values out instead of the alias');
    }
    alias.set(value);
    anchored.set(aliasValue);
  }
  throw new FormatError('aliases that the key order puts before their anchors', 0, 'write the values out instead of the aliases');
}

/** A value as it can be written inside `[…]` or `{…}`, if it can: no comments, no block text. */
function asFlow(value: Value): Value | undefined {
  switch (value.kind) {
    case 'alias':
    case 'flow':
      return value;
    case 'scalar':
      return value.lines.length === 1 ? value : undefined;
    case 'map':
    case 'seq': {
      if (value.trailing.some((line) => line.kind !== 'blank')) return undefined;
      const items: FlowItem[] = [];
      for (const entry of value.entries) {
        const commented = entry.comment || entry.valueComment || [...entry.leading, ...entry.valueLeading].some((line) => line.kind !== 'blank');
        const inner = entry.value === undefined ? undefined : asFlow(entry.value);
        if (commented || (entry.value !== undefined && inner === undefined)) return undefined;
        items.push({ key: entry.key, colon: entry.key !== undefined, value: inner });
      }
      return { kind: 'flow', props: value.props, map: value.kind === 'map', items };
    }
    default:
      return undefined;
  }
}

/**
 * Whether two YAML texts hold the same data: the same values read as YAML's core schema reads
 * them and the same text as typed, mappings compared by key whatever their order. fmt refuses
 * to write a result that fails this (a safety net: it never should).
 */
export function sameMeaning(before: string, after: string): boolean {
  for (const schema of ['core', 'failsafe'] as const) {
    // A text that does not read back (an alias before its anchor, say) has no meaning to compare.
    const read = (text: string): string | undefined => {
      // Duplicate keys were refused when the file was loaded; checking them again is quadratic.
      const doc = parseDocument(text, { schema, uniqueKeys: false });
      if (doc.errors.length > 0) return undefined;
      try {
        return canonicalJson(doc.toJS({ maxAliasCount: -1 }));
      } catch {
        return undefined;
      }
    };
    const meaning = read(before);
    if (meaning === undefined || meaning !== read(after)) return false;
  }
  return true;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compare(a, b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
