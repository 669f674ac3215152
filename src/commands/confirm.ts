// The `yes` question of apply without a plan file (and of apply --record-only). Resolves with the answer, or null when the
// user interrupts (Ctrl-C) or stdin ends: either way nothing is sent.
import { createInterface } from 'node:readline';
import { unsentSummaryEvent } from '../apply/events.js';
import type { ApplyOutput } from '../apply/output.js';
import type { Plan } from '../plan/types.js';
import type { Io } from './io.js';

function askYes(question: string, write: (text: string) => void, signal: AbortSignal): Promise<string | null> {
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

/** Asks `yes` on the terminal; null when approved, else the exit code (1 not approved, 130 interrupted). */
export async function confirm(plan: Plan, mode: { json: boolean; recordOnly?: boolean }, io: Io, output: ApplyOutput, signal: AbortSignal): Promise<number | null> {
  const { json } = mode;
  const question = mode.recordOnly
    ? `\nDo you want to record these groups as purged, without purging them (--record-only)?\n  purgeplan will send nothing, and the next plan will compare with what is shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `
    : `\nDo you want to send these purges?\n  purgeplan will purge exactly what is shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `;
  const answer = await askYes(question, json ? io.stderr : io.stdout, signal);
  if (answer === 'yes') {
    if (!json) io.stdout('\n');
    return null;
  }
  if (json) output.report(unsentSummaryEvent({ ok: false, interrupted: answer === null, cancelled: true, requests: plan.requests.length }));
  else io.stdout(`\nApply cancelled (${answer === null ? 'interrupted' : 'not approved'}): nothing was ${mode.recordOnly ? 'recorded or ' : ''}sent.\n`);
  return answer === null ? 130 : 1;
}
