// `plan --json` and saved plan files: the Plan value, one JSON document (spec §4.1). The document
// is produced in chunks, byte-identical to JSON.stringify(plan): a million-item plan is over
// 100 MB of JSON, and one string that size costs more to encode and write than to build.
import { SHARED_HEADERS } from '../expand/variants.js';
import type { FileEntry, Plan, PlannedRequest } from '../plan/types.js';

const CHUNK_CHARS = 1 << 20;

export function* jsonChunks(plan: Plan): Generator<string> {
  let buffer = '{';
  let first = true;
  for (const [key, value] of Object.entries(plan)) {
    if (value === undefined) continue;
    buffer += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key !== 'requests') {
      buffer += JSON.stringify(value);
      continue;
    }
    buffer += '[';
    const requests = value as Plan['requests'];
    for (let i = 0; i < requests.length; i++) {
      buffer += (i ? ',' : '') + requestJson(requests[i]);
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = '';
      }
    }
    buffer += ']';
  }
  yield `${buffer}}\n`;
}

export function renderJson(plan: Plan): string {
  return [...jsonChunks(plan)].join('');
}

/**
 * JSON.stringify(request), with files whose headers object is a shared, frozen variant written
 * from that object's cached JSON. Falls back to JSON.stringify for anything else (e.g. a plan
 * read back from a file).
 */
function requestJson(request: PlannedRequest): string {
  const body = request.body;
  if (!('files' in body) || Object.keys(request).join() !== 'zone,zone_id,groups,body' || Object.keys(body).length !== 1) return JSON.stringify(request);
  let out = `{"zone":${JSON.stringify(request.zone)},"zone_id":${JSON.stringify(request.zone_id)},"groups":${JSON.stringify(request.groups)},"body":{"files":[`;
  // Consecutive items share their URL (one item per header variant): its JSON is built once.
  let lastUrl: string | undefined;
  let urlPrefix = '';
  const files = body.files;
  for (let i = 0; i < files.length; i++) {
    const entry: FileEntry = files[i];
    if (i) out += ',';
    const headers = typeof entry === 'string' ? undefined : SHARED_HEADERS.get(entry.headers);
    if (headers === undefined) {
      out += JSON.stringify(entry);
      continue;
    }
    const url = (entry as { url: string }).url;
    if (url !== lastUrl) {
      lastUrl = url;
      urlPrefix = `{"url":${JSON.stringify(url)},"headers":`;
    }
    out += urlPrefix + headers;
  }
  return `${out}]}}`;
}
