// `purgeplan fmt` (spec §7.4): purge.yaml in its canonical form, through the yaml package's
// document API. Keys take the order of spec §1; comments, blank lines, scalar styles and the
// order of groups, lists and list items are kept. The document is read with YAML's failsafe
// schema, where every scalar is text, so a value is printed exactly as it was typed (`007`
// stays `007`, `1e3` stays `1e3`) instead of being parsed as a number and re-printed.
import { Alias, isAlias, isMap, isNode, isScalar, Parser, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { compare } from '../expand/normalize.js';

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
  anchorsBeforeAliases(doc);
  const printed = doc.toString(FORMAT_OPTIONS);
  const formatted = alignTrailingComments(text, padFlowMaps(printed.endsWith('\n') ? printed : `${printed}\n`));
  return formatted;
}

/**
 * Moving keys can put an alias before its anchor (`variants: {lang: &langs [en]}` written above
 * `vars: {lang: *langs}`), which YAML cannot read. Where that happens the anchored node moves to
 * the alias's place and an alias to it takes the node's old place: the same data, readable.
 */
function anchorsBeforeAliases(doc: Document): void {
  const anchored = new Map<string, Node>();
  visit(doc, {
    Node(_, node) {
      if (!isAlias(node) && node.anchor && !anchored.has(node.anchor)) anchored.set(node.anchor, node);
    },
  });
  const seen = new Set<string>();
  const standIns = new Map<Node, Alias>();
  visit(doc, {
    Alias(_, alias) {
      const node = anchored.get(alias.source);
      if (seen.has(alias.source) || node === undefined || standIns.has(node)) return undefined;
      const stand = new Alias(alias.source);
      stand.commentBefore = node.commentBefore;
      stand.comment = node.comment;
      stand.spaceBefore = node.spaceBefore;
      node.commentBefore = alias.commentBefore;
      node.comment = alias.comment;
      node.spaceBefore = alias.spaceBefore;
      standIns.set(node, stand);
      return node;
    },
    Node(_, node) {
      if (isAlias(node)) return undefined;
      const stand = standIns.get(node);
      if (stand !== undefined && seen.has(node.anchor!)) return stand;
      if (node.anchor) seen.add(node.anchor);
      return undefined;
    },
  });
}

/** A token of the yaml package's concrete syntax tree: what it is and where it starts. */
interface SourceToken {
  readonly type: string;
  readonly offset: number;
  readonly source: string;
}

/** Every leaf token of a text, in source order. */
function sourceTokens(text: string): SourceToken[] {
  const tokens: SourceToken[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const token = node as Partial<SourceToken>;
    if (typeof token.type === 'string' && typeof token.offset === 'number' && typeof token.source === 'string') {
      tokens.push(token as SourceToken);
    }
    for (const value of Object.values(node)) if (value !== null && typeof value === 'object') visit(value);
  };
  for (const top of new Parser().parse(text)) visit(top);
  return tokens.sort((a, b) => a.offset - b.offset);
}

/** Inserts text at offsets (each insertion is at the original offset). */
function insertAt(text: string, insertions: ReadonlyArray<readonly [number, string]>): string {
  let out = '';
  let from = 0;
  for (const [offset, insert] of [...insertions].sort((a, b) => a[0] - b[0])) {
    out += text.slice(from, offset) + insert;
    from = offset;
  }
  return out + text.slice(from);
}

/**
 * Flow mappings are written `{ file: posts.txt }` and flow sequences `[a, b]`, as most YAML
 * style guides (and our examples) write them; the printer knows one padding setting for both.
 */
function padFlowMaps(text: string): string {
  const insertions: Array<readonly [number, string]> = [];
  for (const token of sourceTokens(text)) {
    const next = text[token.offset + 1];
    const previous = text[token.offset - 1];
    if (token.type === 'flow-map-start' && next !== undefined && next !== '}' && next !== ' ' && next !== '\n') {
      insertions.push([token.offset + 1, ' ']);
    } else if (token.type === 'flow-map-end' && previous !== undefined && previous !== '{' && previous !== ' ' && previous !== '\n') {
      insertions.push([token.offset, ' ']);
    }
  }
  return insertAt(text, insertions);
}

/**
 * A comment after a key whose value is a block (`origin:   # who calls`) is read as the comment
 * before the block, and printed on a line of its own under the key: put it back on the key's line.
 */
function rejoinKeyComments(original: string, formatted: string): string {
  const missing = new Map<string, number>();
  for (const comment of trailingComments(original)) missing.set(comment.source, (missing.get(comment.source) ?? 0) + 1);
  for (const comment of trailingComments(formatted)) missing.set(comment.source, (missing.get(comment.source) ?? 0) - 1);
  const cuts: Array<{ readonly from: number; readonly to: number }> = [];
  const tokens = sourceTokens(formatted);
  // Whether a line ends in a key's `:` or a one-line value, with no comment: a comment can join it
  // there without becoming part of a value (a block scalar's text, say).
  const endsInValueOrKey = (start: number, end: number): boolean => {
    const onLine = tokens.filter((t) => t.offset >= start && t.offset < end && t.type !== 'space' && t.type !== 'newline');
    const last = onLine[onLine.length - 1];
    return last !== undefined && !onLine.some((t) => t.type === 'comment') &&
      ['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'map-value-ind', 'flow-seq-end', 'flow-map-end'].includes(last.type);
  };
  for (const token of tokens) {
    if (token.type !== 'comment' || (missing.get(token.source) ?? 0) <= 0) continue;
    const lineStart = formatted.lastIndexOf('\n', token.offset - 1) + 1;
    if (lineStart === 0 || formatted.slice(lineStart, token.offset).trim() !== '') continue;
    const previousEnd = lineStart - 1;
    const previousStart = formatted.lastIndexOf('\n', previousEnd - 1) + 1;
    if (!endsInValueOrKey(previousStart, previousEnd)) continue;
    missing.set(token.source, missing.get(token.source)! - 1);
    cuts.push({ from: previousEnd, to: token.offset });
  }
  let out = '';
  let from = 0;
  for (const cut of cuts) {
    out += `${formatted.slice(from, cut.from)} `;
    from = cut.to;
  }
  return out + formatted.slice(from);
}

/** The comments that follow something on their line, with the column each starts at. */
function trailingComments(text: string): Array<{ readonly offset: number; readonly column: number; readonly indent: number; readonly source: string }> {
  const found = [];
  for (const token of sourceTokens(text)) {
    if (token.type !== 'comment') continue;
    const lineStart = text.lastIndexOf('\n', token.offset - 1) + 1;
    if (text.slice(lineStart, token.offset).trim() === '') continue;
    const indent = /^ */.exec(text.slice(lineStart, token.offset))![0].length;
    found.push({ offset: token.offset, column: token.offset - lineStart, indent, source: token.source });
  }
  return found;
}

/**
 * Trailing comments keep the column they were written at, measured from their line's indentation
 * (aligned comment blocks stay aligned when the block is re-indented); the printer puts one space
 * before each. A comment whose line grew past its column keeps one.
 */
function alignTrailingComments(original: string, rawFormatted: string): string {
  const formatted = rejoinKeyComments(original, rawFormatted);
  const columns = new Map<string, number[]>();
  for (const comment of trailingComments(original)) {
    const list = columns.get(comment.source) ?? [];
    list.push(comment.column - comment.indent);
    columns.set(comment.source, list);
  }
  const insertions: Array<readonly [number, string]> = [];
  for (const comment of trailingComments(formatted)) {
    const relative = columns.get(comment.source)?.shift();
    const wanted = relative === undefined ? undefined : relative + comment.indent;
    if (wanted !== undefined && wanted > comment.column) insertions.push([comment.offset, ' '.repeat(wanted - comment.column)]);
  }
  return alignContinuations(original, insertAt(formatted, insertions));
}

/**
 * Own-line comments that continue a trailing comment (written under it, at its column) return
 * to that column; the printer indents them as comments before the next line.
 */
function alignContinuations(original: string, formatted: string): string {
  const continuations = (text: string) => {
    const found: Array<{ readonly lineStart: number; readonly offset: number; readonly source: string; readonly aboveColumn: number | undefined }> = [];
    let previousTrailing: { readonly line: number; readonly column: number } | undefined;
    const trailing = new Map(trailingComments(text).map((c) => [text.lastIndexOf('\n', c.offset - 1) + 1, c.column]));
    for (const token of sourceTokens(text)) {
      if (token.type !== 'comment') continue;
      const lineStart = text.lastIndexOf('\n', token.offset - 1) + 1;
      if (trailing.has(lineStart)) {
        previousTrailing = { line: lineStart, column: trailing.get(lineStart)! };
        continue;
      }
      const aboveStart = lineStart === 0 ? -1 : text.lastIndexOf('\n', lineStart - 2) + 1;
      const above = previousTrailing !== undefined && previousTrailing.line === aboveStart ? previousTrailing.column : undefined;
      found.push({ lineStart, offset: token.offset, source: token.source, aboveColumn: above });
      if (above !== undefined) previousTrailing = { line: lineStart, column: above };
    }
    return found;
  };
  const wanted = new Map<string, number>();
  for (const comment of continuations(original)) {
    if (comment.aboveColumn !== undefined && comment.offset - comment.lineStart === comment.aboveColumn) wanted.set(comment.source, (wanted.get(comment.source) ?? 0) + 1);
  }
  if (wanted.size === 0) return formatted;
  const edits: Array<{ readonly from: number; readonly to: number; readonly column: number }> = [];
  for (const comment of continuations(formatted)) {
    if (comment.aboveColumn === undefined || (wanted.get(comment.source) ?? 0) <= 0) continue;
    wanted.set(comment.source, wanted.get(comment.source)! - 1);
    edits.push({ from: comment.lineStart, to: comment.offset, column: comment.aboveColumn });
  }
  let out = '';
  let from = 0;
  for (const edit of edits) {
    out += `${formatted.slice(from, edit.from)}${' '.repeat(edit.column)}`;
    from = edit.to;
  }
  return out + formatted.slice(from);
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
      const doc = parseDocument(text, { schema });
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
