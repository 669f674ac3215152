// Cutting a long markdown plan into comments a forge accepts (docs/ci.md): at line boundaries, never
// leaving a <details> block, a code fence or a table broken across two comments: each piece closes
// what is open and the next reopens it (as Atlantis and Digger do). Pure: text in, texts out.

/** How a piece of text is measured against a limit (characters by default; bytes for the step summary). */
export type Measure = (text: string) => number;

const measureChars: Measure = (text) => text.length;
export const measureUtf8Bytes: Measure = (text) => Buffer.byteLength(text, 'utf8');

export interface SplitOptions {
  /** The most one piece may measure, header and notes included. */
  readonly limit: number;
  readonly maxParts: number;
  /** The text put before piece `part` of `parts` (a marker, a "part i of n" line); '' for none. */
  readonly header: (part: number, parts: number) => string;
  /** Ends the last piece when the text needed more than `maxParts` pieces. */
  readonly overflowNote: string;
  readonly measure?: Measure;
}

export interface Split {
  readonly parts: readonly string[];
  /** True when the text did not fit in `maxParts` pieces and its end was left out. */
  readonly cut: boolean;
}

/** What is open after a line: nested <details> (their opening lines), a fence, a table's head. */
interface Open {
  readonly details: readonly string[];
  readonly fence: { readonly line: string; readonly char: string; readonly length: number } | null;
  readonly tableHead: readonly string[] | null;
}

const CLOSED: Open = { details: [], fence: null, tableHead: null };
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const DETAILS_TAG = /<(\/?)details\b[^>]*>/gi;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function advance(open: Open, line: string, previous: string | undefined): Open {
  const fenceMatch = FENCE.exec(line);
  if (open.fence) {
    const closes = fenceMatch !== null && fenceMatch[1]![0] === open.fence.char && fenceMatch[1]!.length >= open.fence.length && fenceMatch[2]!.trim() === '';
    return closes ? { ...open, fence: null } : open;
  }
  if (fenceMatch && !(fenceMatch[1]![0] === '`' && fenceMatch[2]!.includes('`'))) {
    return { ...open, tableHead: null, fence: { line, char: fenceMatch[1]![0]!, length: fenceMatch[1]!.length } };
  }
  let details = open.details;
  for (const tag of line.matchAll(DETAILS_TAG)) {
    details = tag[1] === '/' ? details.slice(0, -1) : [...details, line];
  }
  let tableHead = open.tableHead;
  const isRow = line.trimStart().startsWith('|');
  if (!isRow) tableHead = null;
  else if (tableHead === null && previous !== undefined && previous.trimStart().startsWith('|') && TABLE_DELIMITER.test(line)) tableHead = [previous, line];
  return { details, fence: null, tableHead };
}

/** Lines that close what is open, innermost first. */
function closers(open: Open): string[] {
  const lines: string[] = [];
  if (open.fence) lines.push(open.fence.char.repeat(open.fence.length));
  for (let i = open.details.length - 1; i >= 0; i--) lines.push('</details>');
  return lines;
}

/** Lines that reopen, in the next piece, what the previous one closed. */
function openers(open: Open): string[] {
  const lines: string[] = [];
  for (const line of open.details) {
    lines.push(line.includes('</summary>') ? line.replace('</summary>', ' (continued)</summary>') : line, '');
  }
  if (open.fence) lines.push(open.fence.line);
  else if (open.tableHead) lines.push(...open.tableHead);
  return lines;
}

/** Cuts one over-long line into pieces of at most `room`, between code points. */
function cutLine(line: string, room: number, measure: Measure): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const codePoint of line) {
    if (piece !== '' && measure(piece + codePoint) > room) {
      pieces.push(piece);
      piece = '';
    }
    piece += codePoint;
  }
  pieces.push(piece);
  return pieces;
}

interface Packed { readonly bodies: string[][]; readonly complete: boolean }

/**
 * Greedy packing of `lines` into bodies of at most `budgetOf(index)`, stopping after `maxBodies`.
 * A body's measure counts its lines, the newlines between them, and the closers it will need.
 */
function pack(lines: readonly string[], budgetOf: (index: number) => number, maxBodies: number, measure: Measure): Packed {
  const bodies: string[][] = [];
  const size = (text: string[]) => (text.length === 0 ? 0 : text.reduce((sum, line) => sum + measure(line), 0) + text.length - 1);
  let open = CLOSED;
  let body = openers(open);
  let bodySize = size(body);
  let fresh = true;
  const queue = [...lines];
  let previous: string | undefined;
  while (queue.length > 0) {
    const line = queue[0]!;
    const next = advance(open, line, previous);
    const closing = closers(next);
    const separator = body.length > 0 ? 1 : 0;
    const closingSize = closing.length ? size(closing) + 1 : 0;
    const budget = budgetOf(bodies.length);
    // Takes the line at the head of the queue into the current body.
    const take = () => {
      body.push(line);
      bodySize += separator + measure(line);
      open = next;
      previous = line;
      fresh = false;
      queue.shift();
    };
    if (bodySize + separator + measure(line) + closingSize <= budget) {
      take();
      continue;
    }
    if (fresh) {
      // Even alone in a piece the line does not fit: cut it between code points.
      const room = Math.max(1, budget - bodySize - separator - closingSize);
      queue.splice(0, 1, ...cutLine(line, room, measure));
      if (queue[0] === line) take();
      continue;
    }
    bodies.push([...body, ...closers(open)]);
    if (bodies.length === maxBodies) return { bodies, complete: false };
    body = openers(open);
    bodySize = size(body);
    fresh = true;
  }
  bodies.push([...body, ...closers(open)]);
  return { bodies, complete: bodies.length <= maxBodies };
}

/**
 * Splits `markdown` into at most `maxParts` pieces, each at most `limit` with its header. One piece
 * when it fits; past `maxParts`, the last piece ends with the overflow note and the rest is left out.
 */
export function splitMarkdown(markdown: string, options: SplitOptions): Split {
  const measure = options.measure ?? measureChars;
  const text = markdown.replace(/\n+$/, '');
  const single = joinHeader(options.header(1, 1), text);
  if (measure(single) <= options.limit) return { parts: [single], cut: false };
  const lines = text.split('\n');
  // The header's size grows with the digits of the part numbers: reserve the largest.
  const headerSize = measure(options.header(options.maxParts, options.maxParts)) + 1;
  const budget = options.limit - headerSize;
  const noteSize = measure(options.overflowNote) + 2;
  const first = pack(lines, () => budget, options.maxParts, measure);
  let bodies = first.bodies;
  let cut = false;
  if (!first.complete) {
    const last = options.maxParts - 1;
    bodies = pack(lines, (index) => (index === last ? budget - noteSize : budget), options.maxParts, measure).bodies;
    bodies[bodies.length - 1]!.push('', options.overflowNote);
    cut = true;
  }
  const parts = bodies.map((body, index) => joinHeader(options.header(index + 1, bodies.length), body.join('\n')));
  return { parts, cut };
}

function joinHeader(header: string, text: string): string {
  return header === '' ? text : `${header}\n${text}`;
}
