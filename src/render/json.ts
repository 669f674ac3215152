// `plan --json` and saved plan files: the Plan value, one JSON document (spec §4.1). The document
// is produced in chunks, byte-identical to JSON.stringify(plan): a million-item plan is over
// 100 MB of JSON, and one string that size costs more to encode and write than to build.
import { compactFilesOf } from '../plan/files.js';
import type { Plan, PlannedRequest } from '../plan/types.js';

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
 * JSON.stringify(request), written straight from a compact files body (plan/files.ts): each URL's
 * JSON is built once for its run of variants, each variant's headers JSON once for the plan.
 * Anything else (e.g. a plan read back from a file) goes through JSON.stringify.
 */
function requestJson(request: PlannedRequest): string {
  const compact = compactFilesOf(request.body);
  if (!compact || Object.keys(request).join() !== 'zone,zone_id,action,groups,body') return JSON.stringify(request);
  let out = `{"zone":${JSON.stringify(request.zone)},"zone_id":${JSON.stringify(request.zone_id)},"action":${JSON.stringify(request.action)},"groups":${JSON.stringify(request.groups)},"body":{"files":[`;
  const { urls, variants } = compact;
  let lastUrl: string | undefined;
  let urlJson = '';
  for (let i = 0; i < urls.length; i++) {
    if (urls[i] !== lastUrl) {
      lastUrl = urls[i];
      urlJson = JSON.stringify(lastUrl);
    }
    const headers = variants[i].objectJson;
    out += (i ? ',' : '') + (headers === null ? urlJson : `{"url":${urlJson},"headers":${headers}}`);
  }
  return `${out}]}}`;
}
