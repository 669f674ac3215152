// Stage 1: bytes -> YAML document with positions -> plain value. Refuses what YAML allows but a
// purge file must not have: binary or empty input, duplicate keys, alias bombs, a non-mapping root.
import { createHash } from 'node:crypto';
import { Composer, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, Parser, visit, YAMLParseError } from 'yaml';
import type { Alias, CST, Document, Node, Pair } from 'yaml';
import { decodeText } from './text.js';
import type { Diagnostic, Position } from '../diagnostics.js';
import { displayPath } from './path.js';
import type { PathSegment } from './path.js';

export interface LoadedConfig {
  /** The path as shown in messages (as given on the command line). */
  readonly file: string;
  readonly digest: string;
  readonly value: Record<string, unknown>;
  readonly locate: Locator;
}

/** Finds the position of a key or value by its path in the document. */
export interface Locator {
  key(path: readonly PathSegment[]): Position;
  value(path: readonly PathSegment[]): Position;
  /** Keys of the mapping at path, in document order (JS objects reorder integer-like keys). */
  keys(path: readonly PathSegment[]): string[];
  /**
   * A scalar's text as typed in the file (`007`, `12.50`, `0x1F` for numbers that YAML would
   * re-print as 7, 12.5, 31: docs/purge-yaml.md#values "Values"); undefined when the path is not a scalar.
   */
  text(path: readonly PathSegment[]): string | undefined;
}

const MAX_BYTES = 16 * 1024 * 1024;
/**
 * Collections nested deeper than this are refused before the document is built: a purge file
 * needs about seven levels (groups.NAME.variants.headers.NAME.values[]), and the YAML composer,
 * the schema and the checks all recurse, so a file of 10,000 `[` would exhaust the call stack.
 */
export const MAX_DEPTH = 64;
/** Aliases allowed when converting to plain data; beyond this the file is refused (alias bombs). */
const MAX_ALIASES = 100;
/**
 * The tags of YAML's JSON-compatible core schema. The `yaml` package also resolves YAML 1.1 tags
 * (!!binary, !!set, !!omap, !!pairs, !!timestamp) into Buffers, Sets, Maps and Dates, which are
 * not data a purge file can hold; they and custom tags are refused where they are written.
 */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`));

function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function loadConfig(file: string, bytes: Uint8Array): { config?: LoadedConfig; diagnostics: Diagnostic[] } {
  const at = (line: number, col: number, message: string, hint?: string): Diagnostic => ({ file, line, col, severity: 'error', message, hint });
  if (bytes.length === 0) return { diagnostics: [at(1, 1, 'the file is empty', 'start from `purgeplan init`, or write `version: 1` and your zones and groups')] };
  if (bytes.length > MAX_BYTES) return { diagnostics: [at(1, 1, `the file is ${bytes.length} bytes; purgeplan reads configurations up to ${MAX_BYTES} bytes`)] };
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    if (decoded.problem === 'utf16') return { diagnostics: [at(1, 1, 'the file is UTF-16 text; purgeplan reads UTF-8', 'save it as UTF-8 (in PowerShell: Out-File -Encoding utf8, or Set-Content -Encoding utf8)')] };
    if (decoded.problem === 'binary') {
      const { line, col } = bytePosition(bytes, bytes.indexOf(0));
      return { diagnostics: [at(line, col, 'the file is binary (it contains NUL bytes), not YAML', 'check the -c/--config path')] };
    }
    const { line, col } = bytePosition(bytes, firstInvalidUtf8(bytes));
    return { diagnostics: [at(line, col, 'the file is not valid UTF-8 text', 'save it as UTF-8')] };
  }
  const { text } = decoded;

  const lineCounter = new LineCounter();
  // The syntax tree first (yaml's parser keeps its own stack, so any depth parses), its depth
  // checked, then the document composed from it, as yaml's parseDocument does.
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deep = firstTooDeep(tokens);
  if (deep !== undefined) {
    const { line, col } = lineCounter.linePos(deep);
    return { diagnostics: [at(line, col, `YAML nesting deeper than ${MAX_DEPTH} levels: refused as a resource-exhaustion risk`, 'a purge file nests a few levels (groups.NAME.variants.headers.NAME); check the brackets and the indentation here')] };
  }
  // Duplicate keys are found by duplicateKeys (yaml's own check compares each key with every
  // earlier one, quadratic in the size of a mapping: 10,000 groups took seconds).
  const doc = composeDocument(tokens, text.length);
  const diagnostics: Diagnostic[] = [];
  const duplicatePaths = new Map<number, PathSegment[]>();
  for (const { offset, path } of duplicateKeys(doc.contents)) duplicatePaths.set(offset, path);
  const duplicates = [...duplicatePaths.keys()].map((offset) => ({ code: 'DUPLICATE_KEY', pos: [offset, offset + 1], message: 'Map keys must be unique' }));
  const errors: readonly { code: string; pos: readonly number[]; message: string }[] = [...doc.errors, ...duplicates];
  // Unknown tags are reported below, once, as errors.
  for (const error of [...errors, ...doc.warnings.filter((warning) => warning.code !== 'TAG_RESOLVE_FAILED')]) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.code === 'DUPLICATE_KEY' ? `${displayPath(duplicatePaths.get(error.pos[0]) ?? [])}: duplicate key "${keyTextAt(text, error.pos[0])}"`
      : error.code === 'MULTIPLE_DOCS' ? 'a second YAML document starts here (after ---): purgeplan reads one document a file'
      : `YAML syntax: ${firstLine(error.message)}`;
    const hint = error.code === 'DUPLICATE_KEY' ? 'each key may appear once in a mapping; merge the two entries'
      : error.code === 'MULTIPLE_DOCS' ? 'remove the --- line and merge the documents, or keep one configuration a file' : undefined;
    diagnostics.push({ file, line, col, severity: errors.includes(error as never) ? 'error' : 'warning', message, hint });
  }
  if (errors.length > 0) return { diagnostics };

  // What toJS would silently turn into something else: tagged values and collection keys.
  const aliases: Alias[] = [];
  const unsupported: Diagnostic[] = [];
  const atNode = (node: Node, message: string, hint?: string) => {
    const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
    unsupported.push(at(line, col, message, hint));
  };
  visit(doc, {
    Alias(_, node) { aliases.push(node); },
    Pair(_, pair) {
      if (isCollection(pair.key) || isAlias(pair.key)) atNode(pair.key as Node, 'a mapping key must be a plain name, not a list, mapping or alias', 'write the key as text');
    },
    Node(_, node) {
      if (isAlias(node) || node.tag === undefined || CORE_TAGS.has(node.tag)) return;
      atNode(node, `YAML tag "${node.tag.replace('tag:yaml.org,2002:', '!!')}" is not supported in a purge file`, 'remove the tag: values are plain strings, numbers, booleans, lists and mappings');
    },
  });
  if (unsupported.length > 0) return { diagnostics: [...diagnostics, ...unsupported] };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias/i.test(message)) {
      const excessive = /excessive/i.test(message);
      // Point at the alias that cannot be resolved, or at the first alias of a bomb.
      const name = /: (\S+)$/.exec(firstLine(message))?.[1];
      const culprit = (excessive ? undefined : aliases.find((alias) => alias.source === name)) ?? aliases[0];
      const { line, col } = lineCounter.linePos(culprit?.range?.[0] ?? 0);
      return {
        diagnostics: [
          ...diagnostics,
          excessive
            ? at(line, col, `too many YAML aliases (more than ${MAX_ALIASES} expansions): refused as a resource-exhaustion risk`, 'write the values out, or use fewer anchors and aliases')
            : at(line, col, name ? `YAML alias "*${name}" refers to no anchor defined before it` : `YAML alias: ${firstLine(message)}`, 'define the anchor (&name) before the alias (*name), or write the value out'),
        ],
      };
    }
    return { diagnostics: [...diagnostics, at(1, 1, `YAML: ${firstLine(message)}`)] };
  }
  if (value === null || value === undefined) return { diagnostics: [...diagnostics, at(1, 1, 'the file has no content (only comments or an empty document)', 'write `version: 1` and your zones and groups, or run `purgeplan init`')] };
  if (typeof value !== 'object' || Array.isArray(value)) {
    const pos = doc.contents ? lineCounter.linePos(doc.contents.range?.[0] ?? 0) : { line: 1, col: 1 };
    return { diagnostics: [...diagnostics, at(pos.line, pos.col, `the file must be a mapping with version, zones and groups (got ${Array.isArray(value) ? 'a list' : `a ${typeof value}`})`)] };
  }
  return { config: { file, digest: digestOf(bytes), value: value as Record<string, unknown>, locate: makeLocator(doc, lineCounter) }, diagnostics };
}

/** The first document of the tokens; a second one is an error (MULTIPLE_DOCS), as in yaml's parseDocument. */
function composeDocument(tokens: readonly CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ uniqueKeys: false, strict: true });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  // compose(…, forceDoc = true) yields a document even for empty input.
  return doc!;
}

/**
 * The offset of the first collection (in document order) nested deeper than MAX_DEPTH, or
 * undefined. Walks the syntax tree with a list, not recursion: the depth is what is in question.
 */
function firstTooDeep(tokens: readonly CST.Token[]): number | undefined {
  let first: number | undefined;
  const pending: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    if (token.type === 'document') {
      if (token.value) pending.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth >= MAX_DEPTH) {
        if (first === undefined || token.offset < first) first = token.offset;
        continue;
      }
      for (const item of token.items) {
        if (item.key) pending.push({ token: item.key, depth: depth + 1 });
        if (item.value) pending.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return first;
}

/** Line and column (in characters) of a byte offset; the text before it must be valid UTF-8. */
function bytePosition(bytes: Uint8Array, offset: number): Position {
  const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, col: [...before].length + 1 };
}

/** The offset of the first byte that is not valid UTF-8 (the input is known to hold one). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  // A streaming decoder fails on a prefix exactly when the prefix holds an invalid sequence (an
  // incomplete one at its end is kept for later), so the shortest failing prefix ends at it.
  const fails = (length: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let low = 1;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (fails(middle)) high = middle;
    else low = middle + 1;
  }
  // The bytes before the failing one are valid but may end in an unfinished sequence: the
  // problem starts where that sequence does (at most 3 bytes back), or at the failing byte.
  const complete = (length: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length));
      return true;
    } catch {
      return false;
    }
  };
  let offset = low - 1;
  while (offset > 0 && low - 1 - offset < 3 && !complete(offset)) offset--;
  return offset;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function keyTextAt(text: string, offset: number): string {
  const match = /^[^:\n]*/.exec(text.slice(offset));
  return (match ? match[0] : '').trim().replace(/^["']|["']$/g, '');
}

/**
 * The keys that repeat an earlier key of the same mapping (offset, and the path of the mapping),
 * in document order. Keys are equal as yaml's `uniqueKeys: true` compares them: two scalars with
 * the same value (`1` and "1" differ), collections and aliases never. One hash lookup per key.
 */
function duplicateKeys(node: unknown, path: readonly PathSegment[] = [], found: { offset: number; path: PathSegment[] }[] = []): { offset: number; path: PathSegment[] }[] {
  if (isMap(node)) {
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      if (isScalar(pair.key) && !Number.isNaN(pair.key.value)) {
        if (seen.has(pair.key.value)) found.push({ offset: pair.key.range?.[0] ?? 0, path: [...path] });
        else seen.add(pair.key.value);
      }
      if (isCollection(pair.value)) duplicateKeys(pair.value, [...path, keyText(pair.key)], found);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => { if (isCollection(item)) duplicateKeys(item, [...path, i], found); });
  }
  return found;
}

/** A scalar key as toJS names it in the plain object (a `null` or empty key becomes ""). */
function keyText(key: unknown): string {
  const value = isScalar(key) ? key.value : key;
  return value === null || value === undefined ? '' : String(value);
}

function makeLocator(doc: Document, lineCounter: LineCounter): Locator {
  const pos = (offset: number | undefined): Position => lineCounter.linePos(offset ?? 0);
  // Each mapping's pairs by key name (the first of equal names, as a search would find), built on
  // first use: one lookup per path segment instead of a scan of the mapping.
  const indexes = new Map<object, Map<string, Pair>>();
  const pairOf = (map: { items: unknown[] }, name: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const item of map.items) if (isPair(item) && !index.has(keyText(item.key))) index.set(keyText(item.key), item);
      indexes.set(map, index);
    }
    return index.get(name);
  };
  const walk = (path: readonly PathSegment[]): { node: Node | null; pair: Pair | null; parent: Node | null; complete: boolean } => {
    let node = (doc.contents as Node | null) ?? null;
    let pair: Pair | null = null;
    let parent: Node | null = null;
    for (const segment of path) {
      if (isMap(node)) {
        const found = pairOf(node, String(segment));
        if (!found) return { node, pair, parent, complete: false };
        parent = node;
        pair = found as Pair;
        node = (found.value as Node | null) ?? null;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        parent = node;
        pair = null;
        node = node.items[segment] as Node;
      } else {
        return { node, pair, parent, complete: false };
      }
    }
    return { node, pair, parent, complete: true };
  };
  return {
    key(path) {
      const found = walk(path);
      if (found.complete && found.pair && isScalar(found.pair.key)) return pos(found.pair.key.range?.[0]);
      if (found.complete && found.node) return pos(found.node.range?.[0]);
      return this.value(path);
    },
    value(path) {
      const found = walk(path);
      if (found.complete && found.node && found.node.range) return pos(found.node.range[0]);
      if (found.complete && found.pair && isScalar(found.pair.key)) return pos(found.pair.key.range?.[0]);
      // Not found (e.g. a missing key): the deepest mapping on the path.
      if (found.node?.range) return pos(found.node.range[0]);
      return { line: 1, col: 1 };
    },
    keys(path) {
      const found = walk(path);
      if (!found.complete || !isMap(found.node)) return [];
      return found.node.items.map((item) => keyText(item.key));
    },
    text(path) {
      const found = walk(path);
      if (!found.complete || !isScalar(found.node)) return undefined;
      return typeof found.node.source === 'string' ? found.node.source : undefined;
    },
  };
}
