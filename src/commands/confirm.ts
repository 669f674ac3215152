// The `yes` question of apply without a plan file. Resolves with the answer, or null when the
// user interrupts (Ctrl-C) or stdin ends: either way nothing is sent.
import { createInterface } from 'node:readline';

export function askYes(question: string, write: (text: string) => void, signal: AbortSignal): Promise<string | null> {
  write(question);
  return new Promise((resolveAnswer) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let settled = false;
    const settle = (answer: string | null) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      rl.close();
      resolveAnswer(answer);
    };
    const onAbort = () => settle(null);
    signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => settle(line.trim()));
    rl.once('close', () => settle(signal.aborted ? null : ''));
  });
}
