// A worker thread of `coverage --logs` (docs/coverage.md#directories-in-parallel): it loads the
// same target as the command (silently: the command has shown its diagnostics), claims inputs one
// at a time from the shared counter, tallies them, and sends its tally back as plain data.
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { CoverageTally } from '../inspect/coverage.js';
import { tallyInput } from '../inspect/log-reader.js';
import type { LogInput } from '../inspect/logfiles.js';
import type { Io } from './io.js';
import { loadTarget } from './inspect-target.js';
import type { TargetOptions } from './inspect-target.js';
import { plainStyle } from '../diagnostics.js';
import type { WorkerMessage } from './coverage-workers.js';

interface WorkerInput {
  readonly options: TargetOptions;
  readonly cwd: string;
  readonly inputs: readonly LogInput[];
  /** One Int32: the number of the next input to claim. */
  readonly claim: SharedArrayBuffer;
}

/** Progress is sent every this many lines. */
const PROGRESS_EVERY = 1 << 16;

async function work(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  const send = (message: WorkerMessage) => port.postMessage(message);
  const silent = () => undefined;
  const io: Io = {
    stdout: silent, stdoutChunks: async () => undefined, stderr: silent, stdoutStyle: plainStyle, stderrStyle: plainStyle,
    stdoutIsTTY: false, stdinIsTTY: false, env: process.env, cwd: input.cwd,
  };
  const target = await loadTarget(input.options, io);
  if (target === 1) return send({ kind: 'failed', message: 'the configuration could not be read on a worker thread' });
  const tally = new CoverageTally(target.inspector);
  const claim = new Int32Array(input.claim);
  let unsent = 0;
  for (let index = Atomics.add(claim, 0, 1); index < input.inputs.length; index = Atomics.add(claim, 0, 1)) {
    try {
      await tallyInput(tally, input.inputs[index]!, index, process.stdin, (lines) => {
        unsent += lines;
        if (unsent >= PROGRESS_EVERY) {
          send({ kind: 'progress', lines: unsent });
          unsent = 0;
        }
      });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      send({ kind: 'input-error', index, message: error.message, hint: error.hint });
    }
  }
  const part = tally.part();
  // The large arrays move to the main thread without a copy.
  port.postMessage({ kind: 'part', digest: target.config.inputsDigest, part } satisfies WorkerMessage, [part.bytes.buffer, part.offsets.buffer, part.order.buffer, part.hashes.buffer, part.classes.buffer, part.requests.buffer, part.missSlots.buffer] as ArrayBuffer[]);
}

if (parentPort) await work(parentPort, workerData as WorkerInput);
