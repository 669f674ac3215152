// The apply journal (spec §4.2 "Resume"): which requests of a plan Cloudflare has accepted, so that
// re-running the same plan sends only the rest. Written atomically after every completion, before
// that completion is counted; a token never enters it (spec §5).
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';

export const JOURNAL_FORMAT_VERSION = 1;

export interface JournalEntry {
  /** Cloudflare's `result.id` for the purge. */
  readonly id: string;
  /** ISO 8601 time the answer arrived. */
  readonly at: string;
}

export interface JournalData {
  readonly format_version: 1;
  readonly plan_id: string;
  /** Keyed by the request's index in `plan.requests`. */
  readonly requests: Readonly<Record<string, JournalEntry>>;
  /** Digest of the state file as this plan's applies left it (for the staleness check, spec §4.2). */
  readonly state_digest?: string;
}

/**
 * Reads a journal. A missing file is an empty journal for `planId`; so is a journal of another
 * plan (the previous apply's), which `replaced` reports. Unknown versions and corrupt files are
 * refused rather than guessed at.
 */
export function readJournal(path: string, planId: string, requestCount: number): { data: JournalData; replaced: string | null } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { data: emptyJournal(planId), replaced: null };
    throw new UserError(`cannot read the apply journal ${path}: ${(error as Error).message}`);
  }
  const corrupt = (why: string): UserError =>
    new UserError(`the apply journal ${path} is corrupt: ${why}`, {
      hint: 'if no apply is running, delete it and re-run: requests it recorded will be sent again (purges are safe to repeat)',
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt('not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.format_version !== JOURNAL_FORMAT_VERSION) {
    throw new UserError(`the apply journal ${path} has an unknown format_version: expected ${JOURNAL_FORMAT_VERSION}, got ${JSON.stringify(record.format_version)}`, {
      hint: 'it was written by another version of purgeplan; use that version, or delete the journal',
    });
  }
  if (typeof record.plan_id !== 'string') throw corrupt('plan_id is missing');
  if (record.plan_id !== planId) return { data: emptyJournal(planId), replaced: record.plan_id };
  if (typeof record.requests !== 'object' || record.requests === null || Array.isArray(record.requests)) throw corrupt('requests is not an object');
  if (record.state_digest !== undefined && typeof record.state_digest !== 'string') throw corrupt('state_digest is not a string');
  const requests: Record<string, JournalEntry> = {};
  for (const [key, entry] of Object.entries(record.requests as Record<string, unknown>)) {
    if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= requestCount) throw corrupt(`request "${key}" is not one of the plan's ${requestCount} requests`);
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.at !== 'string') throw corrupt(`request ${key} needs {id, at}`);
    requests[key] = { id: e.id, at: e.at };
  }
  const data: JournalData = { format_version: 1, plan_id: planId, requests, ...(record.state_digest === undefined ? {} : { state_digest: record.state_digest }) };
  return { data, replaced: null };
}

function emptyJournal(planId: string): JournalData {
  return { format_version: 1, plan_id: planId, requests: {} };
}

export function serializeJournal(data: JournalData): string {
  // Entries in request order, so that the file reads (and diffs) in plan order.
  const keys = Object.keys(data.requests).sort((a, b) => Number(a) - Number(b));
  const requests: Record<string, JournalEntry> = {};
  for (const key of keys) requests[key] = data.requests[key];
  return `${JSON.stringify({ ...data, requests })}\n`;
}

/**
 * Records completions, writing the whole journal atomically. Completions that arrive while a
 * write is pending share it: with a large journal each write costs milliseconds, so the writer
 * leaves a pause of 3x the last write's cost between writes (journaling stays under ~25% of the
 * time) instead of rewriting megabytes for every request. `record` resolves once the entry is on
 * disk; only then may the caller count the request as done.
 */
export class JournalWriter {
  private readonly planId: string;
  private readonly entries: Map<number, JournalEntry>;
  private readonly stateDigest: string | undefined;
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private lastCostMs = 0;

  constructor(
    private readonly path: string,
    initial: JournalData,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> },
  ) {
    this.planId = initial.plan_id;
    this.entries = new Map(Object.entries(initial.requests).map(([key, entry]) => [Number(key), entry]));
    this.stateDigest = initial.state_digest;
  }

  private snapshot(): JournalData {
    const requests: Record<string, JournalEntry> = {};
    for (const [index, entry] of this.entries) requests[String(index)] = entry;
    return { format_version: 1, plan_id: this.planId, requests, ...(this.stateDigest === undefined ? {} : { state_digest: this.stateDigest }) };
  }

  get(index: number): JournalEntry | undefined {
    return this.entries.get(index);
  }

  record(index: number, entry: JournalEntry): Promise<void> {
    this.entries.set(index, entry);
    return this.enqueue();
  }

  private enqueue(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      const pauseMs = Math.min(1_000, 3 * this.lastCostMs);
      const wait = pauseMs > 0 ? this.clock.sleep(pauseMs) : new Promise<void>((resolve) => setImmediate(resolve));
      void wait.then(() => this.flush());
    }
    return done;
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    const startedAt = this.clock.now();
    try {
      writeFileAtomic(this.path, serializeJournal(this.snapshot()));
    } catch (error) {
      const failure = new UserError(`cannot write the apply journal ${this.path}: ${(error as Error).message}`);
      for (const w of waiting) w.reject(failure);
      return;
    }
    this.lastCostMs = Math.max(0, this.clock.now() - startedAt);
    for (const w of waiting) w.resolve();
  }
}
