// Where apply's words go (docs/commands.md "apply"): with --json, stdout carries only events, one
// JSON object a line, and every run ends with a summary event (a refusal too); otherwise text.
import { UserError } from '../errors.js';
import { jsonText } from '../format.js';
import { errorEvent, noteEvent, unsentSummaryEvent } from './events.js';
import type { ApplyEvent, ApplyJsonEvent } from './events.js';
import { createJsonReporter } from './progress.js';

export interface ApplyOutput {
  /** Apply events: JSON lines on stdout with --json; nothing otherwise (the human reporter prints the run). */
  readonly report: (event: ApplyEvent) => void;
  /** A sentence for the user: stdout, or a `note` event with --json. */
  readonly note: (text: string) => void;
  /** The plan shown before asking: stdout, or stderr with --json (stdout carries only events). */
  readonly show: (text: string) => void;
  /** With --json, a refusal before any summary: an `error` event, then the summary that ends every run. */
  readonly refused: (error: unknown) => void;
}

export function applyOutput(json: boolean, write: { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void }): ApplyOutput {
  if (!json) return { report: () => undefined, note: (text) => write.stdout(`${text}\n`), show: (text) => write.stdout(text), refused: () => undefined };
  const emit = (event: ApplyJsonEvent) => write.stdout(`${jsonText(event)}\n`);
  const reporter = createJsonReporter(write.stdout);
  let summarized = false;
  return {
    report: (event) => { if (event.type === 'summary') summarized = true; reporter(event); },
    note: (text) => emit(noteEvent(text)),
    show: (text) => write.stderr(text),
    refused: (error) => {
      if (summarized || !(error instanceof UserError)) return;
      emit(errorEvent(error.message, error.hint));
      emit(unsentSummaryEvent({ ok: false, interrupted: false, requests: 0, error: error.message }));
    },
  };
}
