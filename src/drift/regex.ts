// The `matches` operator without backtracking: a rule's regular expression (Rust `regex` syntax,
// docs/cloudflare.md) is compiled to an NFA and run as a Pike VM, so matching is linear in
// the URL's length times the pattern's size whatever the pattern is: a hostile rule cannot hang
// drift. What Rust's engine refuses too (look-around, backreferences) is refused with its
// position; what Rust reads but this engine does not (Unicode classes, class set operations,
// verbose mode) is refused as `unsupported`, so that only its term is left undecided; never guessed.
import { quote } from './quote.js';

/** Longest pattern read (Cloudflare caps a whole expression at 4,096 characters). */
const MAX_PATTERN_LENGTH = 4096;
/** Most NFA instructions after counted repetitions are expanded (`a{1000}{1000}` is refused). */
const MAX_PROGRAM_SIZE = 20_000;
/** Deepest nesting of groups read: Rust's regex-syntax refuses more than 250 by default (`nest_limit`). */
const MAX_GROUP_NESTING = 250;

export class RegexError extends Error {
  /** Offset in the pattern (0-based). */
  readonly offset: number;
  /** Valid in Rust's `regex` (so in a rule Cloudflare accepted), but not run by this engine. */
  readonly unsupported: boolean;
  constructor(message: string, offset: number, unsupported = false) {
    super(message);
    this.name = 'RegexError';
    this.offset = offset;
    this.unsupported = unsupported;
  }
}

type CharTest = (code: number) => boolean;

type Node =
  | { readonly kind: 'empty' }
  | { readonly kind: 'char'; readonly test: CharTest }
  | { readonly kind: 'assert'; readonly what: 'start' | 'end' | 'line_start' | 'line_end' | 'word' | 'not_word' }
  | { readonly kind: 'concat'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly items: readonly Node[] }
  | { readonly kind: 'repeat'; readonly node: Node; readonly min: number; readonly max: number | null };

interface Flags { readonly i: boolean; readonly s: boolean; readonly m: boolean }

const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const lowerCode = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
const upperCode = (c: number): number => (c >= 97 && c <= 122 ? c - 32 : c);

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation({ i: false, s: false, m: false });
    if (this.pos < this.source.length) throw new RegexError(`unexpected ${quote(this.source[this.pos])}`, this.pos);
    return node;
  }

  private peek(): string | undefined {
    return this.source[this.pos];
  }

  private alternation(initial: Flags): Node {
    // `(?i)` holds until the end of its group, across `|`.
    let [node, flags] = this.concatenation(initial);
    const items: Node[] = [node];
    while (this.peek() === '|') {
      this.pos++;
      [node, flags] = this.concatenation(flags);
      items.push(node);
    }
    return items.length === 1 ? items[0] : { kind: 'alt', items };
  }

  private concatenation(initial: Flags): [Node, Flags] {
    let flags = initial;
    const items: Node[] = [];
    while (this.pos < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      // `(?i)` changes the flags for the rest of the enclosing group.
      const setFlags = this.flagGroup(flags);
      if (setFlags) {
        flags = setFlags;
        continue;
      }
      const atom = this.atom(flags);
      items.push(this.quantified(atom));
    }
    return [items.length === 0 ? { kind: 'empty' } : items.length === 1 ? items[0] : { kind: 'concat', items }, flags];
  }

  /** `(?flags)` alone: returns the new flags; anything else leaves the position untouched. */
  private flagGroup(flags: Flags): Flags | null {
    const match = /^\(\?([a-zA-Z-]*)\)/.exec(this.source.slice(this.pos));
    if (!match) return null;
    const next = this.applyFlags(flags, match[1], this.pos + 2);
    this.pos += match[0].length;
    return next;
  }

  private applyFlags(flags: Flags, text: string, offset: number): Flags {
    let on = true;
    const next = { ...flags };
    for (const [i, flag] of [...text].entries()) {
      if (flag === '-') { on = false; continue; }
      if (flag === 'i' || flag === 's' || flag === 'm') next[flag] = on;
      // u (Unicode) is how this engine reads text anyway; U (swap greed) cannot change whether a
      // pattern matches, only where; x and R change how the pattern reads and are not run.
      else if (flag === 'u' || flag === 'U') continue;
      else throw new RegexError(`flag ${quote(flag)} is not supported`, offset + i, flag === 'x' || flag === 'R');
    }
    return next;
  }

  private quantified(atom: Node): Node {
    let node = atom;
    for (;;) {
      const start = this.pos;
      const c = this.peek();
      let min: number;
      let max: number | null;
      if (c === '*') { min = 0; max = null; this.pos++; }
      else if (c === '+') { min = 1; max = null; this.pos++; }
      else if (c === '?') { min = 0; max = 1; this.pos++; }
      else if (c === '{') {
        const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.pos));
        if (!match) return node; // a literal "{" as in Rust when not a repetition
        min = Number(match[1]);
        max = match[2] === undefined ? min : match[3] === '' ? null : Number(match[3]);
        if (min > 1000 || (max !== null && (max > 1000 || max < min))) throw new RegexError(`repetition ${match[0]} is out of range`, start);
        this.pos += match[0].length;
      } else return node;
      if (node.kind === 'assert' || node.kind === 'empty') throw new RegexError('nothing to repeat', start);
      if (this.peek() === '?') this.pos++; // lazy: the same language, so the same match result
      node = { kind: 'repeat', node, min, max };
    }
  }

  private atom(flags: Flags): Node {
    const start = this.pos;
    const c = this.source[this.pos++];
    switch (c) {
      case '(': return this.group(flags, start);
      case '[': return this.charClass(flags, start);
      case '.': return { kind: 'char', test: flags.s ? () => true : (code) => code !== 10 };
      case '^': return { kind: 'assert', what: flags.m ? 'line_start' : 'start' };
      case '$': return { kind: 'assert', what: flags.m ? 'line_end' : 'end' };
      case '\\': return this.escape(flags, start, false) as Node;
      case '*': case '+': case '?': throw new RegexError('nothing to repeat', start);
      default: return literal(c.charCodeAt(0), flags);
    }
  }

  private group(flags: Flags, start: number): Node {
    const rest = this.source.slice(this.pos);
    if (/^\?(=|!|<=|<!)/.test(rest)) throw new RegexError('look-around is not supported (it cannot be matched in linear time)', start);
    let inner = flags;
    if (rest.startsWith('?:')) this.pos += 2;
    else if (/^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.test(rest)) this.pos += /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest)![0].length;
    else if (/^\?[a-zA-Z-]*:/.test(rest)) {
      const text = /^\?([a-zA-Z-]*):/.exec(rest)!;
      inner = this.applyFlags(flags, text[1], this.pos + 1);
      this.pos += text[0].length;
    } else if (rest.startsWith('?')) throw new RegexError('unsupported group syntax', start);
    if (++this.depth > MAX_GROUP_NESTING) throw new RegexError(`groups nested more than ${MAX_GROUP_NESTING} deep`, start);
    const node = this.alternation(inner);
    this.depth--;
    if (this.peek() !== ')') throw new RegexError('unclosed group', start);
    this.pos++;
    return node;
  }

  /** After a backslash. Returns a char test inside a class, a node outside. */
  private escape(flags: Flags, start: number, inClass: boolean): Node | CharTest {
    const c = this.source[this.pos++];
    if (c === undefined) throw new RegexError('the pattern ends with a lone backslash', start);
    switch (c) {
      case 'd': return wrap(isDigit, inClass);
      case 'D': return wrap((x) => !isDigit(x), inClass);
      case 'w': return wrap(isWord, inClass);
      case 'W': return wrap((x) => !isWord(x), inClass);
      case 's': return wrap(isSpace, inClass);
      case 'S': return wrap((x) => !isSpace(x), inClass);
      case 'n': return codeAtom(10, flags, inClass);
      case 't': return codeAtom(9, flags, inClass);
      case 'r': return codeAtom(13, flags, inClass);
      case 'f': return codeAtom(12, flags, inClass);
      case 'v': return codeAtom(11, flags, inClass);
      case 'a': return codeAtom(7, flags, inClass);
      case 'x': {
        const match = /^(?:([0-9a-fA-F]{2})|\{([0-9a-fA-F]{1,6})\})/.exec(this.source.slice(this.pos));
        if (!match) throw new RegexError('\\x needs two hex digits or {hex}', start);
        this.pos += match[0].length;
        return codeAtom(parseInt(match[1] ?? match[2], 16), flags, inClass);
      }
      case 'A': case 'z': case 'b': case 'B':
        if (inClass) throw new RegexError(`\\${c} is not allowed in a class`, start);
        return { kind: 'assert', what: c === 'A' ? 'start' : c === 'z' ? 'end' : c === 'b' ? 'word' : 'not_word' };
      case 'p': case 'P':
        throw new RegexError('Unicode classes (\\p, \\P) are not supported', start, true);
      default:
        if (c >= '0' && c <= '9') throw new RegexError('backreferences are not supported (they cannot be matched in linear time)', start);
        if (/[A-Za-z]/.test(c)) throw new RegexError(`unknown escape \\${c}`, start);
        return codeAtom(c.charCodeAt(0), flags, inClass);
    }
  }

  private charClass(flags: Flags, start: number): Node {
    let negated = false;
    if (this.peek() === '^') { negated = true; this.pos++; }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const at = this.pos;
      const c = this.source[this.pos];
      if (c === undefined) throw new RegexError('unclosed character class', start);
      if (c === ']' && !first) { this.pos++; break; }
      first = false;
      if (c === '[') throw new RegexError('nested classes and [:name:] are not supported', at, true);
      if ((c === '&' || c === '-' || c === '~') && this.source[this.pos + 1] === c && this.source[this.pos + 2] !== ']') {
        throw new RegexError('class set operations (&&, --, ~~) are not supported', at, true);
      }
      this.pos++;
      let low: number;
      if (c === '\\') {
        const escaped = this.escape(flags, at, true) as CharTest & { code?: number };
        if (escaped.code === undefined) { tests.push(escaped); continue; }
        low = escaped.code;
      } else low = c.charCodeAt(0);
      if (this.peek() === '-' && this.source[this.pos + 1] !== ']' && this.source[this.pos + 1] !== undefined) {
        const rangeAt = this.pos;
        this.pos++;
        const d = this.source[this.pos++];
        let high: number;
        if (d === '\\') {
          const escaped = this.escape(flags, rangeAt, true) as CharTest & { code?: number };
          if (escaped.code === undefined) throw new RegexError('a range must end with a character', rangeAt);
          high = escaped.code;
        } else high = d.charCodeAt(0);
        if (high < low) throw new RegexError('a range goes backwards', rangeAt);
        tests.push(rangeTest(low, high, flags.i));
      } else tests.push(rangeTest(low, low, flags.i));
    }
    const member: CharTest = (code) => tests.some((test) => test(code));
    return { kind: 'char', test: negated ? (code) => !member(code) : member };
  }
}

function wrap(test: CharTest, inClass: boolean): Node | CharTest {
  return inClass ? test : { kind: 'char', test };
}

function codeAtom(code: number, flags: Flags, inClass: boolean): Node | CharTest {
  if (inClass) return Object.assign((x: number) => x === code, { code });
  return literal(code, flags);
}

function literal(code: number, flags: Flags): Node {
  if (!flags.i) return { kind: 'char', test: (x) => x === code };
  const lower = lowerCode(code);
  return { kind: 'char', test: (x) => lowerCode(x) === lower };
}

function rangeTest(low: number, high: number, caseInsensitive: boolean): CharTest {
  if (!caseInsensitive) return (x) => x >= low && x <= high;
  return (x) => (x >= low && x <= high) || (lowerCode(x) >= low && lowerCode(x) <= high) || (upperCode(x) >= low && upperCode(x) <= high);
}

// ---- compilation to a program for the Pike VM ----

type Instruction =
  | { op: 'char'; test: CharTest; next: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'jump'; to: number }
  | { op: 'assert'; what: Extract<Node, { kind: 'assert' }>['what']; next: number }
  | { op: 'match' };

class Compiler {
  readonly program: Instruction[] = [];

  private emit(instruction: Instruction): number {
    if (this.program.length >= MAX_PROGRAM_SIZE) throw new RegexError(`the pattern is too large (more than ${MAX_PROGRAM_SIZE} steps once repetitions are expanded)`, 0, true);
    this.program.push(instruction);
    return this.program.length - 1;
  }

  /** Compiles `node` so that it continues at the instruction returned by `patch` later. Returns the holes to patch. */
  compile(node: Node): number[] {
    switch (node.kind) {
      case 'empty': {
        const at = this.emit({ op: 'jump', to: -1 });
        return [at];
      }
      case 'char': return [this.emit({ op: 'char', test: node.test, next: -1 })];
      case 'assert': return [this.emit({ op: 'assert', what: node.what, next: -1 })];
      case 'concat': {
        let holes: number[] = [];
        for (const item of node.items) {
          const start = this.program.length;
          this.patch(holes, start);
          holes = this.compile(item);
        }
        return holes;
      }
      case 'alt': {
        const holes: number[] = [];
        let pendingSplit = -1;
        node.items.forEach((item, index) => {
          if (pendingSplit !== -1) (this.program[pendingSplit] as { b: number }).b = this.program.length;
          if (index < node.items.length - 1) {
            pendingSplit = this.emit({ op: 'split', a: this.program.length + 1, b: -1 });
          }
          holes.push(...this.compile(item));
          if (index < node.items.length - 1) holes.push(this.emit({ op: 'jump', to: -1 }));
        });
        return holes;
      }
      case 'repeat': {
        let holes: number[] = [];
        for (let i = 0; i < node.min; i++) {
          this.patch(holes, this.program.length);
          holes = this.compile(node.node);
        }
        if (node.max === null) {
          this.patch(holes, this.program.length);
          const split = this.emit({ op: 'split', a: this.program.length + 1, b: -1 });
          const body = this.compile(node.node);
          this.patch(body, split);
          return [split];
        }
        const exits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          this.patch(holes, this.program.length);
          const split = this.emit({ op: 'split', a: this.program.length + 1, b: -1 });
          exits.push(split);
          holes = this.compile(node.node);
        }
        return [...holes, ...exits];
      }
      default: {
        const never: never = node;
        throw new Error(`unknown regex node ${JSON.stringify(never)}`);
      }
    }
  }

  patch(holes: readonly number[], target: number): void {
    for (const hole of holes) {
      const instruction = this.program[hole];
      if (instruction.op === 'char' || instruction.op === 'assert') instruction.next = target;
      else if (instruction.op === 'jump') instruction.to = target;
      else if (instruction.op === 'split') instruction.b = target;
    }
  }
}

export interface CompiledRegex {
  readonly source: string;
  test(input: string): boolean;
}

/** Compiles a Rust-syntax pattern, or throws a RegexError with the offset of the problem. */
export function compileRegex(source: string): CompiledRegex {
  if (source.length > MAX_PATTERN_LENGTH) throw new RegexError(`the pattern is longer than ${MAX_PATTERN_LENGTH} characters`, MAX_PATTERN_LENGTH);
  const node = new Parser(source).parse();
  const compiler = new Compiler();
  const holes = compiler.compile(node);
  compiler.patch(holes, compiler.program.length);
  compiler.program.push({ op: 'match' });
  const program = compiler.program;
  return { source, test: (input) => run(program, input) };
}

function assertionHolds(what: Extract<Instruction, { op: 'assert' }>['what'], input: string, at: number): boolean {
  switch (what) {
    case 'start': return at === 0;
    case 'end': return at === input.length;
    case 'line_start': return at === 0 || input.charCodeAt(at - 1) === 10;
    case 'line_end': return at === input.length || input.charCodeAt(at) === 10;
    case 'word':
    case 'not_word': {
      const before = at > 0 && isWord(input.charCodeAt(at - 1));
      const after = at < input.length && isWord(input.charCodeAt(at));
      return (before !== after) === (what === 'word');
    }
    default: {
      const never: never = what;
      throw new Error(`unknown assertion ${String(never)}`);
    }
  }
}

/** Pike VM: every thread advances one character at a time; each instruction is visited once per step. */
function run(program: readonly Instruction[], input: string): boolean {
  const seen = new Int32Array(program.length).fill(-1);
  let generation = 0;
  const add = (list: number[], pc: number, at: number): boolean => {
    const stack = [pc];
    while (stack.length > 0) {
      const index = stack.pop()!;
      if (seen[index] === generation) continue;
      seen[index] = generation;
      const instruction = program[index];
      switch (instruction.op) {
        case 'match': return true;
        case 'jump': stack.push(instruction.to); break;
        case 'split': stack.push(instruction.b, instruction.a); break;
        case 'assert': if (assertionHolds(instruction.what, input, at)) stack.push(instruction.next); break;
        case 'char': list.push(index); break;
      }
    }
    return false;
  };
  let current: number[] = [];
  if (add(current, 0, 0)) return true;
  for (let at = 0; at < input.length; at++) {
    generation++;
    const next: number[] = [];
    const code = input.charCodeAt(at);
    for (const pc of current) {
      const instruction = program[pc] as Extract<Instruction, { op: 'char' }>;
      if (instruction.test(code) && add(next, instruction.next, at + 1)) return true;
    }
    // Unanchored search: a new thread starts at every position.
    if (add(next, 0, at + 1)) return true;
    current = next;
  }
  return false;
}
