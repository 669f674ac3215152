// The apply journal (docs/commands.md#apply "Resume", docs/purge-yaml.md): which requests of a plan Cloudflare has accepted,
// so that re-running the same plan sends only the rest. One per state file, JSON lines, append-
// only: a line per accepted request, written (and fsynced) before that request is counted, so
// each costs O(1) however long the journal is. Its first line names the plan and what it was
// planned from; once the apply completes, a `complete` line ends it and it can never make a later
// apply skip a request. With `--repurge-after` the same requests are sent twice: a request line
// of the second pass says `"pass": 2`, so an interrupted run resumes the right pass (docs/commands.md, "Apply in
// the deploy's order"). A token never enters it (docs/commands.md).
// Its path is `<state file>.journal`, written through a symbolic link to its target like every
// file purgeplan writes (fsutil.ts).
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync } from 'node:fs';
import { validateJournalLine } from '../artifacts/validate.js';
import { schemaProblem } from '../artifacts/check.js';
import { UserError } from '../errors.js';
import { FileWriteError, makeDirectoryOf, withLinkTarget, writeAll, writeFileAtomic, writeTarget } from '../fsutil.js';
import type { Baseline, GroupDiff, GroupStatus, Plan, PlanSource, RemovedItems, SourceChanges } from '../plan/types.js';

const JOURNAL_FORMAT_VERSION = 2;

export interface JournalEntry {
  /** Cloudflare's `result.id` for the purge. */
  readonly id: string;
  /** ISO 8601 time the answer arrived. */
  readonly at: string;
}

/** The first line: the plan, and the decisions it was made with (to rebuild it without a plan file). */
export interface JournalHeader {
  readonly type: 'plan';
  readonly format_version: 2;
  readonly plan_id: string;
  readonly started_at: string;
  readonly baseline: Baseline;
  readonly state: { readonly path: string; readonly digest: string | null };
  /** The decisions, diffs and lost items included: they are part of the plan (and of its id), and no baseline rebuilds them once the state has moved on (part of the plan was applied). */
  readonly groups: readonly { readonly name: string; readonly zone: string; readonly status: GroupStatus; readonly due: boolean; readonly diff?: GroupDiff; readonly removed_items?: readonly RemovedItems[]; readonly source?: PlanSource; readonly changes?: SourceChanges }[];
  /** The planning flags of the run (an apply without a plan file resumes only when they are the same). */
  readonly options: JournalOptions;
}

export interface JournalOptions {
  readonly all: boolean;
  readonly groups: readonly string[];
  readonly base: string | null;
  /** --ignore-budget (absent: not given). */
  readonly ignore_budget?: true;
}

/** The planning flags of a run as the journal records them. */
export function journalOptions(flags: { readonly all: boolean; readonly groups: readonly string[]; readonly base?: string; readonly ignoreBudget?: boolean }): JournalOptions {
  return { all: flags.all, groups: [...flags.groups], base: flags.base ?? null, ...(flags.ignoreBudget ? { ignore_budget: true as const } : {}) };
}

export interface Journal {
  readonly header: JournalHeader;
  /** Accepted requests by index in `plan.requests` (the first pass). */
  readonly done: ReadonlyMap<number, JournalEntry>;
  /** Requests the second pass (`--repurge-after`) sent again, by index. */
  readonly repurged: ReadonlyMap<number, JournalEntry>;
  /** The state file's digest after this plan's apply last recorded it. */
  readonly stateDigest?: string;
  /** True once the apply sent every request and recorded the state. */
  readonly complete: boolean;
}

/** A journal written by an older purgeplan: not resumable, replaced by the next apply. */
export interface ForeignJournal {
  readonly foreign: string;
}

export function journalHeader(plan: Plan, startedAt: string, options: JournalOptions = { all: false, groups: [], base: null }): JournalHeader {
  return {
    type: 'plan', format_version: JOURNAL_FORMAT_VERSION, plan_id: plan.plan_id, started_at: startedAt,
    baseline: plan.baseline, state: plan.state,
    groups: plan.groups.map((g) => ({ name: g.name, zone: g.zones.join(','), status: g.status, due: g.due, ...(g.diff ? { diff: g.diff } : {}), ...(g.removed_items ? { removed_items: g.removed_items } : {}), ...(g.source ? { source: g.source, changes: g.changes } : {}) })),
    options,
  };
}

/**
 * Reads a journal: null when there is none. A last line cut short (a crash while appending) is
 * ignored: its request was not counted. Anything else malformed is refused rather than guessed at.
 */
export function readJournal(path: string): Journal | ForeignJournal | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read the apply journal ${path}: ${(error as Error).message}`);
  }
  const corrupt = (why: string): UserError =>
    new UserError(`the apply journal ${path} is corrupt: ${why}`, {
      hint: 'if no apply is running, delete it and re-run: requests it recorded will be sent again (purges are safe to repeat)',
    });
  const lines = text.split('\n');
  // A complete journal ends with "\n": whatever follows the last one was being written.
  lines.pop();
  if (lines.length === 0) return null;
  const parsed: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch {
      throw corrupt(`line ${i + 1} is not JSON`);
    }
    if (i === 0 && typeof value === 'object' && value !== null && !('type' in value)) {
      const version = (value as { format_version?: unknown }).format_version;
      if (version === 1) return { foreign: 'written by an older purgeplan' };
      throw new UserError(`the apply journal ${path} has an unknown format_version: expected ${JOURNAL_FORMAT_VERSION}, got ${JSON.stringify(version)}`, {
        hint: 'it was written by another version of purgeplan; use that version, or delete the journal',
      });
    }
    const problem = schemaProblem(validateJournalLine, value);
    if (problem !== null) throw corrupt(`line ${i + 1}: ${problem}`);
    parsed.push(value as Record<string, unknown>);
  }
  const [first, ...rest] = parsed;
  if (first.type !== 'plan') throw corrupt('its first line does not name a plan');
  const done = new Map<number, JournalEntry>();
  const repurged = new Map<number, JournalEntry>();
  let stateDigest: string | undefined;
  let complete = false;
  for (const line of rest) {
    // A line without `pass` was written before passes existed: the first.
    if (line.type === 'request') (line.pass === 2 ? repurged : done).set(line.index as number, { id: line.id as string, at: line.at as string });
    else if (line.type === 'state') stateDigest = line.state_digest as string;
    else if (line.type === 'complete') complete = true;
    else throw corrupt(`a second plan line`);
  }
  return { header: first as unknown as JournalHeader, done, repurged, ...(stateDigest === undefined ? {} : { stateDigest }), complete };
}

export function isJournal(journal: Journal | ForeignJournal | null): journal is Journal {
  return journal !== null && !('foreign' in journal);
}

/**
 * Appends to a journal. `start` replaces whatever journal was there (atomically) with a new one
 * for this plan; `resume` continues one. Every append is fsynced before it resolves: only then
 * may the caller count the request as done. A line is written whole or not at all: a last line
 * cut short (a crash, a full disk) is cut off before the next append, so the journal stays one
 * JSON object a line.
 */
export class JournalWriter {
  private file: JournalFile | null = null;
  /** The first failed append: the journal may hold a partial line, so nothing more is appended. */
  private failure: unknown = null;

  private constructor(private readonly path: string, private readonly entries: Map<number, JournalEntry>, private readonly pass: 1 | 2) {}

  static start(path: string, header: JournalHeader): JournalWriter {
    makeDirectoryOf(path, journalLabel(path));
    writeFileAtomic(path, `${JSON.stringify(header)}\n`, journalLabel(path));
    return new JournalWriter(path, new Map(), 1);
  }

  /** Continues `journal` in `pass`: its entries are what that pass already sent. */
  static resume(path: string, journal: Journal, pass: 1 | 2 = 1): JournalWriter {
    return new JournalWriter(path, new Map(pass === 2 ? journal.repurged : journal.done), pass);
  }

  get(index: number): JournalEntry | undefined {
    return this.entries.get(index);
  }

  record(index: number, entry: JournalEntry): Promise<void> {
    try {
      // A first-pass line is written as before passes existed; a second-pass line says so.
      this.append({ type: 'request', index, id: entry.id, at: entry.at, ...(this.pass === 2 ? { pass: 2 } : {}) });
    } catch (error) {
      return Promise.reject(error);
    }
    this.entries.set(index, entry);
    return Promise.resolve();
  }

  close(): void {
    this.file?.close();
    this.file = null;
  }

  private append(line: Record<string, unknown>): void {
    if (this.failure !== null) throw this.failure;
    try {
      this.file ??= JournalFile.open(this.path);
      this.file.append(line);
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }
}

function journalLabel(path: string): string {
  return `the apply journal ${path}`;
}

/** An open journal: appends go after its last complete line. */
class JournalFile {
  private constructor(private readonly fd: number, private readonly label: string, private size: number) {}

  static open(path: string): JournalFile {
    const target = writeTarget(path, journalLabel(path));
    const label = withLinkTarget(path, target, journalLabel(path));
    let fd: number;
    try {
      // Never created here: a journal starts with its plan line (JournalWriter.start).
      fd = openSync(target, constants.O_RDWR | constants.O_APPEND);
    } catch (error) {
      throw FileWriteError.of(label, error);
    }
    try {
      return new JournalFile(fd, label, dropPartialLine(fd));
    } catch (error) {
      closeSync(fd);
      throw FileWriteError.of(label, error);
    }
  }

  append(line: Record<string, unknown>): void {
    try {
      writeAll(this.fd, Buffer.from(`${JSON.stringify(line)}\n`, 'utf8'));
      fsyncSync(this.fd);
    } catch (error) {
      // Take back what part of the line was written, if the file system lets us.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // The next open cuts it off instead.
      }
      throw FileWriteError.of(this.label, error);
    }
    this.size = fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Cuts the file after its last "\n" (a line the last writer did not finish); returns the new size. */
function dropPartialLine(fd: number): number {
  const size = fstatSync(fd).size;
  const block = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const read = readSync(fd, block, 0, end - start, start);
    const newline = block.subarray(0, read).lastIndexOf(0x0a);
    if (newline !== -1) {
      const keep = start + newline + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return keep;
    }
    end = start;
  }
  if (size > 0) ftruncateSync(fd, 0);
  return 0;
}

function appendOnce(path: string, line: Record<string, unknown>): void {
  const file = JournalFile.open(path);
  try {
    file.append(line);
  } finally {
    file.close();
  }
}

/** After the state is written: its digest (a re-run of this plan is not stale because of it). */
export function journalState(path: string, digest: string): void {
  appendOnce(path, { type: 'state', state_digest: digest });
}

/** Every request sent and the state recorded: this journal will never make an apply skip. */
export function journalComplete(path: string, at: string): void {
  appendOnce(path, { type: 'complete', at });
}
