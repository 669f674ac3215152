// `coverage --logs` over several files (docs/coverage.md#directories-in-parallel): one worker thread
// per CPU (node:worker_threads), each claiming files in turn and tallying them with its own copy
// of the target, and the tallies added up here. A tally counts entries by key, so their sum is
// what reading the files one by one counts; skipped lines are kept in input order.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { CoverageTally } from '../inspect/coverage.js';
import type { TallyPart } from '../inspect/coverage.js';
import type { LogInput } from '../inspect/logfiles.js';
import type { Target, TargetOptions } from './inspect-target.js';

export type WorkerMessage =
  | { readonly kind: 'progress'; readonly lines: number }
  | { readonly kind: 'input-error'; readonly index: number; readonly message: string; readonly hint: string | undefined }
  | { readonly kind: 'part'; readonly digest: string; readonly part: TallyPart }
  | { readonly kind: 'failed'; readonly message: string };

/** The worker's module, beside this one (found from dist/bin too: scripts/bundle.mjs). */
const WORKER = new URL('../../src/commands/coverage-worker.js', import.meta.url);

/** How many threads read `inputs`: `--threads`, else one per CPU; no more than there are files; stdin is read on the main thread. */
export function workerCount(inputs: readonly LogInput[], threads: number | undefined): number {
  return inputs.some((input) => input.path === null) ? 1 : Math.min(threads ?? availableParallelism(), inputs.length);
}

export interface ParallelRead {
  readonly tally: CoverageTally;
  /** Inputs that could not be read, by their number. */
  readonly errors: ReadonlyMap<number, UserError>;
}

/** Tallies `inputs` on `threads` worker threads; `progress` gets the lines read as they are. */
export async function tallyInParallel(options: TargetOptions, cwd: string, target: Target, inputs: readonly LogInput[], threads: number, progress: (lines: number) => void): Promise<ParallelRead> {
  const tally = new CoverageTally(target.inspector);
  const errors = new Map<number, UserError>();
  const claim = new SharedArrayBuffer(4);
  // The build and sitemap groups go as the main thread read them: a worker never lists or digests a build again.
  const data = { options: { config: options.config, configGiven: options.configGiven, plan: options.plan, base: options.base, state: options.state, cacheKey: options.cacheKey, ...(target.sources ? { sources: target.sources } : {}) }, cwd, inputs, claim };
  const workers: Worker[] = [];
  const finished = Array.from({ length: threads }, () => new Promise<TallyPart>((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: data, stdin: false });
    workers.push(worker);
    let part: TallyPart | undefined;
    worker.on('message', (message: WorkerMessage) => {
      switch (message.kind) {
        case 'progress': return progress(message.lines);
        case 'input-error': return void errors.set(message.index, new UserError(message.message, message.hint === undefined ? {} : { hint: message.hint }));
        case 'failed': return reject(new UserError(message.message));
        case 'part':
          if (message.digest !== target.config.inputsDigest) return reject(new UserError(`${target.config.file} changed while the logs were read: run coverage again`));
          part = message.part;
          return undefined;
        default: {
          const never: never = message;
          return reject(new Error(`unexpected message from a coverage worker: ${JSON.stringify(never)}`));
        }
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (part !== undefined ? resolve(part) : reject(new Error(`a coverage worker stopped (exit code ${code}) before it finished`))));
  }));
  let parts: TallyPart[];
  try {
    parts = await Promise.all(finished);
  } catch (error) {
    // The others would keep the process alive reading files nobody waits for.
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  tally.absorb(parts);
  return { tally, errors };
}
