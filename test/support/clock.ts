// Clocks for tests: time that moves only when a test, or the code under test by sleeping, moves it,
// so that pacing, retry waits and rate limits are asserted on what was decided, never on how fast
// the machine was. Shaped like the clocks the code takes (`now()` in ms, `sleep(ms, signal)` that
// resolves early without throwing when the signal aborts), and like a stand-in's (`now()` only).

/** An epoch on a whole second, so that HTTP dates (whole seconds) derived from it are exact. */
export const TEST_EPOCH = Date.UTC(2026, 0, 1);

interface TestClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

interface Sleeper {
  readonly wakeAt: number;
  readonly order: number;
  readonly resolve: () => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** Sleepers woken in time order (ties in the order they fell asleep); every sleep a clock was asked for is kept. */
abstract class SleeperQueue implements TestClock {
  protected time: number;
  private readonly start: number;
  private readonly sleepers: Sleeper[] = [];
  private order = 0;
  /** Every `sleep(ms)` asked of this clock, in order: what the code under test decided to wait. */
  readonly sleeps: number[] = [];

  constructor(start = TEST_EPOCH) {
    this.time = start;
    this.start = start;
  }

  now(): number {
    return this.time;
  }

  /** Time since the clock started (ms). */
  elapsed(): number {
    return this.time - this.start;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        wakeAt: this.time + Math.max(0, ms), order: this.order++, resolve, signal,
        onAbort: () => {
          this.remove(sleeper);
          resolve();
          this.changed();
        },
      };
      signal?.addEventListener('abort', sleeper.onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
      this.changed();
    });
  }

  /** How many sleeps are pending. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** The earliest wake time, or undefined when nobody sleeps. */
  protected nextWake(): number | undefined {
    return this.sleepers[0]?.wakeAt;
  }

  /** Moves time to the earliest sleeper's wake time (never back) and wakes it. */
  protected wakeEarliest(): void {
    const sleeper = this.sleepers.shift();
    if (sleeper === undefined) return;
    sleeper.signal?.removeEventListener('abort', sleeper.onAbort);
    this.time = Math.max(this.time, sleeper.wakeAt);
    sleeper.resolve();
  }

  private remove(sleeper: Sleeper): void {
    const index = this.sleepers.indexOf(sleeper);
    if (index !== -1) this.sleepers.splice(index, 1);
  }

  /** A sleeper was added or removed. */
  protected changed(): void {}
}

/** Lets the code woken by a sleeper run (its promise continuations and any I/O it starts) before going on. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Time moves only by `advance`: for a stand-in's own limits and delays, driven step by step by a test. */
export class ManualClock extends SleeperQueue {
  /**
   * Moves time forward by `ms`, waking each sleeper due by then at its own wake time, in order, and
   * letting what it wakes run before the next.
   */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (let next = this.nextWake(); next !== undefined && next <= until; next = this.nextWake()) {
      this.wakeEarliest();
      await turn();
      await turn();
    }
    this.time = until;
  }
}

interface VirtualClockOptions {
  /**
   * True while work that takes no virtual time is under way (a request in flight, an answer not yet
   * handled): sleepers wait for it. Call `settle()` whenever its answer may have changed.
   */
  readonly busy: () => boolean;
  /** Event-loop turns that must pass with nothing busy before the earliest sleeper wakes. Default 3. */
  readonly settleTurns?: number;
}

/**
 * Virtual time for code under test that also does real I/O (applyPlan against a loopback
 * stand-in): I/O takes no virtual time, and time jumps to the earliest sleeper's wake time once
 * nothing is busy. So a run paced at 5 requests a second takes 800 virtual ms for 4 paced
 * requests whatever the machine's load, and a stand-in on the same clock sees them 200 ms apart.
 */
export class VirtualClock extends SleeperQueue {
  private readonly busy: () => boolean;
  private readonly settleTurns: number;
  private scheduled = false;
  private quietTurns = 0;

  constructor(options: VirtualClockOptions, start = TEST_EPOCH) {
    super(start);
    this.busy = options.busy;
    this.settleTurns = options.settleTurns ?? 3;
  }

  /** Something the `busy` predicate reads has changed: look again on the next turn. */
  settle(): void {
    this.quietTurns = 0;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.check());
  }

  protected override changed(): void {
    this.settle();
  }

  private check(): void {
    this.scheduled = false;
    if (this.sleeping === 0 || this.busy()) {
      this.quietTurns = 0;
      return;
    }
    if (++this.quietTurns < this.settleTurns) {
      this.scheduled = true;
      setImmediate(() => this.check());
      return;
    }
    this.quietTurns = 0;
    this.wakeEarliest();
    this.settle();
  }
}

/**
 * Resolves true once `predicate` holds, looking again after each event-loop turn (e.g. until a
 * stand-in holds a request); false after `maxTurns` turns without it (turns, not time: a loaded
 * machine runs fewer of them, it does not skip any). Default: no limit.
 */
export async function until(predicate: () => boolean, maxTurns = Infinity): Promise<boolean> {
  for (let turns = 0; !predicate(); turns++) {
    if (turns >= maxTurns) return false;
    await turn();
  }
  return true;
}
