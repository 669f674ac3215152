// Reads one Logpush input into a coverage tally, line by line (docs/coverage.md): the one loop
// that `coverage --logs` runs, on the main thread or on a worker thread.
import type { CoverageTally } from './coverage.js';
import { forEachLine, MAX_LINE_BYTES } from './logfiles.js';
import type { LogInput } from './logfiles.js';
import { parseLogLine } from './logs.js';
import type { LogRecord } from './logs.js';

const TOO_LONG: LogRecord = { kind: 'skipped', reason: `longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB: not a Logpush record`, weight: 1 };

/** How often (in lines) `progress` is called. */
const PROGRESS_LINES = 4096;

/**
 * Tallies the input, the `index`-th of the command's inputs; `progress` is called every
 * PROGRESS_LINES lines with the lines read since its last call.
 */
export async function tallyInput(tally: CoverageTally, input: LogInput, index: number, stdin: NodeJS.ReadableStream, progress?: (lines: number) => void): Promise<void> {
  tally.startFile(input.name, index);
  await forEachLine(input, stdin, (line, lineNumber) => {
    tally.add(line === null ? TOO_LONG : parseLogLine(line), lineNumber);
    if (progress !== undefined && lineNumber % PROGRESS_LINES === 0) progress(PROGRESS_LINES);
  });
}
