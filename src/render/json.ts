// `plan --json` and saved plan files: the Plan value, one JSON document (docs/commands.md#plan). The document
// is produced as a sequence of byte chunks, byte-identical to JSON.stringify(plan) + "\n": a
// million-item plan is over 100 MB of JSON, and one string that size costs more to build and
// encode than the plan itself. Compact files bodies (plan/files.ts) are written from their runs:
// a URL's JSON made once per run of its variants, each variant's `,"headers":{…}}` once per plan.
import type { Variant } from '../expand/variants.js';
import { CompactFiles } from '../plan/files.js';
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
  const suffixes = new Map<Variant, string>();
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
function writeRequest(out: ChunkWriter, request: PlannedRequest, suffixes: Map<Variant, string>): void {
  const compact = request.body instanceof CompactFiles ? request.body : undefined;
  const keys = Object.keys(request);
  if (!compact || keys[keys.length - 1] !== 'body') {
    out.text(JSON.stringify(request));
    return;
  }
  const { body: _body, ...head } = request;
  const headJson = JSON.stringify(head);
  // Items are joined into one string of some 64 kB before encoding: one encode call per many
  // items costs less than copying each item's few pieces into the chunk one by one.
  let text = `${headJson.length > 2 ? `${headJson.slice(0, -1)},` : '{'}"body":{"files":[`;
  let first = true;
  // A body that mixes items with and without headers writes the latter as `{"url":…}` (plan/files.ts).
  const plain = compact.objects ? '}' : '';
  for (const run of compact.runs) {
    const urlJson = JSON.stringify(run.url);
    const variants = run.variants;
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[v];
      let suffix = suffixes.get(variant);
      if (suffix === undefined) {
        suffix = variant.objectJson === null ? '' : `,"headers":${variant.objectJson}}`;
        suffixes.set(variant, suffix);
      }
      if (suffix === '') text += plain === '' ? (first ? '' : ',') + urlJson : (first ? '{"url":' : ',{"url":') + urlJson + plain;
      else text += (first ? '{"url":' : ',{"url":') + urlJson + suffix;
      first = false;
    }
    if (text.length > TEXT_BATCH) {
      out.text(text);
      text = '';
    }
  }
  out.text(`${text}]}}`);
}

const TEXT_BATCH = 1 << 16;

/** The requests' JSON, one request after another (each as in the plan document). */
function* requestChunks(requests: readonly PlannedRequest[]): Generator<Uint8Array> {
  const out = new ChunkWriter();
  const suffixes = new Map<Variant, string>();
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
