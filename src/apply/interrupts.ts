// Ctrl-C during apply (docs/commands.md "apply"): a clean stop, resumed by running the same command again.

/** Ctrl-C (or SIGTERM): the first stops new requests and waits up to a second for those in flight; a second stops at once. */
export class Interrupts {
  private readonly soft = new AbortController();
  private readonly hard = new AbortController();
  private readonly handler = () => {
    if (!this.soft.signal.aborted) {
      this.warn('\nInterrupted: no new requests; finishing those in flight (at most a second), then saving. (Ctrl-C again to stop at once.)\n');
      this.soft.abort();
    } else {
      this.hard.abort();
    }
  };

  /** `also`: another source of Ctrl-C (a test's), handled as the signals are. */
  constructor(private readonly warn: (text: string) => void, private readonly also?: AbortSignal) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    also?.addEventListener('abort', this.handler, { once: true });
  }

  get signal(): AbortSignal {
    return this.soft.signal;
  }

  get hardSignal(): AbortSignal {
    return this.hard.signal;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    this.also?.removeEventListener('abort', this.handler);
  }
}
