// File writes that never leave a half-written file: plan files, state and journal (spec §5).
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

export function writeFileAtomic(path: string, data: string): void {
  writeChunksAtomic(path, [data]);
}

/** A file written whole or not at all, from chunks (a plan of millions of items needs no single string). */
export function writeChunksAtomic(path: string, chunks: Iterable<string | Uint8Array>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'w', 0o644);
  try {
    for (const chunk of chunks) {
      if (typeof chunk === 'string') writeSync(fd, chunk);
      else for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    // Never leave the temp file behind (a directory in the way, a read-only target…).
    unlinkSync(temp);
    throw error;
  }
}
