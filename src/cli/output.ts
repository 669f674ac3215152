// Output streams that fail while a command runs (docs/commands.md): a reader that left early, or a
// disk that is full.
import { describeFsError } from '../fsutil.js';

/**
 * A reader that closed the pipe early is not an error. A command that only prints
 * (`purgeplan plan --json | head`) ends there, quietly; one that changes something (apply's
 * purges, journal and state; a comment; a formatted file) stops writing to the closed stream and
 * finishes its work, with its own exit code. Output that could not be written for another reason
 * (`> file` on a full disk) is an error naming the stream: at once for a command that only
 * prints, after the work for one that changes something.
 */
let finishWhenOutputFails = false;
let lostOutput: string | null = null;
export function finishing(): void {
  finishWhenOutputFails = true;
}

export function watchOutput(stream: NodeJS.WriteStream, name: 'stdout' | 'stderr'): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    const closedEarly = error.code === 'EPIPE';
    if (finishWhenOutputFails) {
      if (!closedEarly) lostOutput ??= `cannot write to ${name}: ${describeFsError(error)}`;
      return;
    }
    if (closedEarly) process.exit(process.exitCode ?? 0);
    if (name === 'stdout' && !process.stderr.destroyed) process.stderr.write(`error: cannot write to stdout: ${describeFsError(error)}\n`);
    process.exit(1);
  });
}

/** What could not be written (other than to a reader that left), for a command that finished its work; null when nothing was lost. */
export function outputLost(): string | null {
  return lostOutput;
}
