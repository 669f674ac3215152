// The edge of coverage: Logpush files and stdin, line by line, gzip by suffix or magic bytes.
// Lines are handed on as they are read, so memory holds one chunk (and at most one cut line of
// MAX_LINE_BYTES), never the file.
import { createReadStream, readdirSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';
import { printable } from '../format.js';
import { compare } from '../vocabulary.js';

export interface LogInput {
  /** As the user wrote it (`-` for stdin): what messages name. */
  readonly name: string;
  readonly path: string | null;
}

/** The files a directory of Logpush output holds: NDJSON by name, gzipped or not. */
const LOG_FILE = /\.(?:log|json|ndjson)(?:\.gz)?$/;

const reason = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? 'error'})`;
};

/**
 * The log files under a directory, at any depth (Logpush writes a folder per day), in name order
 * at each level. A symbolic link to a file is read; one to a directory is not followed (as find
 * does not), so a link cannot lead out of the tree or round in a loop.
 */
function filesUnder(name: string, path: string): LogInput[] {
  const found: LogInput[] = [];
  const visit = (dirName: string, dirPath: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dirPath, { withFileTypes: true });
    } catch (error) {
      throw new UserError(`--logs ${printable(dirName)}: ${reason(error)}`);
    }
    for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
      const childName = join(dirName, entry.name);
      const childPath = join(dirPath, entry.name);
      let kind: 'file' | 'directory' | 'other' = entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
      if (entry.isSymbolicLink()) {
        try {
          kind = statSync(childPath).isFile() ? 'file' : 'other';
        } catch {
          kind = 'other'; // a dangling link names nothing to read
        }
      }
      if (kind === 'directory') visit(childName, childPath);
      else if (kind === 'file' && LOG_FILE.test(entry.name)) found.push({ name: childName, path: childPath });
    }
  };
  visit(name, path);
  if (found.length === 0) throw new UserError(`--logs ${printable(name)}: no *.log, *.json or *.ndjson file (or .gz) under it`);
  return found;
}

/**
 * Checks every input before any is read: a missing file is an error naming it. A directory
 * stands for the log files under it.
 */
export function logInputs(names: readonly string[], cwd: string): LogInput[] {
  if (names.length === 0) throw new UserError('coverage needs --logs FILE… (Logpush http_requests NDJSON, .gz, a directory of them, or -)', { hint: 'e.g. purgeplan coverage --logs logs/20261130/, or --print-sql duckdb for a query to run where the logs are' });
  if (names.filter((n) => n === '-').length > 1) throw new UserError('--logs: stdin (-) can be read once only');
  return names.flatMap((name) => {
    if (name === '-') return [{ name, path: null }];
    const path = resolve(cwd, name);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      throw new UserError(`--logs ${printable(name)}: ${reason(error)}`);
    }
    // A pipe is read like a file: `--logs <(zcat a.gz b.gz)` names one.
    return isDirectory ? filesUnder(name, path) : [{ name, path }];
  });
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * A line longer than this is no Logpush record (one is a few kilobytes, custom fields included):
 * it is skipped, and its bytes are not kept, so a binary file or one without line ends cannot
 * exhaust memory.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** What `onLine` gets for a line longer than MAX_LINE_BYTES. */
const TOO_LONG = null;

/**
 * The input's bytes, decompressed when its name ends in .gz or its first bytes are gzip's magic.
 * The magic is read from the stream itself (files, pipes and stdin alike), never by a second read.
 */
async function* bytesOf(input: LogInput, stdin: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  try {
    const stream: NodeJS.ReadableStream = input.path !== null ? createReadStream(input.path, { highWaterMark: 1 << 20 }) : stdin;
    const iterator = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    const chunks: Buffer[] = [];
    let head = 0;
    // The first two bytes decide; a first chunk of one byte waits for the next.
    while (head < 2) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      chunks.push(chunk);
      head += chunk.length;
    }
    const first = Buffer.concat(chunks);
    async function* all(): AsyncGenerator<Buffer> {
      if (first.length) yield first;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      }
    }
    const gzip = input.name.endsWith('.gz') || (first.length >= 2 && first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1]);
    const source: AsyncIterable<Buffer> = gzip ? Readable.from(all()).pipe(createGunzip({ chunkSize: 1 << 18 })) : all();
    for await (const chunk of source) yield chunk;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' ? 'not valid gzip data (damaged or cut short)'
      : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory, not a file'
      : `cannot read it (${code ?? (error as Error).message})`;
    throw new UserError(`--logs ${printable(input.name)}: ${message}`);
  }
}

/**
 * Calls `onLine` with each line (line end removed), or TOO_LONG for a line over MAX_LINE_BYTES,
 * and its 1-based number. Each chunk is decoded up to its last line end (a byte UTF-8 never uses
 * inside a character); a line cut by chunk ends has its pieces are kept apart and joined once, so a long line
 * costs its length, not its length squared.
 */
export async function forEachLine(input: LogInput, stdin: NodeJS.ReadableStream, onLine: (line: string | typeof TOO_LONG, lineNumber: number) => void): Promise<number> {
  let carry: Buffer[] = [];
  let carried = 0;
  let tooLong = false;
  let lineNumber = 0;
  const emit = (text: string) => {
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      const stop = end === -1 ? text.length : end;
      onLine(text.charCodeAt(stop - 1) === 13 ? text.slice(start, stop - 1) : text.slice(start, stop), ++lineNumber);
      if (end === -1) return;
      start = end + 1;
    }
  };
  /** Keeps the start of a line cut by a chunk's end (or drops it, once the line is too long). */
  const keep = (piece: Buffer) => {
    if (tooLong || piece.length === 0) return;
    carried += piece.length;
    if (carried > MAX_LINE_BYTES) {
      tooLong = true;
      carry = [];
    } else carry.push(Buffer.from(piece));
  };
  /** The cut line ends with `piece`. */
  const finish = (piece: Buffer) => {
    if (tooLong || carried + piece.length > MAX_LINE_BYTES) onLine(TOO_LONG, ++lineNumber);
    else emit(Buffer.concat([...carry, piece]).toString('utf8'));
    carry = [];
    carried = 0;
    tooLong = false;
  };
  for await (const chunk of bytesOf(input, stdin)) {
    let from = 0;
    if (carried > 0 || tooLong) {
      const first = chunk.indexOf(10);
      if (first === -1) {
        keep(chunk);
        continue;
      }
      finish(chunk.subarray(0, first));
      from = first + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last < from) {
      keep(chunk.subarray(from));
      continue;
    }
    // The chunk's whole lines (a chunk is at most a megabyte: the stream's own size).
    emit(chunk.toString('utf8', from, last));
    if (last + 1 < chunk.length) keep(chunk.subarray(last + 1));
  }
  if (tooLong) onLine(TOO_LONG, ++lineNumber);
  else if (carried) emit(Buffer.concat(carry).toString('utf8'));
  return lineNumber;
}
