// Reads purge.yaml into the tree of format-tree.ts through the yaml package's concrete syntax
// tree, which keeps every comment, line break and value as written.
import { CST, Parser } from 'yaml';
import type { BlockCollection, BlockScalar, Entry, Flow, FlowItem, Key, Line, TrailingComment, Tree, Value, VerbatimFlow } from './format-tree.js';
import { FormatError } from './format-tree.js';

/** YAML limits a key written without `?` to 1024 characters. */
const MAX_KEY_LENGTH = 1024;

const SCALARS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar']);

/** Reads a text with LF line breaks (which must be one valid YAML document) into its tree. */
export function readFormatTree(text: string): Tree {
  return new TreeReader(text).document();
}

class TreeReader {
  /** The comment last written after something on its line, while only comments follow it at its column. */
  private lastTrailing: { readonly column: number; readonly comment: TrailingComment } | undefined;

  constructor(private readonly text: string) {}

  document(): Tree {
    const top: Line[] = [];
    const footer: Line[] = [];
    let document: CST.Document | undefined;
    for (const token of new Parser().parse(this.text)) {
      const into = document ? footer : top;
      switch (token.type) {
        case 'document':
          if (document) throw new FormatError('a file with several YAML documents', token.offset);
          document = token;
          for (const start of token.start) {
            if (start.type === 'doc-start') top.push({ kind: 'raw', text: this.restOfLine(start.offset) });
            else if (start.type === 'comment' && !this.ownLine(start.offset)) continue; // `--- # note`, kept with the `---`
            else this.line(start, top);
          }
          break;
        case 'directive':
          into.push({ kind: 'raw', text: token.source.trimEnd() });
          break;
        case 'doc-end':
          into.push({ kind: 'raw', text: this.restOfLine(token.offset) });
          for (const end of token.end ?? []) if (end.type !== 'comment' || this.ownLine(end.offset)) this.line(end, into);
          break;
        case 'comment':
        case 'newline':
        case 'space':
          this.line(token, into);
          break;
        case 'byte-order-mark':
          break;
        default:
          throw new FormatError(`YAML it does not expect here (${token.type})`, token.offset);
      }
    }
    if (!document?.value) throw new FormatError('a file without a mapping', 0);
    const value = document.value;
    let root: Value;
    let rootComment: TrailingComment | undefined;
    if (value.type === 'block-map') {
      const read = this.collection(value, [], top.splice(0), -1);
      root = read.value;
      footer.unshift(...read.overflow);
    } else {
      const holder = this.newEntry([], undefined);
      const read = this.value(value, [], holder, 0);
      root = read.value;
      rootComment = holder.comment;
      footer.unshift(...read.overflow);
    }
    for (const end of document.end ?? []) this.line(end, footer);
    const header = root.kind === 'map' ? fileHeader(root.entries[0]!.leading, top) : top;
    return { header, root, rootComment, footer };
  }

  /**
   * A block mapping or list; `leading` holds the lines before its first entry, `outer` is the
   * indentation of the block holding it.
   */
  private collection(token: CST.BlockMap | CST.BlockSequence, props: readonly string[], leading: Line[], outer: number): { value: BlockCollection; overflow: Line[] } {
    const entries: Entry[] = [];
    let pending = leading;
    const items: ReadonlyArray<CST.BlockMap['items'][number] | CST.BlockSequence['items'][number]> = token.items;
    for (const item of items) {
      const lines = pending;
      pending = [];
      const entry = token.type === 'block-map'
        ? this.mapEntry(item as CST.BlockMap['items'][number], lines, token.indent)
        : this.seqEntry(item as CST.BlockSequence['items'][number], lines, token.indent);
      if (entry === undefined) {
        pending = lines; // lines after the last entry
        continue;
      }
      entries.push(entry.entry);
      pending = entry.overflow;
    }
    // Comment lines after the last entry end this block when written deeper than the block holding
    // it; from the first one written at that block's indentation or further left, they (and the
    // blank lines before it) belong to an outer block: above the key that follows there.
    let cut = pending.findIndex((line) => line.kind === 'comment' && line.column <= outer);
    if (cut === -1) cut = pending.length;
    while (cut > 0 && pending[cut - 1]!.kind === 'blank') cut--;
    const value: BlockCollection = { kind: token.type === 'block-map' ? 'map' : 'seq', props, entries, trailing: pending.slice(0, cut) };
    return { value, overflow: pending.slice(cut) };
  }

  private mapEntry(item: CST.BlockMap['items'][number], lines: Line[], indent: number): { entry: Entry; overflow: Line[] } | undefined {
    const keyProps: string[] = [];
    this.startTokens(item.start, lines, keyProps);
    if (item.key === undefined && item.sep === undefined && item.value === undefined && !item.explicitKey) return undefined;
    const keyToken = item.key;
    // An explicit key (`? key` then `: value`) is written as the usual `key: value` when it can be.
    if (!keyToken || !(SCALARS.has(keyToken.type) || keyToken.type === 'alias') || (keyToken as CST.FlowScalar).source.includes('\n') || (keyToken as CST.FlowScalar).source.length > MAX_KEY_LENGTH) {
      throw new FormatError(item.explicitKey ? 'an explicit key (`? key`) that is not a short one-line text' : 'a mapping key that is not a one-line scalar', keyToken?.offset ?? item.start[0]?.offset ?? 0);
    }
    const scalarKey = keyToken as CST.FlowScalar;
    this.content();
    for (const end of scalarKey.end ?? []) if (end.type === 'comment') throw new FormatError('a comment between a key and its `:`', end.offset);
    for (const sep of item.sep ?? []) {
      if (sep.type === 'map-value-ind') break;
      if (sep.type === 'comment') throw new FormatError('a comment between a key and its `:`', sep.offset);
    }
    const entry = this.newEntry(lines, { props: keyProps, source: scalarKey.source, name: keyName(scalarKey) });
    return this.entryValue(entry, item.sep ?? [], item.value, indent);
  }

  private seqEntry(item: CST.BlockSequence['items'][number], lines: Line[], indent: number): { entry: Entry; overflow: Line[] } | undefined {
    const indicator = item.start.findIndex((t) => t.type === 'seq-item-ind');
    if (indicator === -1) {
      this.startTokens(item.start, lines, []);
      if (item.value !== undefined) throw new FormatError('a list item without `-`', item.value.offset);
      return undefined;
    }
    this.startTokens(item.start.slice(0, indicator), lines, []);
    this.content();
    const entry = this.newEntry(lines, undefined);
    return this.entryValue(entry, item.start.slice(indicator + 1), item.value, indent);
  }

  /** The tokens between a key's `:` (or a `-`) and its value, then the value. */
  private entryValue(entry: Entry, separator: readonly CST.SourceToken[], token: CST.Token | undefined, indent: number): { entry: Entry; overflow: Line[] } {
    const props: string[] = [];
    const below: Line[] = [];
    for (const sep of separator) {
      if (sep.type === 'anchor' || sep.type === 'tag') {
        props.push(sep.source);
        this.content();
      } else if (sep.type === 'newline') {
        entry.valueBelow = true;
        this.line(sep, below);
      } else if (sep.type === 'comment' && !this.ownLine(sep.offset)) {
        entry.comment = this.trailing(sep);
      } else if (sep.type === 'comment') {
        this.line(sep, below);
      } else if (sep.type !== 'space' && sep.type !== 'map-value-ind') {
        throw new FormatError(`YAML it does not expect here (${sep.type})`, sep.offset);
      }
    }
    if (token === undefined) {
      if (props.length > 0) entry.value = { kind: 'scalar', props, lines: [''] };
      return { entry, overflow: below };
    }
    if (token.type === 'block-map' || token.type === 'block-seq') {
      const read = this.collection(token, props, below, indent);
      entry.value = read.value;
      return { entry, overflow: read.overflow };
    }
    entry.valueLeading.push(...below);
    const read = this.value(token, props, entry, indent);
    entry.value = read.value;
    return { entry, overflow: read.overflow };
  }

  /** A value other than a block collection; its trailing comment goes to `entry`. */
  private value(token: CST.Token, props: readonly string[], entry: Entry, indent: number): { value: Value; overflow: Line[] } {
    const overflow: Line[] = [];
    const trailingTo = (comment: TrailingComment) => {
      if (entry.comment !== undefined || entry.valueLeading.length > 0) entry.valueComment = comment;
      else entry.comment = comment;
    };
    if (token.type === 'block-scalar') {
      const value = this.blockScalar(token, props, indent, trailingTo, overflow);
      return { value, overflow };
    }
    let value: Value;
    let end: readonly CST.SourceToken[];
    if (SCALARS.has(token.type) || token.type === 'alias') {
      const scalar = token as CST.FlowScalar;
      const [first, ...rest] = scalar.source.split('\n');
      value = scalar.type === 'alias' ? { kind: 'alias', props, source: scalar.source } : { kind: 'scalar', props, lines: [first!, ...rest.map((line) => line.trimStart())] };
      end = scalar.end ?? [];
    } else if (token.type === 'flow-collection') {
      value = this.flow(token, props, indent);
      end = token.end.slice(1);
    } else {
      throw new FormatError(`YAML it does not expect here (${token.type})`, token.offset);
    }
    this.content();
    let afterNewline = false;
    for (const tail of end) {
      if (tail.type === 'comment' && !afterNewline && !this.ownLine(tail.offset)) trailingTo(this.trailing(tail));
      else {
        if (tail.type === 'newline') afterNewline = true;
        this.line(tail, overflow);
      }
    }
    return { value, overflow };
  }

  private blockScalar(token: CST.BlockScalar, props: readonly string[], indent: number, trailingTo: (comment: TrailingComment) => void, overflow: Line[]): BlockScalar {
    let header = '';
    for (const prop of token.props) {
      if (prop.type === 'block-scalar-header') header = prop.source;
      else if (prop.type === 'comment') trailingTo(this.trailing(prop));
    }
    this.content();
    const indicatorMatch = /[1-9]/.exec(header);
    const indicator = indicatorMatch ? Number(indicatorMatch[0]) : undefined;
    const lines = token.source.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const firstText = lines.find((line) => line.trim() !== '');
    const bodyIndent = indicator !== undefined ? indent + indicator : firstText === undefined ? 0 : firstText.length - firstText.trimStart().length;
    const body = lines.map((line) => {
      if (line.length <= bodyIndent && line.trim() === '') return '';
      if (line.slice(0, bodyIndent).trim() !== '') throw new FormatError('a block scalar indented less than its first line', token.offset);
      return line.slice(bodyIndent);
    });
    // Blank lines after a block that does not keep them (no `+`) separate it from what follows.
    if (!header.includes('+')) {
      let blank = false;
      while (body.length > 0 && body[body.length - 1]!.trim() === '') {
        body.pop();
        blank = true;
      }
      if (blank) overflow.push({ kind: 'blank' });
    }
    return { kind: 'block-scalar', props, header, indicator, body };
  }

  private flow(token: CST.FlowCollection, props: readonly string[], indent: number): Flow | VerbatimFlow {
    if (!simpleFlow(token)) {
      const close = token.end[0]!;
      const [first, ...rest] = this.text.slice(token.offset, close.offset + close.source.length).split('\n');
      return {
        kind: 'verbatim',
        props,
        first: first!.trimEnd(),
        rest: rest.map((line) => ({ column: line.length - line.trimStart().length, text: line.trim() })),
        base: indent,
      };
    }
    const items: FlowItem[] = [];
    for (const item of token.items) {
      const startProps = item.start.filter((t) => t.type === 'anchor' || t.type === 'tag').map((t) => t.source);
      const valueProps = (item.sep ?? []).filter((t) => t.type === 'anchor' || t.type === 'tag').map((t) => t.source);
      const colon = (item.sep ?? []).some((t) => t.type === 'map-value-ind');
      let key: Key | undefined;
      if (item.key) {
        if (!SCALARS.has(item.key.type) && item.key.type !== 'alias') throw new FormatError('a mapping key that is not a one-line scalar', item.key.offset);
        const scalarKey = item.key as CST.FlowScalar;
        key = { props: startProps, source: scalarKey.source, name: keyName(scalarKey) };
      }
      const holder = this.newEntry([], undefined);
      const value = item.value ? this.value(item.value, key ? valueProps : [...startProps, ...valueProps], holder, indent).value : undefined;
      if (!value && !key) {
        // `[a, b, ]`: the comma after the last item ends nothing.
        if (startProps.length + valueProps.length > 0 || colon) throw new FormatError('a flow item with no key and no value', item.start[0]?.offset ?? token.offset);
        continue;
      }
      items.push({ key, colon, value });
    }
    return { kind: 'flow', props, map: token.start.type === 'flow-map-start', items };
  }

  private newEntry(leading: Line[], key: Key | undefined): Entry {
    return { leading, key, comment: undefined, valueLeading: [], value: undefined, valueComment: undefined, valueBelow: false };
  }

  /** The tokens before a key or `-`: comment lines, blank lines, a key's anchor or tag. */
  private startTokens(tokens: readonly CST.SourceToken[], lines: Line[], props: string[]): void {
    for (const token of tokens) {
      if (token.type === 'anchor' || token.type === 'tag') {
        props.push(token.source);
        this.content();
      } else if (token.type !== 'explicit-key-ind') {
        this.line(token, lines);
      }
    }
  }

  /**
   * A comment, line break or space between entries. A comment under a trailing comment, at its
   * column, continues it; any other comment line is a line of its own.
   */
  private line(token: CST.Token, into: Line[]): void {
    if (token.type === 'comment') {
      const source = (token as CST.SourceToken).source.trimEnd();
      const column = this.column(token.offset);
      if (this.lastTrailing && column === this.lastTrailing.column) {
        this.lastTrailing.comment.continuation.push(source);
        return;
      }
      this.lastTrailing = undefined;
      into.push({ kind: 'comment', text: source, column });
    } else if (token.type === 'newline') {
      const lineStart = this.text.lastIndexOf('\n', token.offset - 1) + 1;
      if (this.text.slice(lineStart, token.offset).trim() === '') {
        this.lastTrailing = undefined;
        into.push({ kind: 'blank' });
      }
    } else if (token.type !== 'space' && token.type !== 'byte-order-mark') {
      throw new FormatError(`YAML it does not expect here (${token.type})`, token.offset);
    }
  }

  private trailing(token: CST.SourceToken): TrailingComment {
    const comment: TrailingComment = { text: token.source.trimEnd(), continuation: [] };
    this.lastTrailing = { column: this.column(token.offset), comment };
    return comment;
  }

  /** Something other than a comment was read: a comment line below is no longer a continuation. */
  private content(): void {
    this.lastTrailing = undefined;
  }

  private column(offset: number): number {
    return offset - (this.text.lastIndexOf('\n', offset - 1) + 1);
  }

  private ownLine(offset: number): boolean {
    return this.text.slice(this.text.lastIndexOf('\n', offset - 1) + 1, offset).trim() === '';
  }

  private restOfLine(offset: number): string {
    const end = this.text.indexOf('\n', offset);
    return this.text.slice(offset, end === -1 ? undefined : end).trimEnd();
  }
}

/**
 * Splits the lines above the file's first key: the header stays on top whatever key comes first.
 * Comment lines after the header's last blank line are written above that key and move with it;
 * without a blank line, the whole comment block at the top is the header.
 */
function fileHeader(leading: Line[], top: Line[]): Line[] {
  const lastBlank = leading.map((line) => line.kind).lastIndexOf('blank');
  const lastRaw = leading.map((line) => line.kind).lastIndexOf('raw');
  const cut = Math.max(lastBlank === -1 ? leading.length : lastBlank + 1, lastRaw + 1);
  return [...top, ...leading.splice(0, cut)];
}

function keyName(token: CST.FlowScalar): string {
  if (token.type === 'scalar' || token.type === 'alias') return token.source;
  return String(CST.resolveAsScalar(token).value);
}

/** Whether a flow collection can be written on one line: no comments, no line inside a scalar. */
function simpleFlow(token: CST.FlowCollection): boolean {
  const tokens: CST.Token[] = [];
  for (const item of token.items) {
    tokens.push(...item.start, ...(item.sep ?? []));
    if (item.key) tokens.push(item.key);
    if (item.value) tokens.push(item.value);
  }
  tokens.push(...token.end.slice(0, 1));
  return tokens.every((t) => {
    if (t.type === 'comment' || t.type === 'explicit-key-ind' || t.type === 'error') return false;
    if (t.type === 'flow-collection') return simpleFlow(t);
    if ('source' in t && (SCALARS.has(t.type) || t.type === 'alias')) {
      return !t.source.includes('\n') && ((t as CST.FlowScalar).end ?? []).every((e) => e.type !== 'comment');
    }
    return t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'block-scalar';
  });
}
