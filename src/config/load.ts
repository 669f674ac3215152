// Stage 1: bytes -> YAML document with positions -> plain value. Refuses what YAML allows but a
// purge file must not have: binary or empty input, duplicate keys, alias bombs, a non-mapping root.
import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { Diagnostic, Position } from '../diagnostics.js';

export type PathSegment = string | number;

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
}

const MAX_BYTES = 16 * 1024 * 1024;
/** Aliases allowed when converting to plain data; beyond this the file is refused (alias bombs). */
export const MAX_ALIASES = 100;

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function loadConfig(file: string, bytes: Uint8Array): { config?: LoadedConfig; diagnostics: Diagnostic[] } {
  const at = (line: number, col: number, message: string, hint?: string): Diagnostic => ({ file, line, col, severity: 'error', message, hint });
  if (bytes.length === 0) return { diagnostics: [at(1, 1, 'the file is empty', 'start from `purgeplan init`, or write `version: 1` and your zones and groups')] };
  if (bytes.length > MAX_BYTES) return { diagnostics: [at(1, 1, `the file is ${bytes.length} bytes; purgeplan reads configurations up to ${MAX_BYTES} bytes`)] };
  if (bytes.includes(0)) return { diagnostics: [at(1, 1, 'the file is binary (it contains NUL bytes), not YAML', 'check the -c/--config path')] };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { diagnostics: [at(1, 1, 'the file is not valid UTF-8 text', 'save it as UTF-8')] };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const diagnostics: Diagnostic[] = [];
  for (const error of [...doc.errors, ...doc.warnings]) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.code === 'DUPLICATE_KEY' ? `duplicate key "${keyTextAt(text, error.pos[0])}"` : `YAML syntax: ${firstLine(error.message)}`;
    const hint = error.code === 'DUPLICATE_KEY' ? 'each key may appear once in a mapping; merge the two entries' : undefined;
    diagnostics.push({ file, line, col, severity: doc.errors.includes(error as never) ? 'error' : 'warning', message, hint });
  }
  if (doc.errors.length > 0) return { diagnostics };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias/i.test(message)) {
      const excessive = /excessive/i.test(message);
      return {
        diagnostics: [
          ...diagnostics,
          at(1, 1, excessive ? `too many YAML aliases (more than ${MAX_ALIASES} expansions): refused as a resource-exhaustion risk` : `YAML alias: ${firstLine(message)}`,
            'write the values out, or use fewer anchors and aliases'),
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

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function keyTextAt(text: string, offset: number): string {
  const match = /^[^:\n]*/.exec(text.slice(offset));
  return (match ? match[0] : '').trim().replace(/^["']|["']$/g, '');
}

function makeLocator(doc: Document, lineCounter: LineCounter): Locator {
  const pos = (offset: number | undefined): Position => lineCounter.linePos(offset ?? 0);
  const walk = (path: readonly PathSegment[]): { node: Node | null; pair: Pair | null; parent: Node | null; complete: boolean } => {
    let node = (doc.contents as Node | null) ?? null;
    let pair: Pair | null = null;
    let parent: Node | null = null;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.find((item) => isPair(item) && String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
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
      return found.node.items.map((item) => String(isScalar(item.key) ? item.key.value : item.key));
    },
  };
}
