// The apply journal and the lock (docs/commands.md#apply "Resume", docs/commands.md).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import { isJournal, journalComplete, JournalWriter, journalState, readJournal } from '../src/apply/journal.js';
import type { Journal, JournalHeader } from '../src/apply/journal.js';
import type { LockContext } from '../src/apply/lock.js';
import { acquireLock } from '../src/apply/lock.js';

const PLAN = 'sha256:' + 'a'.repeat(64);
const root = mkdtempSync(join(tmpdir(), 'purgeplan-apply-'));
after(() => rmSync(root, { recursive: true, force: true }));
const tmp = (): string => mkdtempSync(join(root, 'case-'));

const HEADER: JournalHeader = {
  type: 'plan', format_version: 2, plan_id: PLAN, started_at: '2026-10-01T00:00:00.000Z', baseline: { kind: 'none' },
  state: { path: '.purgeplan/state.json', digest: null }, groups: [{ name: 'posts', zone: 'www', status: 'new', due: true }],
  options: { all: false, groups: [], base: null },
};
const loaded = (path: string): Journal => {
  const journal = readJournal(path);
  assert.ok(isJournal(journal));
  return journal;
};

describe('journal (JSON lines, append-only)', () => {
  it('a missing journal reads as none', () => {
    assert.equal(readJournal(join(tmp(), 'state.json.journal')), null);
  });

  it('starts with the plan line, appends one line per request, and reads them back', async () => {
    const path = join(tmp(), 'sub', 'state.json.journal');
    const writer = JournalWriter.start(path, HEADER);
    await writer.record(10, { id: 'id10', at: '2026-10-01T00:00:00.000Z' });
    const before = readFileSync(path, 'utf8');
    await writer.record(2, { id: 'id2', at: '2026-10-01T00:00:01.000Z' });
    writer.close();
    const after = readFileSync(path, 'utf8');
    assert.ok(after.startsWith(before), 'an append never rewrites what was there');
    assert.equal(after.split('\n').length, 4);
    assert.deepEqual(readdirSync(join(path, '..')), ['state.json.journal'], 'no temp file left behind');
    const journal = loaded(path);
    assert.deepEqual(journal.header, HEADER);
    assert.deepEqual([...journal.done], [[10, { id: 'id10', at: '2026-10-01T00:00:00.000Z' }], [2, { id: 'id2', at: '2026-10-01T00:00:01.000Z' }]]);
    assert.equal(journal.complete, false);
  });

  it('a state line and a complete line end an apply', () => {
    const path = join(tmp(), 'state.json.journal');
    JournalWriter.start(path, HEADER).close();
    journalState(path, `sha256:${'b'.repeat(64)}`);
    journalComplete(path, '2026-10-01T00:01:00.000Z');
    const journal = loaded(path);
    assert.equal(journal.stateDigest, `sha256:${'b'.repeat(64)}`);
    assert.equal(journal.complete, true);
  });

  it('a resumed journal keeps its entries and appends after them', async () => {
    const path = join(tmp(), 'state.json.journal');
    const first = JournalWriter.start(path, HEADER);
    await first.record(0, { id: 'a', at: 't' });
    first.close();
    const second = JournalWriter.resume(path, loaded(path));
    assert.equal(second.get(0)?.id, 'a');
    await second.record(1, { id: 'b', at: 't' });
    second.close();
    assert.deepEqual([...loaded(path).done.keys()], [0, 1]);
  });

  it('a last line cut short by a crash is ignored: that request was never counted', () => {
    const path = join(tmp(), 'state.json.journal');
    writeFileSync(path, `${JSON.stringify(HEADER)}\n{"type":"request","index":0,"id":"a","at":"t"}\n{"type":"requ`);
    assert.deepEqual([...loaded(path).done.keys()], [0]);
  });

  it('a line cut short is cut off before the next append, by a resumed writer and by the closing lines', async () => {
    for (const partial of ['{"type":"requ', '{', '{"type":"request","index":1,"id":"ü']) {
      const path = join(tmp(), 'state.json.journal');
      const whole = `${JSON.stringify(HEADER)}\n{"type":"request","index":0,"id":"a","at":"t"}\n`;
      writeFileSync(path, `${whole}${partial}`);
      const writer = JournalWriter.resume(path, loaded(path));
      await writer.record(1, { id: 'b', at: 't' });
      writer.close();
      assert.equal(readFileSync(path, 'utf8'), `${whole}{"type":"request","index":1,"id":"b","at":"t"}\n`);
      writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"sta`);
      journalState(path, `sha256:${'b'.repeat(64)}`);
      writeFileSync(path, `${readFileSync(path, 'utf8')}{"ty`);
      journalComplete(path, 't');
      const journal = loaded(path);
      assert.deepEqual([...journal.done.keys()], [0, 1]);
      assert.equal(journal.complete, true);
      assert.ok(readFileSync(path, 'utf8').split('\n').slice(0, -1).every((line) => JSON.parse(line) !== null));
    }
  });

  it('a journal that is gone is not recreated by an append (it would lack its plan line)', () => {
    const path = join(tmp(), 'state.json.journal');
    assert.throws(() => journalComplete(path, 't'), (error: unknown) => error instanceof UserError && /cannot write the apply journal .*no such file/.test(error.message));
    assert.equal(existsSync(path), false);
  });

  it('a journal of an older purgeplan (one JSON object) is not resumable', () => {
    const path = join(tmp(), 'journal.json');
    writeFileSync(path, `${JSON.stringify({ format_version: 1, plan_id: PLAN, requests: { '0': { id: 'a', at: 'b' } } })}\n`);
    const journal = readJournal(path);
    assert.ok(journal !== null && 'foreign' in journal);
  });

  it('refuses an unknown format_version with "expected 2, got 3"', () => {
    const path = join(tmp(), 'state.json.journal');
    writeFileSync(path, `${JSON.stringify({ format_version: 3, plan_id: PLAN })}\n`);
    assert.throws(() => readJournal(path), (error: unknown) => error instanceof UserError && /expected 2, got 3/.test(error.message));
  });

  for (const [name, text, pattern] of [
    ['a line that is not JSON', `${JSON.stringify(HEADER)}\n{"type":\n{"type":"complete","at":"t"}\n`, /line 2 is not JSON/],
    ['an entry without id', `${JSON.stringify(HEADER)}\n{"type":"request","index":0,"at":"t"}\n`, /line 2: id is missing/],
    ['a negative index', `${JSON.stringify(HEADER)}\n{"type":"request","index":-1,"id":"a","at":"t"}\n`, /line 2: index/],
    ['no plan line first', '{"type":"request","index":0,"id":"a","at":"t"}\n', /first line/],
  ] as const) {
    it(`refuses a corrupt journal: ${name}`, () => {
      const path = join(tmp(), 'state.json.journal');
      writeFileSync(path, text);
      assert.throws(() => readJournal(path), (error: unknown) => error instanceof UserError && /is corrupt/.test(error.message) && pattern.test(error.message) && /delete it/.test(error.hint ?? ''));
    });
  }

  it('a write failure is a UserError', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    assert.throws(() => JournalWriter.start(join(dir, 'file', 'state.json.journal'), HEADER));
  });
});

describe('lock', () => {
  const context = (overrides: Partial<LockContext> = {}): LockContext => ({ pid: 4242, host: 'ci-1', now: () => Date.parse('2026-10-01T08:00:00Z'), isAlive: () => true, ...overrides });

  it('holds {pid, host, started_at} and is released', () => {
    const path = join(tmp(), 'apply.lock');
    const lock = acquireLock(path, context());
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { pid: 4242, host: 'ci-1', started_at: '2026-10-01T08:00:00.000Z' });
    lock.release();
    lock.release();
    assert.equal(existsSync(path), false);
  });

  it('a second apply fails naming the owner', () => {
    const path = join(tmp(), 'apply.lock');
    acquireLock(path, context());
    assert.throws(() => acquireLock(path, context({ pid: 1 })), (error: unknown) =>
      error instanceof UserError && /another apply is running/.test(error.message) && /pid 4242 on ci-1, since 2026-10-01T08:00:00.000Z/.test(error.message));
  });

  it('a lock path that is a symbolic link locks the file it leads to; the link stays', () => {
    const dir = realpathSync(tmp());
    const path = join(dir, 'apply.lock');
    symlinkSync('volume.lock', path);
    const lock = acquireLock(path, context());
    assert.ok(lstatSync(path).isSymbolicLink());
    assert.equal(JSON.parse(readFileSync(join(dir, 'volume.lock'), 'utf8')).pid, 4242);
    assert.throws(() => acquireLock(path, context({ pid: 1 })), (error: unknown) =>
      error instanceof UserError && /another apply is running/.test(error.message) && error.hint!.includes(`rm ${join(dir, 'volume.lock')}`));
    lock.release();
    assert.equal(existsSync(join(dir, 'volume.lock')), false);
    assert.ok(lstatSync(path).isSymbolicLink());
  });

  it('a lock whose pid is dead on this host is taken over, naming the dead owner', () => {
    const path = join(tmp(), 'apply.lock');
    acquireLock(path, context());
    const lock = acquireLock(path, context({ pid: 1, isAlive: () => false }));
    assert.deepEqual(lock.tookOverFrom, { pid: 4242, host: 'ci-1', started_at: '2026-10-01T08:00:00.000Z' });
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, 1);
    lock.release();
    assert.equal(existsSync(path), false);
  });

  it('a lock of another host is never judged stale from here', () => {
    const path = join(tmp(), 'apply.lock');
    acquireLock(path, context({ host: 'ci-2' }));
    assert.throws(() => acquireLock(path, context({ isAlive: () => false })), /another apply is running/);
  });

  it('an unreadable lock file is reported with how to remove it', () => {
    const path = join(tmp(), 'apply.lock');
    writeFileSync(path, '{"pid":');
    assert.throws(() => acquireLock(path, context()), (error: unknown) => error instanceof UserError && /owner could not be read/.test(error.message) && /rm /.test(error.hint ?? ''));
  });

  it('the real process check: a dead pid of this host is taken over, our own live one is not', () => {
    const path = join(tmp(), 'apply.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: (acquireLock(join(tmp(), 'probe.lock')).owner.host), started_at: 'x' }));
    const lock = acquireLock(path);
    assert.equal(lock.tookOverFrom?.pid, 2 ** 22 + 12345);
    assert.throws(() => acquireLock(path), /another apply is running/);
    lock.release();
  });

  it('release leaves a lock that is no longer ours', () => {
    const path = join(tmp(), 'apply.lock');
    const lock = acquireLock(path, context());
    writeFileSync(path, JSON.stringify({ pid: 9, host: 'other', started_at: 'x' }));
    lock.release();
    assert.ok(existsSync(path));
  });
});
