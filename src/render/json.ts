// `plan --json` and saved plan files: the Plan value, one JSON document (spec §4.1). The document
// is produced in chunks, byte-identical to JSON.stringify(plan): a million-item plan is over
// 100 MB of JSON, and one string that size costs more to encode and write than to build.
import { requestJson } from '../plan/files.js';
import type { Plan } from '../plan/types.js';

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
