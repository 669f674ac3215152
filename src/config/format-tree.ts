// The tree `purgeplan fmt` rewrites (docs/commands.md, "fmt"; docs/purge-yaml.md, "Canonical form").
// Each entry of a mapping or list owns the comment lines and blank lines written above it and the
// comment written on its line, so moving a key moves its comments; every value keeps the text it
// was written with (quotes, `|` and `>` blocks and their lines).
/** A line of its own between entries. */
export type Line =
  | { readonly kind: 'blank' }
  /** An own-line comment; `column` is where it was written (it decides which block it ends). */
  | { readonly kind: 'comment'; readonly text: string; readonly column: number }
  /** A directive, `---` or `...`: written as read, at the start of the line. */
  | { readonly kind: 'raw'; readonly text: string };

/** A comment after something on its line, and the comment lines written under it at its column. */
export interface TrailingComment {
  readonly text: string;
  readonly continuation: string[];
}

export type Value = Scalar | Alias | BlockScalar | BlockCollection | Flow | VerbatimFlow;

/** A plain or quoted scalar: its first line as written, each later line without its indentation. */
interface Scalar {
  readonly kind: 'scalar';
  readonly props: readonly string[];
  readonly lines: readonly string[];
}

export interface Alias {
  readonly kind: 'alias';
  readonly props: readonly string[];
  readonly source: string;
}

/** A `|` or `>` block: its header as written and its lines without the block's indentation. */
export interface BlockScalar {
  readonly kind: 'block-scalar';
  readonly props: readonly string[];
  readonly header: string;
  /** The indentation indicator (`|2`), counted from the indentation of the mapping or list holding the block. */
  readonly indicator: number | undefined;
  readonly body: readonly string[];
}

export interface BlockCollection {
  readonly kind: 'map' | 'seq';
  readonly props: readonly string[];
  entries: Entry[];
  /** Comment lines after the last entry, indented as the entries (they end the block). */
  readonly trailing: Line[];
}

/** A `{…}` or `[…]` collection without comments or multi-line scalars, written on one line. */
export interface Flow {
  readonly kind: 'flow';
  readonly props: readonly string[];
  readonly map: boolean;
  items: FlowItem[];
}

export interface FlowItem {
  readonly key: Key | undefined;
  /** Whether a `:` follows the key (`{a}` has none). */
  readonly colon: boolean;
  value: Value | undefined;
}

/** A flow collection holding comments or multi-line scalars: kept as written, re-indented. */
export interface VerbatimFlow {
  readonly kind: 'verbatim';
  readonly props: readonly string[];
  /** Its lines; the first as written, the others with the column they start at. */
  readonly first: string;
  readonly rest: ReadonlyArray<{ readonly column: number; readonly text: string }>;
  /** The indentation of the block that held it, to which `rest` columns are relative. */
  readonly base: number;
}

export interface Key {
  readonly props: readonly string[];
  readonly source: string;
  /** The key as text (quotes resolved), for the canonical order. */
  readonly name: string;
}

/** A pair of a block mapping (with `key`) or an item of a block list (without). */
export interface Entry {
  readonly leading: Line[];
  readonly key: Key | undefined;
  /** The comment on the entry's first line (after the key, `-`, header or one-line value). */
  comment: TrailingComment | undefined;
  /** Comment and blank lines between the key and a value written on a line of its own. */
  readonly valueLeading: Line[];
  value: Value | undefined;
  /** The comment after a value written on a line of its own. */
  valueComment: TrailingComment | undefined;
  /** Whether the value was written on a line below its key or `-`. */
  valueBelow: boolean;
}

export interface Tree {
  /** The comment block at the top of the file (and any directive or `---`): it stays on top. */
  readonly header: Line[];
  readonly root: Value;
  /** The comment after a root written on one line (`{version: 1, …}  # note`). */
  readonly rootComment: TrailingComment | undefined;
  /** Lines after the root's last entry. */
  readonly footer: Line[];
}

/** A construct fmt does not rewrite, with the offset it starts at. */
export class FormatError extends Error {
  constructor(message: string, readonly offset: number, readonly hint = 'write it in the usual block form (`key: value`, `- item`), or leave the file unformatted') {
    super(message);
  }
}
