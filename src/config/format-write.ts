// Writes the tree of format-tree.ts in the canonical form of `purgeplan fmt` (docs/purge-yaml.md,
// "Canonical form"): two-space indentation, lists indented under their key, `[a, b]` and `{k: v}`
// without inner padding, one space before a trailing comment, at most one blank line in a row,
// every value with the text it was written with.
import type { BlockCollection, BlockScalar, Entry, Flow, FlowItem, Line, TrailingComment, Tree, Value } from './format-tree.js';

const STEP = 2;

export function writeTree(tree: Tree): string {
  const out = new Output();
  out.lines(tree.header, 0);
  if (isBlock(tree.root)) writeCollection(out, tree.root, 0);
  else writeValue(out, '', tree.root, 0, tree.rootComment);
  out.lines(tree.footer, 0);
  return out.text();
}

class Output {
  private readonly written: string[] = [];
  private blankDue = false;
  /** At the start of the file or of a nested block, where a blank line is dropped. */
  private atStart = true;

  get length(): number {
    return this.written.length;
  }

  line(text: string): void {
    if (this.blankDue && !this.atStart) this.written.push('');
    this.blankDue = false;
    this.atStart = false;
    this.written.push(text);
  }

  /** A line, then its trailing comment one space after it and the comment's continuation lines under it. */
  commented(text: string, comment: TrailingComment | undefined): void {
    if (comment === undefined) return this.line(text);
    this.line(`${text} ${comment.text}`);
    for (const continuation of comment.continuation) this.line(`${' '.repeat(text.length + 1)}${continuation}`);
  }

  lines(lines: readonly Line[], indent: number): void {
    for (const line of lines) {
      if (line.kind === 'blank') this.blankDue = true;
      else if (line.kind === 'comment') this.line(`${' '.repeat(indent)}${line.text}`);
      else this.line(line.text);
    }
  }

  openBlock(): void {
    this.atStart = true;
    this.blankDue = false;
  }

  /** Puts a list item's `- ` in front of the first line written since `index` (`- key: value`). */
  dash(index: number, indent: number): void {
    this.written[index] = `${' '.repeat(indent)}- ${this.written[index]!.slice(indent + STEP)}`;
  }

  text(): string {
    return `${this.written.join('\n')}\n`;
  }
}

function writeCollection(out: Output, collection: BlockCollection, indent: number): void {
  for (const entry of collection.entries) writeEntry(out, entry, indent);
  out.lines(collection.trailing, indent);
}

function writeEntry(out: Output, entry: Entry, indent: number): void {
  out.lines(entry.leading, indent);
  const head = `${' '.repeat(indent)}${entry.key ? `${join(...entry.key.props, entry.key.source)}:` : '-'}`;
  const value = entry.value;
  if (value === undefined) return out.commented(head, entry.comment);
  if (isBlock(value)) {
    const first = value.entries[0];
    // `- key: value`: a list item's mapping (or list) starts on the `-` line, unless something
    // must stand between them (an anchor, a comment).
    if (entry.key === undefined && value.props.length === 0 && entry.comment === undefined && first !== undefined && first.leading.every((line) => line.kind === 'blank')) {
      const at = out.length;
      out.openBlock();
      writeCollection(out, value, indent + STEP);
      out.dash(at, indent);
      return;
    }
    out.commented(join(head, ...value.props), entry.comment);
    out.openBlock();
    writeCollection(out, value, indent + STEP);
    return;
  }
  // A value stays below its key when a comment stands between them.
  if (entry.valueBelow && (entry.comment !== undefined || entry.valueLeading.some((line) => line.kind !== 'blank'))) {
    out.commented(head, entry.comment);
    out.openBlock();
    out.lines(entry.valueLeading, indent + STEP);
    writeValue(out, ' '.repeat(indent + STEP), value, indent, entry.valueComment);
    return;
  }
  writeValue(out, `${head} `, value, indent, entry.comment);
}

/** A value other than a block collection, after `lead`; `indent` is that of the block holding it. */
function writeValue(out: Output, lead: string, value: Exclude<Value, BlockCollection>, indent: number, comment: TrailingComment | undefined): void {
  const start = (text: string) => `${lead}${join(...value.props, text)}`.trimEnd();
  switch (value.kind) {
    case 'scalar': {
      if (value.lines.length === 1) return out.commented(start(value.lines[0]!), comment);
      out.line(start(value.lines[0]!));
      const rest = value.lines.slice(1);
      rest.forEach((line, index) => {
        const text = line === '' ? '' : `${' '.repeat(indent + STEP)}${line}`;
        if (index === rest.length - 1) out.commented(text, comment);
        else out.line(text);
      });
      return;
    }
    case 'alias':
      return out.commented(start(value.source), comment);
    case 'flow':
      return out.commented(start(flowText(value)), comment);
    case 'verbatim': {
      if (value.rest.length === 0) return out.commented(start(value.first), comment);
      out.line(start(value.first));
      value.rest.forEach((line, index) => {
        const text = line.text === '' ? '' : `${' '.repeat(Math.max(indent + 1, line.column + indent - value.base))}${line.text}`;
        if (index === value.rest.length - 1) out.commented(text, comment);
        else out.line(text);
      });
      return;
    }
    case 'block-scalar':
      out.commented(start(value.header), comment);
      writeBlockBody(out, value, indent);
      return;
    default: {
      const unreachable: never = value;
      throw new Error(`writeValue: ${String(unreachable)}`);
    }
  }
}

function writeBlockBody(out: Output, value: BlockScalar, indent: number): void {
  const bodyIndent = indent + (value.indicator ?? STEP);
  for (const line of value.body) out.line(line === '' ? '' : `${' '.repeat(bodyIndent)}${line}`);
}

/** A one-line value as written inside a flow collection. */
function inline(value: Value): string {
  switch (value.kind) {
    case 'scalar':
      return join(...value.props, value.lines[0]!);
    case 'alias':
      return value.source;
    case 'flow':
      return join(...value.props, flowText(value));
    default:
      throw new Error(`inline: a ${value.kind} cannot be written on one line`);
  }
}

function flowText(flow: Flow): string {
  const items = flow.items.map(flowItem).join(', ');
  return flow.map ? `{${items}}` : `[${items}]`;
}

function flowItem(item: FlowItem): string {
  const value = item.value === undefined ? undefined : inline(item.value);
  if (item.key === undefined) return value ?? '';
  const key = join(...item.key.props, item.key.source);
  if (!item.colon) return key;
  return value === undefined ? `${key}:` : `${key}: ${value}`;
}

function isBlock(value: Value): value is BlockCollection {
  return value.kind === 'map' || value.kind === 'seq';
}

function join(...parts: readonly string[]): string {
  return parts.filter((part) => part !== '').join(' ');
}
