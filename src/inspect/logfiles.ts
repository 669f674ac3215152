// The edge of coverage: Logpush files and stdin, line by line, gzip by suffix or magic bytes.
// Lines are handed on as they are read, so memory holds one chunk, never the file.
import { createReadStream, closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';

export interface LogInput {
  /** As the user wrote it (`-` for stdin): what messages name. */
  readonly name: string;
  readonly path: string | null;
}

/** Checks every input before any is read: a missing file is an error naming it. */
export function logInputs(names: readonly string[], cwd: string): LogInput[] {
  if (names.length === 0) throw new UserError('coverage needs --logs FILE… (Logpush http_requests NDJSON, .gz or -)', { hint: 'e.g. purgeplan coverage --logs logs/20261130/*.log.gz' });
  if (names.filter((n) => n === '-').length > 1) throw new UserError('--logs: stdin (-) can be read once only');
  return names.map((name) => {
    if (name === '-') return { name, path: null };
    const path = resolve(cwd, name);
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(`--logs ${name}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? 'error'})`}`);
    }
    if (!isFile) throw new UserError(`--logs ${name}: not a file`);
    return { name, path };
  });
}

const GZIP_MAGIC = [0x1f, 0x8b];

function startsWithGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function fileStartsWithGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && startsWithGzip(head);
  } finally {
    closeSync(fd);
  }
}

/** The input's bytes, decompressed when it ends in .gz or starts with gzip's magic bytes. */
async function* bytesOf(input: LogInput, stdin: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  let source: AsyncIterable<Buffer>;
  if (input.path !== null) {
    const gzip = input.name.endsWith('.gz') || fileStartsWithGzip(input.path);
    const file = createReadStream(input.path, { highWaterMark: 1 << 20 });
    source = gzip ? file.pipe(createGunzip()) : file;
  } else {
    const iterator = (stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) return;
    const rest = { [Symbol.asyncIterator]: () => iterator };
    async function* all(): AsyncGenerator<Buffer> {
      yield first.value as Buffer;
      yield* rest;
    }
    source = startsWithGzip(first.value as Buffer) ? Readable.from(all()).pipe(createGunzip()) : all();
  }
  try {
    for await (const chunk of source) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' ? 'not valid gzip data (damaged or cut short)' : (error as Error).message;
    throw new UserError(`--logs ${input.name}: ${message}`);
  }
}

/**
 * Calls `onLine` with each line (line end removed) and its 1-based number. Each chunk is decoded
 * up to its last line end (a byte UTF-8 never uses inside a character), the rest carried over.
 */
export async function forEachLine(input: LogInput, stdin: NodeJS.ReadableStream, onLine: (line: string, lineNumber: number) => void): Promise<number> {
  let carry: Buffer | null = null;
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
  for await (const chunk of bytesOf(input, stdin)) {
    let from = 0;
    if (carry) {
      // Only the cut line is copied, not the whole chunk.
      const first = chunk.indexOf(10);
      if (first === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      emit(Buffer.concat([carry, chunk.subarray(0, first)]).toString('utf8'));
      carry = null;
      from = first + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last < from) {
      carry = Buffer.from(chunk.subarray(from));
      continue;
    }
    if (last > from) emit(chunk.toString('utf8', from, last));
    else emit('');
    if (last + 1 < chunk.length) carry = Buffer.from(chunk.subarray(last + 1));
  }
  if (carry && carry.length) emit(carry.toString('utf8'));
  return lineNumber;
}
