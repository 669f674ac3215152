// `plan --json` and saved plan files: the Plan value, one JSON document (spec §4.1). The document
// is produced as a sequence of byte chunks, byte-identical to JSON.stringify(plan) + "\n": a
// million-item plan is over 100 MB of JSON, and one string that size costs more to build and
// encode than the plan itself. Compact files bodies (plan/files.ts) are written straight into the
// chunk: a URL's JSON once per run of its variants (copied within the chunk for the next
// variants), each variant's `,"headers":{…}}` bytes once per plan.
import type { Variant } from '../expand/variants.js';
import { compactFilesOf } from '../plan/files.js';
import type { FilesRun } from '../plan/files.js';
import type { Plan, PlannedRequest } from '../plan/types.js';

const CHUNK_BYTES = 1 << 20;

/** Bytes appended into fixed-size chunks; full chunks wait in `ready` until taken. */
class ChunkWriter {
  buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  pos = 0;
  ready: Uint8Array[] = [];

  /** Room for `bytes` more bytes, starting a new chunk when this one has not. True if it did. */
  ensure(bytes: number): boolean {
    if (this.pos + bytes <= this.buffer.length) return false;
    if (this.pos > 0) this.ready.push(this.buffer.subarray(0, this.pos));
    this.buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    this.pos = 0;
    return true;
  }

  text(value: string): void {
    this.ensure(value.length * 3);
    this.pos += this.buffer.write(value, this.pos);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.pos++] = value;
  }

  *take(): Generator<Uint8Array> {
    if (this.ready.length === 0) return;
    const ready = this.ready;
    this.ready = [];
    yield* ready;
  }

  *end(): Generator<Uint8Array> {
    if (this.pos > 0) this.ready.push(this.buffer.subarray(0, this.pos));
    this.pos = 0;
    yield* this.take();
  }
}

export function* jsonChunks(plan: Plan): Generator<Uint8Array> {
  const out = new ChunkWriter();
  const suffixes = new Map<Variant, Uint8Array | null>();
  out.byte(0x7b); // {
  let first = true;
  for (const [key, value] of Object.entries(plan)) {
    if (value === undefined) continue;
    out.text(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (key !== 'requests' || !Array.isArray(value)) {
      out.text(JSON.stringify(value));
      continue;
    }
    out.byte(0x5b); // [
    const requests = value as Plan['requests'];
    for (let i = 0; i < requests.length; i++) {
      if (i) out.byte(0x2c); // ,
      writeRequest(out, requests[i], suffixes);
      yield* out.take();
    }
    out.byte(0x5d); // ]
  }
  out.text('}\n');
  yield* out.end();
}

export function renderJson(plan: Plan): string {
  return Buffer.concat([...jsonChunks(plan)]).toString('utf8');
}

/**
 * JSON.stringify(request), with a compact files body written from its runs. The body must be
 * the request's last key (it is in every plan made here); anything else, e.g. a plan read back
 * from a file, goes through JSON.stringify.
 */
function writeRequest(out: ChunkWriter, request: PlannedRequest, suffixes: Map<Variant, Uint8Array | null>): void {
  const compact = compactFilesOf(request.body);
  const keys = Object.keys(request);
  if (!compact || keys[keys.length - 1] !== 'body') {
    out.text(JSON.stringify(request));
    return;
  }
  const { body: _body, ...head } = request;
  const headJson = JSON.stringify(head);
  out.text(`${headJson.length > 2 ? `${headJson.slice(0, -1)},` : '{'}"body":{"files":[`);
  let comma = false;
  for (const run of compact.runs) {
    writeRun(out, run, suffixes, comma);
    comma = true;
  }
  out.text(']}}');
}

const URL_OPEN = [0x7b, 0x22, 0x75, 0x72, 0x6c, 0x22, 0x3a]; // {"url":

/** One run's items: `"URL"` for a variant without headers, `{"url":"URL","headers":{…}}` otherwise. */
function writeRun(out: ChunkWriter, run: FilesRun, suffixes: Map<Variant, Uint8Array | null>, comma: boolean): void {
  const urlJson = JSON.stringify(run.url);
  const urlMax = urlJson.length * 3;
  let urlAt = -1; // where the URL's JSON already is in the current chunk
  let urlBytes = 0;
  for (const variant of run.variants) {
    let suffix = suffixes.get(variant);
    if (suffix === undefined) {
      suffix = variant.objectJson === null ? null : Buffer.from(`,"headers":${variant.objectJson}}`);
      suffixes.set(variant, suffix);
    }
    if (out.ensure(1 + URL_OPEN.length + (urlAt < 0 ? urlMax : urlBytes) + (suffix ? suffix.length : 0))) urlAt = -1;
    const buffer = out.buffer;
    let pos = out.pos;
    if (comma) buffer[pos++] = 0x2c;
    comma = true;
    if (suffix) for (const byte of URL_OPEN) buffer[pos++] = byte;
    if (urlAt < 0) {
      urlAt = pos;
      urlBytes = buffer.write(urlJson, pos);
    } else {
      buffer.copyWithin(pos, urlAt, urlAt + urlBytes);
    }
    pos += urlBytes;
    if (suffix) {
      buffer.set(suffix, pos);
      pos += suffix.length;
    }
    out.pos = pos;
  }
}

/** The requests' JSON, one request after another (each as in the plan document): what plan_id digests. */
export function* requestChunks(requests: readonly PlannedRequest[]): Generator<Uint8Array> {
  const out = new ChunkWriter();
  const suffixes = new Map<Variant, Uint8Array | null>();
  for (const request of requests) {
    writeRequest(out, request, suffixes);
    out.byte(0x0a);
    yield* out.take();
  }
  yield* out.end();
}

/** One request's JSON, as in the plan document. */
export function requestJson(request: PlannedRequest): string {
  return Buffer.concat([...requestChunks([request])]).toString('utf8').slice(0, -1);
}
