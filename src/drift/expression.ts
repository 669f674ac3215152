// A tokenizer and recursive-descent parser for the part of Cloudflare's Rules language that a
// URL decides (docs/commands.md#drift-and-import; operators and values as in Cloudflare's docs, rules-language/operators
// and values, and its open-source engine wirefilter). Terms on anything else (headers, cookies,
// country, scores…), calls of functions outside the subset (`any()`, `lookup_json_string()`…) and
// named lists (`in $hosts`) are read syntactically (fields, `[0]`, `["key"]`, `[*]`, nested calls,
// literals, comparisons as arguments) and kept as "depends on the request"; a malformed expression
// is an ExpressionError with its offset. Never `eval`.
import { compileRegex, RegexError } from './regex.js';
import type { CompiledRegex } from './regex.js';
import { quote } from './quote.js';
import { parseWildcard } from './wildcard.js';
import type { Wildcard } from './wildcard.js';

/** The fields a URL determines (docs/commands.md#drift-and-import). */
const URL_FIELDS = [
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
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'lower'; readonly arg: Value }
  | { readonly kind: 'len'; readonly arg: Value };

/** A value the request decides (a header, a list, a function outside the subset), by name. */
interface Unknown {
  readonly kind: 'unknown';
  readonly what: string;
}

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'contains' | 'bitwise_and';

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

const PUNCTUATION = ['==', '!=', '<=', '>=', '&&', '||', '^^', '..', '<', '>', '~', '!', '&', '(', ')', '{', '}', '[', ']', ',', '*'];
const COMPARISON_WORDS: Readonly<Record<string, CompareOp>> = { eq: 'eq', ne: 'ne', lt: 'lt', le: 'le', gt: 'gt', ge: 'ge', contains: 'contains', bitwise_and: 'bitwise_and' };
const COMPARISON_SYMBOLS: Readonly<Record<string, CompareOp>> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '&': 'bitwise_and' };
const KEYWORDS = new Set(['and', 'or', 'xor', 'not', 'in', 'matches', 'wildcard', 'strict', 'true', 'false', ...Object.keys(COMPARISON_WORDS)]);
/**
 * Deepest nesting of parentheses and function calls read. Rust's regex engine stops at 250 for
 * the same reason: a hostile or damaged rule must give an error, not exhaust the stack.
 */
const MAX_NESTING = 128;
/** The Rules language's integers are 64-bit (wirefilter's `i64`). */
const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;

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
    // An IPv6 address or range (`fe80::/10`, `2001:db8::1`) may start with letters: a colon decides.
    const ipv6 = /^[0-9a-fA-F]*:[0-9a-fA-F:.]*(?:\/\d+)?/.exec(rest);
    if (ipv6) {
      this.pos += ipv6[0].length;
      return { kind: 'number', text: ipv6[0], offset: start };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/.exec(rest);
    if (ident) {
      this.pos += ident[0].length;
      return { kind: 'ident', text: ident[0], offset: start };
    }
    // Integers (`0x1f` hex, `017` octal, `-3`) and the IPv4 addresses and CIDR ranges of
    // request-dependent sets, kept as text.
    const number = /^(?:\d+(?:\.\d+){3}(?:\/\d+)?|0x[0-9a-fA-F]*|-?\d+)/.exec(rest);
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
    throw new ExpressionError(`unexpected character ${quote(c)}`, start);
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
      throw new ExpressionError(`invalid escape ${quote(`\\${escaped ?? ''}`)} in a string (use \\" \\\\ \\xHH or \\ooo)`, this.pos - 1);
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
    if (token.kind === 'ident' && (token.text === 'starts_with' || token.text === 'ends_with') && this.isCall()) return this.affix();
    if (token.kind === 'ident' && !KEYWORDS.has(token.text)) return this.simple();
    if (token.kind === 'end') throw new ExpressionError('the expression ends where a term was expected', token.offset);
    throw new ExpressionError(`expected a field, a function or "(" but found ${describe(token)}`, token.offset);
  }

  /** Whether the identifier at the position is followed by "(": a function call. */
  private isCall(): boolean {
    const saved = this.lexer.pos;
    try {
      this.lexer.next();
      return this.isWord(this.lexer.peek(), '(');
    } finally {
      this.lexer.pos = saved;
    }
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
    const open = this.expect('(');
    return this.nested(open.offset, () => {
      const lhs = this.value();
      this.expect(',');
      const literal = this.lexer.peek();
      let affix: string | Unknown;
      if (literal.kind === 'string') {
        this.lexer.next();
        affix = literal.value;
      } else if (literal.kind === 'number') throw new ExpressionError(`${name.text}() takes a string literal as its second argument`, literal.offset);
      else {
        this.argument();
        affix = { kind: 'unknown', what: `${name.text}() of a value drift does not evaluate` };
      }
      this.expect(')', open.offset);
      // `starts_with(http.request.headers.names[*], "x-")[*]`: one outcome per header.
      if (this.indexes() && lhs.kind !== 'unknown') return { kind: 'depends', what: `${name.text}()`, offset: name.offset };
      if (lhs.kind === 'unknown') return { kind: 'depends', what: lhs.what, offset: name.offset };
      if (typeOf(lhs) !== 'string') throw new ExpressionError(`${name.text}() takes a string, not ${article(typeOf(lhs))}`, name.offset);
      if (typeof affix !== 'string') return { kind: 'depends', what: affix.what, offset: name.offset };
      return { kind: 'affix', which: name.text as 'starts_with' | 'ends_with', lhs, affix };
    });
  }

  /**
   * A value: a field, a function call, either followed by indexes (`[0]`, `["key"]`, `[*]`).
   * Only the URL fields, string literals and lower()/len() of them are evaluated; anything else
   * (a request field, an index, another function) is Unknown, named for messages.
   */
  private value(): Value | Unknown {
    const token = this.lexer.next();
    if (token.kind === 'string') return { kind: 'literal', value: token.value };
    if (token.kind !== 'ident' || KEYWORDS.has(token.text)) throw new ExpressionError(`expected a field but found ${describe(token)}`, token.offset);
    let value: Value | Unknown;
    let what = token.text;
    if (this.isWord(this.lexer.peek(), '(')) {
      const open = this.lexer.next();
      if (token.text === 'lower' || token.text === 'len') {
        const arg = this.nested(token.offset, () => this.value());
        this.expect(')', open.offset);
        if (arg.kind === 'unknown') value = arg;
        else if (typeOf(arg) !== 'string') throw new ExpressionError(`${token.text}() takes a string, not ${article(typeOf(arg))}`, token.offset);
        else value = { kind: token.text, arg };
      } else {
        // A function outside the subset (any, all, lookup_json_string, url_decode, concat…): its
        // arguments are read for their shape; its value depends on the request.
        this.nested(token.offset, () => this.callArguments(open.offset));
        what = `${token.text}()`;
        value = { kind: 'unknown', what };
      }
    } else if ((URL_FIELDS as readonly string[]).includes(token.text)) value = { kind: 'field', field: token.text as UrlField, offset: token.offset };
    else value = { kind: 'unknown', what };
    if (this.indexes()) value = { kind: 'unknown', what: value.kind === 'unknown' ? value.what : what };
    return value;
  }

  /** Indexes after a field or a call (`[0]`, `["key"]`, `[*]`), read and skipped: whether any. */
  private indexes(): boolean {
    let any = false;
    while (this.isWord(this.lexer.peek(), '[')) {
      any = true;
      const open = this.lexer.next();
      const index = this.lexer.next();
      if (index.kind === 'number') parseInteger(index);
      else if (index.kind !== 'string' && !(index.kind === 'punct' && index.text === '*')) throw new ExpressionError(`expected an index ("key", a number or *) but found ${describe(index)}`, index.offset);
      this.expect(']', open.offset);
    }
    return any;
  }

  /** The arguments of a call, after its "(": `()`, `(a)`, `(a, "b", 3, x[*] == "y")`. */
  private callArguments(openedAt: number): void {
    if (this.isWord(this.lexer.peek(), ')')) {
      this.lexer.next();
      return;
    }
    for (;;) {
      this.argument();
      const next = this.lexer.next();
      if (this.isWord(next, ')')) return;
      if (!this.isWord(next, ',')) throw new ExpressionError(`expected "," or ")" (to close the one at character ${openedAt + 1}) but found ${describe(next)}`, next.offset);
    }
  }

  /**
   * One argument of a function outside the subset: a literal (string, integer, IP address), a
   * value (`http.request.headers["x"][*]`, `lower(…)`), or a test (`x[*] == "a"`, `not (…)`).
   */
  private argument(): void {
    const token = this.lexer.peek();
    if (token.kind === 'string') {
      this.lexer.next();
      return;
    }
    if (token.kind === 'number') {
      this.literal();
      return;
    }
    this.bareValues++;
    try {
      this.or();
    } finally {
      this.bareValues--;
    }
  }

  /** Above 0 while reading a function's argument, where a value needs no comparison. */
  private bareValues = 0;

  /** `value`, `value OP literal`, `value in {…}`, `value matches "re"`, `value [strict] wildcard "p"`. */
  private simple(): Expr {
    const start = this.lexer.peek();
    const lhs = this.value();
    const describeLhs = start.kind === 'ident' ? start.text : 'value';
    const operator = this.lexer.peek();
    const depends = (what = lhs.kind === 'unknown' ? lhs.what : describeLhs): Expr => ({ kind: 'depends', what, offset: start.offset });
    const comparison = operator.kind === 'ident' ? COMPARISON_WORDS[operator.text] : operator.kind === 'punct' ? COMPARISON_SYMBOLS[operator.text] : undefined;
    if (lhs.kind === 'literal') throw new ExpressionError('a comparison starts with a field or a function, not a string', start.offset);
    if (comparison !== undefined) {
      this.lexer.next();
      const at = this.lexer.peek().offset;
      const literal = this.literal();
      if (lhs.kind === 'unknown') return depends();
      // Cloudflare refuses a comparison across types; drift does not guess its outcome either.
      const type = typeOf(lhs);
      if (type === 'boolean') throw new ExpressionError(`${valueText(lhs)} is a boolean: use it alone or with not, without ${operator.kind === 'ident' || operator.kind === 'punct' ? operator.text : 'a comparison'}`, operator.offset);
      if (comparison === 'contains' && type !== 'string') throw new ExpressionError(`contains takes a string on its left, not ${article(type)}`, operator.offset);
      if (comparison === 'bitwise_and' && type !== 'integer') throw new ExpressionError(`${operator.kind === 'ident' || operator.kind === 'punct' ? operator.text : 'bitwise_and'} takes an integer on its left, not ${article(type)}`, operator.offset);
      if (literal.type !== type) throw new ExpressionError(`${valueText(lhs)} is ${article(type)}: it cannot be compared with ${article(literal.type)}`, at);
      return { kind: 'compare', op: comparison, lhs, rhs: literal.value };
    }
    if (this.isWord(operator, 'matches', '~')) {
      this.lexer.next();
      const { value, offset } = this.lexer.regexString();
      if (lhs.kind === 'unknown') return depends();
      if (typeOf(lhs) !== 'string') throw new ExpressionError(`matches takes a string on its left, not ${article(typeOf(lhs))}`, operator.offset);
      try {
        return { kind: 'matches', lhs, regex: compileRegex(value) };
      } catch (error) {
        // A pattern Cloudflare runs but this engine does not: that term is undecided, not the rule.
        if (error instanceof RegexError && error.unsupported) return depends(`${valueText(lhs)} matches a pattern drift cannot run (${error.message})`);
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
      if (lhs.kind === 'unknown') return depends();
      if (typeOf(lhs) !== 'string') throw new ExpressionError(`wildcard takes a string on its left, not ${article(typeOf(lhs))}`, operator.offset);
      return { kind: 'wildcard', lhs, pattern: parsed };
    }
    if (this.isWord(operator, 'in')) {
      this.lexer.next();
      const at = this.lexer.peek();
      // A named list (`$office_hosts`, Cloudflare's managed `$cf.open_proxies`): its items live
      // in the account, not in the rule, so the term depends on the request's value and the list.
      if (at.kind === 'punct' && at.text.startsWith('$')) {
        this.lexer.next();
        return depends(`${lhs.kind === 'unknown' ? lhs.what : valueText(lhs)} in the list ${at.text}`);
      }
      const { members, types } = this.set();
      if (lhs.kind === 'unknown') return depends();
      const type = typeOf(lhs);
      const other = [...types].find((t) => t !== type);
      if (type === 'boolean' || other !== undefined) throw new ExpressionError(`${valueText(lhs)} is ${article(type)}: the set holds ${article(other ?? type)}`, at.offset);
      return { kind: 'in', lhs, members };
    }
    if (lhs.kind === 'unknown' || this.bareValues > 0) return depends();
    if (lhs.kind === 'field' && lhs.field === 'ssl') return { kind: 'boolean_field', lhs };
    throw new ExpressionError(`${describeLhs} needs a comparison (eq, contains, matches, in, wildcard…)`, operator.offset);
  }

  private literal(): { value: string | number; type: LiteralType } {
    const token = this.lexer.next();
    if (token.kind === 'string') return { value: token.value, type: 'string' };
    if (token.kind === 'number' && isInteger(token.text)) return { value: parseInteger(token), type: 'integer' };
    if (token.kind === 'number') return { value: token.text, type: 'IP address' }; // only request fields take one
    throw new ExpressionError(`expected a value but found ${describe(token)}`, token.offset);
  }

  /** `{"a" "b"}`, `{1 3..5}`, IP addresses and ranges. */
  private set(): { members: SetMember[]; types: Set<LiteralType> } {
    const open = this.lexer.next();
    if (open.kind !== 'punct' || open.text !== '{') {
      throw new ExpressionError(open.kind === 'end' ? 'expected "{" after in' : `expected "{…}" or a list name ($name) after in but found ${describe(open)}`, open.offset);
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
        let high: Token & { kind: 'number' } = token;
        if (this.isWord(this.lexer.peek(), '..')) {
          this.lexer.next();
          const end = this.lexer.next();
          if (end.kind !== 'number') throw new ExpressionError(`expected the end of the range but found ${describe(end)}`, end.offset);
          high = end;
        }
        if (isInteger(token.text) && isInteger(high.text)) {
          const low = parseInteger(token);
          const top = parseInteger(high);
          if (top < low) throw new ExpressionError(`the range ${token.text}..${high.text} ends before it starts`, token.offset);
          members.push({ kind: 'range', low, high: top });
          types.add('integer');
        } else types.add('IP address');
      } else if (token.kind === 'end') throw new ExpressionError(`set not closed (missing "}")`, open.offset);
      else throw new ExpressionError(`unexpected ${describe(token)} in a set`, token.offset);
    }
  }
}

/** Whether a number token is an integer (not an IP address or range). */
function isInteger(text: string): boolean {
  return /^(?:0x[0-9a-fA-F]*|-?\d+)$/.test(text);
}

/**
 * An integer literal as the Rules language reads it (wirefilter's lexer): `0x1f` is hex, a
 * leading `0` means octal (`010` is 8), a `-` takes a decimal number (`-010` is -10); 64 bits.
 */
function parseInteger(token: Token & { kind: 'number' }): number {
  const text = token.text;
  let digits = text;
  let radix = 10;
  if (text.startsWith('0x')) {
    digits = text.slice(2);
    radix = 16;
    if (digits === '') throw new ExpressionError('"0x" needs hexadecimal digits', token.offset);
  } else if (text.startsWith('0') && text.length > 1) {
    radix = 8;
    const bad = /[89]/.exec(text);
    if (bad) throw new ExpressionError(`${text} is not an octal integer (a leading 0 means octal in the Rules language; digit ${bad[0]})`, token.offset + bad.index);
  } else if (!/^-?\d+$/.test(text)) throw new ExpressionError(`expected an integer but found "${text}"`, token.offset);
  const negative = digits.startsWith('-');
  const magnitude = [...(negative ? digits.slice(1) : digits)].reduce((sum, d) => sum * BigInt(radix) + BigInt(parseInt(d, radix)), 0n);
  const value = negative ? -magnitude : magnitude;
  if (value < INT_MIN || value > INT_MAX) throw new ExpressionError(`the integer ${text} is out of range (64 bits)`, token.offset);
  return Number(value);
}

type ValueType = 'string' | 'integer' | 'boolean';
type LiteralType = 'string' | 'integer' | 'IP address';

/** The type of a value of the subset (Cloudflare's fields reference: ssl is Boolean, len() Integer). */
function typeOf(value: Value): ValueType {
  if (value.kind === 'len') return 'integer';
  if (value.kind === 'lower' || value.kind === 'literal') return 'string';
  return value.field === 'ssl' ? 'boolean' : 'string';
}

/** A value as written, for messages: `len(http.host)`. */
function valueText(value: Value): string {
  if (value.kind === 'field') return value.field;
  if (value.kind === 'literal') return JSON.stringify(value.value);
  return `${value.kind}(${valueText(value.arg)})`;
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
