// A tokenizer and recursive-descent parser for the part of Cloudflare's Rules language that a
// URL decides (spec §10; operators and values as in Cloudflare's docs, rules-language/operators
// and values, and its open-source engine wirefilter). Terms on anything else (headers, cookies,
// country, scores…) are parsed as far as their shape goes and kept as "depends on the request";
// anything outside the language subset is an ExpressionError with its offset. Never `eval`.
import { compileRegex, RegexError } from './regex.js';
import type { CompiledRegex } from './regex.js';
import { parseWildcard } from './wildcard.js';
import type { Wildcard } from './wildcard.js';

/** The fields a URL determines (spec §10). */
export const URL_FIELDS = [
  'http.host', 'http.request.full_uri', 'http.request.uri', 'http.request.uri.path',
  'http.request.uri.query', 'http.request.uri.path.extension', 'ssl',
] as const;
export type UrlField = (typeof URL_FIELDS)[number];

export class ExpressionError extends Error {
  /** 0-based offset in the expression. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ExpressionError';
    this.offset = offset;
  }
}

export type Value =
  | { readonly kind: 'field'; readonly field: UrlField; readonly offset: number }
  | { readonly kind: 'lower'; readonly arg: Value }
  | { readonly kind: 'len'; readonly arg: Value };

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'contains';

export type SetMember = { readonly kind: 'string'; readonly value: string } | { readonly kind: 'range'; readonly low: number; readonly high: number };

export type Expr =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'not'; readonly operand: Expr }
  /** A chain of one operator (`a and b and c`), flat so that a long chain never recurses deeply. */
  | { readonly kind: 'logic'; readonly op: 'and' | 'or' | 'xor'; readonly operands: readonly Expr[] }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly lhs: Value; readonly rhs: string | number }
  | { readonly kind: 'in'; readonly lhs: Value; readonly members: readonly SetMember[] }
  | { readonly kind: 'matches'; readonly lhs: Value; readonly regex: CompiledRegex }
  | { readonly kind: 'wildcard'; readonly lhs: Value; readonly pattern: Wildcard }
  | { readonly kind: 'affix'; readonly which: 'starts_with' | 'ends_with'; readonly lhs: Value; readonly affix: string }
  | { readonly kind: 'boolean_field'; readonly lhs: Value }
  /** A term on something other than the URL: its outcome depends on the request. */
  | { readonly kind: 'depends'; readonly what: string; readonly offset: number };

type Token =
  | { readonly kind: 'ident'; readonly text: string; readonly offset: number }
  | { readonly kind: 'string'; readonly value: string; readonly offset: number }
  | { readonly kind: 'number'; readonly text: string; readonly offset: number }
  | { readonly kind: 'punct'; readonly text: string; readonly offset: number }
  | { readonly kind: 'end'; readonly offset: number };

const PUNCTUATION = ['==', '!=', '<=', '>=', '&&', '||', '^^', '..', '<', '>', '~', '!', '(', ')', '{', '}', '[', ']', ',', '*'];
const COMPARISON_WORDS: Readonly<Record<string, CompareOp>> = { eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge', contains: 'contains' };
const COMPARISON_SYMBOLS: Readonly<Record<string, CompareOp>> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const KEYWORDS = new Set(['and', 'or', 'xor', 'not', 'in', 'matches', 'wildcard', 'strict', 'true', 'false', ...Object.keys(COMPARISON_WORDS)]);
/**
 * Deepest nesting of parentheses and function calls read. Rust's regex engine stops at 250 for
 * the same reason: a hostile or damaged rule must give an error, not exhaust the stack.
 */
export const MAX_NESTING = 128;
/** Functions of the subset; any other function call is outside it. */
const FUNCTIONS = new Set(['lower', 'len', 'starts_with', 'ends_with']);

class Lexer {
  pos = 0;
  constructor(readonly source: string) {}

  private skipSpace(): void {
    while (this.pos < this.source.length && /\s/.test(this.source[this.pos])) this.pos++;
  }

  /** The next token; `peek` leaves the position unchanged. */
  next(): Token {
    this.skipSpace();
    const start = this.pos;
    const rest = this.source.slice(this.pos);
    if (rest === '') return { kind: 'end', offset: start };
    const c = rest[0];
    if (c === '"' || (c === 'r' && /^r#*"/.test(rest))) return { kind: 'string', value: this.string(), offset: start };
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/.exec(rest);
    if (ident) {
      this.pos += ident[0].length;
      return { kind: 'ident', text: ident[0], offset: start };
    }
    // Numbers, and the IP addresses and CIDR ranges of request-dependent sets (kept as text).
    const number = /^(?:[0-9a-fA-F:]*:[0-9a-fA-F:.]*|\d+(?:\.\d+){3}|\d+)(?:\/\d+)?/.exec(rest);
    if (number && number[0] !== '') {
      this.pos += number[0].length;
      return { kind: 'number', text: number[0], offset: start };
    }
    const list = /^\$[A-Za-z0-9_.]+/.exec(rest);
    if (list) {
      this.pos += list[0].length;
      return { kind: 'punct', text: list[0], offset: start };
    }
    for (const text of PUNCTUATION) {
      if (rest.startsWith(text)) {
        this.pos += text.length;
        return { kind: 'punct', text, offset: start };
      }
    }
    throw new ExpressionError(`unexpected character "${c}"`, start);
  }

  peek(): Token {
    const saved = this.pos;
    try {
      return this.next();
    } finally {
      this.pos = saved;
    }
  }

  /** A quoted or raw string at the position, with escapes resolved (wirefilter's lexer). */
  string(): string {
    this.skipSpace();
    const start = this.pos;
    if (this.source[this.pos] === 'r') return this.rawString(start);
    if (this.source[this.pos] !== '"') throw new ExpressionError('expected a string', start);
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.source[this.pos];
      if (c === undefined) throw new ExpressionError('string not closed (missing ")', start);
      this.pos++;
      if (c === '"') return out;
      if (c !== '\\') { out += c; continue; }
      const escaped = this.source[this.pos];
      if (escaped === '"' || escaped === '\\') { out += escaped; this.pos++; continue; }
      const hex = /^x([0-9a-fA-F]{2})/.exec(this.source.slice(this.pos));
      if (hex) { out += String.fromCharCode(parseInt(hex[1], 16)); this.pos += 3; continue; }
      const octal = /^[0-7]{3}/.exec(this.source.slice(this.pos));
      if (octal) { out += String.fromCharCode(parseInt(octal[0], 8) & 0xff); this.pos += 3; continue; }
      throw new ExpressionError(`invalid escape "\\${escaped ?? ''}" in a string (use \\" \\\\ \\xHH or \\ooo)`, this.pos - 1);
    }
  }

  private rawString(start: number): string {
    const hashes = /^r(#*)"/.exec(this.source.slice(this.pos))![1].length;
    if (hashes > 255) throw new ExpressionError('a raw string takes at most 255 "#"', start);
    const bodyStart = this.pos + 2 + hashes;
    const end = this.source.indexOf(`"${'#'.repeat(hashes)}`, bodyStart);
    if (end === -1) throw new ExpressionError('raw string not closed', start);
    this.pos = end + 1 + hashes;
    return this.source.slice(bodyStart, end);
  }

  /**
   * The right-hand side of `matches`: a raw string as is, or a quoted string read with regex
   * escaping (wirefilter: `\"` is a quote outside a class; every other escape is kept for the regex).
   */
  regexString(): { value: string; offset: number } {
    this.skipSpace();
    const start = this.pos;
    if (this.source[this.pos] === 'r') return { value: this.rawString(start), offset: start + 2 + (/^r(#*)/.exec(this.source.slice(start))![1].length) };
    if (this.source[this.pos] !== '"') throw new ExpressionError('expected a regular expression string', start);
    this.pos++;
    let out = '';
    let inClass = false;
    for (;;) {
      const c = this.source[this.pos];
      if (c === undefined) throw new ExpressionError('string not closed (missing ")', start);
      this.pos++;
      if (c === '\\') {
        const escaped = this.source[this.pos++];
        if (escaped === undefined) throw new ExpressionError('string not closed (missing ")', start);
        out += inClass || escaped !== '"' ? `\\${escaped}` : '"';
      } else if (c === '"' && !inClass) return { value: out, offset: start + 1 };
      else {
        if (c === '[' && !inClass) inClass = true;
        else if (c === ']' && inClass) inClass = false;
        out += c;
      }
    }
  }
}

/** Parses an expression, or throws an ExpressionError. */
export function parseExpression(source: string): Expr {
  const parser = new ExpressionParser(source);
  return parser.parse();
}

class ExpressionParser {
  private readonly lexer: Lexer;
  private depth = 0;
  constructor(source: string) {
    this.lexer = new Lexer(source);
  }

  parse(): Expr {
    const start = this.lexer.peek();
    if (start.kind === 'end') throw new ExpressionError('the expression is empty', start.offset);
    const expr = this.or();
    const end = this.lexer.next();
    if (end.kind !== 'end') throw new ExpressionError(`unexpected ${describe(end)}`, end.offset);
    return expr;
  }

  private isWord(token: Token, ...words: string[]): boolean {
    return (token.kind === 'ident' && words.includes(token.text)) || (token.kind === 'punct' && words.includes(token.text));
  }

  // Precedence, lowest first: or, xor, and, not (Cloudflare's operators page).
  private or(): Expr {
    return this.chain('or', ['or', '||'], () => this.xor());
  }

  private xor(): Expr {
    return this.chain('xor', ['xor', '^^'], () => this.and());
  }

  private and(): Expr {
    return this.chain('and', ['and', '&&'], () => this.not());
  }

  /** `a OP b OP c…`, one flat node (and, or and xor are associative). */
  private chain(op: 'and' | 'or' | 'xor', words: string[], operand: () => Expr): Expr {
    const first = operand();
    if (!this.isWord(this.lexer.peek(), ...words)) return first;
    const operands = [first];
    while (this.isWord(this.lexer.peek(), ...words)) {
      this.lexer.next();
      operands.push(operand());
    }
    return { kind: 'logic', op, operands };
  }

  /** `not not x` is x, in three-valued logic too: a chain of nots is read without recursion. */
  private not(): Expr {
    let negations = 0;
    while (this.isWord(this.lexer.peek(), 'not', '!')) {
      this.lexer.next();
      negations++;
    }
    const operand = this.primary();
    return negations % 2 === 1 ? { kind: 'not', operand } : operand;
  }

  /** Guards one level of nesting (parentheses, function calls). */
  private nested<T>(at: number, read: () => T): T {
    if (++this.depth > MAX_NESTING) throw new ExpressionError(`nested more than ${MAX_NESTING} levels deep`, at);
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  private primary(): Expr {
    const token = this.lexer.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.lexer.next();
      const inner = this.nested(token.offset, () => this.or());
      this.expect(')', token.offset);
      return inner;
    }
    if (token.kind === 'ident' && (token.text === 'true' || token.text === 'false')) {
      this.lexer.next();
      return { kind: 'const', value: token.text === 'true' };
    }
    if (token.kind === 'ident' && (token.text === 'starts_with' || token.text === 'ends_with')) return this.affix();
    if (token.kind === 'ident' && !KEYWORDS.has(token.text)) return this.simple();
    if (token.kind === 'end') throw new ExpressionError('the expression ends where a term was expected', token.offset);
    throw new ExpressionError(`expected a field, a function or "(" but found ${describe(token)}`, token.offset);
  }

  private expect(text: string, openedAt?: number): Token {
    const token = this.lexer.next();
    if (token.kind !== 'punct' || token.text !== text) {
      const where = openedAt === undefined ? '' : ` (to close the one at character ${openedAt + 1})`;
      throw new ExpressionError(`expected "${text}"${where} but found ${describe(token)}`, token.offset);
    }
    return token;
  }

  /** `starts_with(value, "x")` and `ends_with(value, "x")`. */
  private affix(): Expr {
    const name = this.lexer.next() as Token & { kind: 'ident' };
    this.expect('(');
    const lhs = this.value();
    this.expect(',');
    const literal = this.lexer.next();
    if (literal.kind !== 'string') throw new ExpressionError(`${name.text}() takes a string literal as its second argument`, literal.offset);
    this.expect(')');
    if (lhs === 'depends') return { kind: 'depends', what: `${name.text}() of a request field`, offset: name.offset };
    if (typeOf(lhs) !== 'string') throw new ExpressionError(`${name.text}() takes a string, not ${article(typeOf(lhs))}`, name.offset);
    return { kind: 'affix', which: name.text as 'starts_with' | 'ends_with', lhs, affix: literal.value };
  }

  /** A value: a field (with indexes), or lower()/len() of one. 'depends' for request fields. */
  private value(): Value | 'depends' {
    const token = this.lexer.next();
    if (token.kind !== 'ident' || KEYWORDS.has(token.text)) throw new ExpressionError(`expected a field but found ${describe(token)}`, token.offset);
    const next = this.lexer.peek();
    if (next.kind === 'punct' && next.text === '(') {
      if (!FUNCTIONS.has(token.text) || token.text === 'starts_with' || token.text === 'ends_with') {
        throw new ExpressionError(`function ${token.text}() is outside what drift can evaluate (lower, len, starts_with, ends_with)`, token.offset);
      }
      this.lexer.next();
      const arg = this.nested(token.offset, () => this.value());
      this.expect(')');
      if (arg === 'depends') return 'depends';
      if (typeOf(arg) !== 'string') throw new ExpressionError(`${token.text}() takes a string, not ${article(typeOf(arg))}`, token.offset);
      return { kind: token.text as 'lower' | 'len', arg };
    }
    let indexed = false;
    while (this.isWord(this.lexer.peek(), '[')) {
      indexed = true;
      this.lexer.next();
      const index = this.lexer.next();
      if (index.kind !== 'string' && index.kind !== 'number' && !(index.kind === 'punct' && index.text === '*')) throw new ExpressionError(`expected an index but found ${describe(index)}`, index.offset);
      this.expect(']');
    }
    if (!indexed && (URL_FIELDS as readonly string[]).includes(token.text)) return { kind: 'field', field: token.text as UrlField, offset: token.offset };
    return 'depends';
  }

  /** `value`, `value OP literal`, `value in {…}`, `value matches "re"`, `value [strict] wildcard "p"`. */
  private simple(): Expr {
    const start = this.lexer.peek();
    const lhs = this.value();
    const describeLhs = start.kind === 'ident' ? start.text : 'value';
    const operator = this.lexer.peek();
    const depends = (): Expr => ({ kind: 'depends', what: describeLhs, offset: start.offset });
    const comparison = operator.kind === 'ident' ? COMPARISON_WORDS[operator.text] : operator.kind === 'punct' ? COMPARISON_SYMBOLS[operator.text] : undefined;
    if (comparison !== undefined) {
      this.lexer.next();
      const at = this.lexer.peek().offset;
      const literal = this.literal();
      if (lhs === 'depends') return depends();
      // Cloudflare refuses a comparison across types; drift does not guess its outcome either.
      const type = typeOf(lhs);
      if (type === 'boolean') throw new ExpressionError(`${valueText(lhs)} is a boolean: use it alone or with not, without ${operator.kind === 'ident' || operator.kind === 'punct' ? operator.text : 'a comparison'}`, operator.offset);
      if (comparison === 'contains' && type !== 'string') throw new ExpressionError(`contains takes a string on its left, not ${article(type)}`, operator.offset);
      if (literal.type !== type) throw new ExpressionError(`${valueText(lhs)} is ${article(type)}: it cannot be compared with ${article(literal.type)}`, at);
      return { kind: 'compare', op: comparison, lhs, rhs: literal.value };
    }
    if (this.isWord(operator, 'matches', '~')) {
      this.lexer.next();
      const { value, offset } = this.lexer.regexString();
      if (lhs === 'depends') return depends();
      if (typeOf(lhs) !== 'string') throw new ExpressionError(`matches takes a string on its left, not ${article(typeOf(lhs))}`, operator.offset);
      try {
        return { kind: 'matches', lhs, regex: compileRegex(value) };
      } catch (error) {
        if (error instanceof RegexError) throw new ExpressionError(`regular expression: ${error.message}`, offset + Math.min(error.offset, value.length));
        throw error;
      }
    }
    if (this.isWord(operator, 'wildcard', 'strict')) {
      this.lexer.next();
      let strict = false;
      if (operator.kind === 'ident' && operator.text === 'strict') {
        const word = this.lexer.next();
        if (!this.isWord(word, 'wildcard')) throw new ExpressionError(`expected "wildcard" after "strict" but found ${describe(word)}`, word.offset);
        strict = true;
      }
      const literal = this.lexer.peek();
      if (literal.kind !== 'string') throw new ExpressionError(`${strict ? 'strict wildcard' : 'wildcard'} takes a string`, literal.offset);
      this.lexer.next();
      const parsed = parseWildcard(literal.value, !strict);
      if ('problem' in parsed) throw new ExpressionError(`wildcard: ${parsed.problem}`, literal.offset);
      if (lhs === 'depends') return depends();
      if (typeOf(lhs) !== 'string') throw new ExpressionError(`wildcard takes a string on its left, not ${article(typeOf(lhs))}`, operator.offset);
      return { kind: 'wildcard', lhs, pattern: parsed };
    }
    if (this.isWord(operator, 'in')) {
      this.lexer.next();
      const at = this.lexer.peek().offset;
      const { members, types } = this.set();
      if (lhs === 'depends') return depends();
      const type = typeOf(lhs);
      const other = [...types].find((t) => t !== type);
      if (type === 'boolean' || other !== undefined) throw new ExpressionError(`${valueText(lhs)} is ${article(type)}: the set holds ${article(other ?? type)}`, at);
      return { kind: 'in', lhs, members };
    }
    if (lhs === 'depends') return depends();
    if (lhs.kind === 'field' && lhs.field === 'ssl') return { kind: 'boolean_field', lhs };
    throw new ExpressionError(`${describeLhs} needs a comparison (eq, contains, matches, in, wildcard…)`, operator.offset);
  }

  private literal(): { value: string | number; type: LiteralType } {
    const token = this.lexer.next();
    if (token.kind === 'string') return { value: token.value, type: 'string' };
    if (token.kind === 'number' && /^\d+$/.test(token.text)) return { value: Number(token.text), type: 'integer' };
    if (token.kind === 'number') return { value: token.text, type: 'IP address' }; // only request fields take one
    throw new ExpressionError(`expected a value but found ${describe(token)}`, token.offset);
  }

  /** `{"a" "b"}`, `{1 3..5}`, IP ranges; or `$list`, which is outside the subset. */
  private set(): { members: SetMember[]; types: Set<LiteralType> } {
    const open = this.lexer.next();
    if (open.kind !== 'punct' || open.text !== '{') {
      throw new ExpressionError(open.kind === 'end' ? 'expected "{" after in' : `expected "{…}" after in but found ${describe(open)} (named lists are outside what drift can evaluate)`, open.offset);
    }
    const members: SetMember[] = [];
    const types = new Set<LiteralType>();
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === 'punct' && token.text === '}') return { members, types };
      if (token.kind === 'string') {
        members.push({ kind: 'string', value: token.value });
        types.add('string');
      } else if (token.kind === 'number') {
        let high = token.text;
        if (this.isWord(this.lexer.peek(), '..')) {
          this.lexer.next();
          const end = this.lexer.next();
          if (end.kind !== 'number') throw new ExpressionError(`expected the end of the range but found ${describe(end)}`, end.offset);
          high = end.text;
        }
        if (/^\d+$/.test(token.text) && /^\d+$/.test(high)) {
          members.push({ kind: 'range', low: Number(token.text), high: Number(high) });
          types.add('integer');
        } else types.add('IP address');
      } else if (token.kind === 'end') throw new ExpressionError(`set not closed (missing "}")`, open.offset);
      else throw new ExpressionError(`unexpected ${describe(token)} in a set`, token.offset);
    }
  }
}

type ValueType = 'string' | 'integer' | 'boolean';
type LiteralType = 'string' | 'integer' | 'IP address';

/** The type of a value of the subset (Cloudflare's fields reference: ssl is Boolean, len() Integer). */
function typeOf(value: Value): ValueType {
  if (value.kind === 'len') return 'integer';
  if (value.kind === 'lower') return 'string';
  return value.field === 'ssl' ? 'boolean' : 'string';
}

/** A value as written, for messages: `len(http.host)`. */
function valueText(value: Value): string {
  return value.kind === 'field' ? value.field : `${value.kind}(${valueText(value.arg)})`;
}

function article(type: string): string {
  return `${/^[aeiouAEIOU]/.test(type) ? 'an' : 'a'} ${type}`;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end of the expression';
    case 'string': return 'a string';
    case 'number': return `"${token.text}"`;
    case 'ident':
    case 'punct': return `"${token.text}"`;
    default: {
      const never: never = token;
      return String(never);
    }
  }
}

/** Line and column (1-based) of an offset in a possibly multi-line expression. */
export function positionIn(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}
