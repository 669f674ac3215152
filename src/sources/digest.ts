// The content digest of each file of a build (docs/purge-yaml.md, "Groups from the deploy";
// docs/performance.md): SHA-256, of which the first 8 bytes are kept. Files are read in pieces
// into one buffer per reader, so memory grows with the number of files, not their bytes; a
// large build is read on worker threads (one per CPU, at most four), each taking the next batch
// of files when it is done with one (bounded concurrency).
import { availableParallelism } from 'node:os';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DIGEST_BYTES } from '../reconcile/snapshot.js';

export interface Digested {
  /** DIGEST_BYTES per file, in the order given. */
  readonly digests: Uint8Array;
  /** Files that could not be read, with the error's code. */
  readonly unreadable: readonly { readonly index: number; readonly code: string }[];
}

/** Below this many files, threads cost more than they save. */
const THREADED_FROM = 2_000;
const BATCH = 256;
const PIECE = 256 * 1024;

/**
 * The digesting loop, as the source of a worker (which runs it as a script, so the bundle needs
 * no file of its own for it) and in this thread for small builds. O_NONBLOCK: a path that became a
 * pipe since it was listed fails instead of blocking.
 */
const DIGEST_LOOP = `(paths, out, errors, deps) => {
  const { openSync, readSync, closeSync, createHash, flags, piece, bytes } = deps;
  for (let i = 0; i < paths.length; i++) {
    let fd = -1;
    try {
      fd = openSync(paths[i], flags);
      const hash = createHash('sha256');
      let n;
      while ((n = readSync(fd, piece, 0, piece.length, null)) > 0) hash.update(piece.subarray(0, n));
      out.set(hash.digest().subarray(0, bytes), i * bytes);
    } catch (error) {
      errors.push([i, (error && error.code) || 'error']);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
}`;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync, constants } = require('node:fs');
const { createHash } = require('node:crypto');
const digest = ${DIGEST_LOOP};
const deps = { openSync, readSync, closeSync, createHash, flags: constants.O_RDONLY | (constants.O_NONBLOCK || 0), piece: Buffer.allocUnsafe(${PIECE}), bytes: ${DIGEST_BYTES} };
parentPort.on('message', ({ id, paths }) => {
  const out = new Uint8Array(paths.length * ${DIGEST_BYTES});
  const errors = [];
  digest(paths, out, errors, deps);
  parentPort.postMessage({ id, out, errors }, [out.buffer]);
});`;

type DigestLoop = (paths: readonly string[], out: Uint8Array, errors: [number, string][], deps: unknown) => void;

function digestHere(paths: readonly string[]): Digested {
  const loop = new Function(`return ${DIGEST_LOOP}`)() as DigestLoop;
  const out = new Uint8Array(paths.length * DIGEST_BYTES);
  const errors: [number, string][] = [];
  loop(paths, out, errors, { openSync, readSync, closeSync, createHash, flags: constants.O_RDONLY | (constants.O_NONBLOCK ?? 0), piece: Buffer.allocUnsafe(PIECE), bytes: DIGEST_BYTES });
  return { digests: out, unreadable: errors.map(([index, code]) => ({ index, code })) };
}

/** The digests of `paths` (relative to `root`). */
export async function digestFiles(root: string, paths: readonly string[], threads = Math.min(4, availableParallelism())): Promise<Digested> {
  const full = paths.map((path) => join(root, path));
  if (full.length < THREADED_FROM || threads < 2) return digestHere(full);
  const digests = new Uint8Array(full.length * DIGEST_BYTES);
  const unreadable: { index: number; code: string }[] = [];
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      workers.push(worker);
      const send = () => {
        if (next >= full.length) {
          resolve();
          return;
        }
        const start = next;
        next = Math.min(full.length, next + BATCH);
        worker.postMessage({ id: start, paths: full.slice(start, next) });
      };
      worker.on('message', ({ id, out, errors }: { id: number; out: Uint8Array; errors: [number, string][] }) => {
        digests.set(out, id * DIGEST_BYTES);
        for (const [index, code] of errors) unreadable.push({ index: id + index, code });
        send();
      });
      worker.on('error', reject);
      send();
    })));
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  unreadable.sort((a, b) => a.index - b.index);
  return { digests, unreadable };
}
