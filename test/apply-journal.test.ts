// The apply journal and the lock (spec §4.2 "Resume", §5).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import { JournalWriter, readJournal, serializeJournal } from '../src/apply/journal.js';
import type { LockContext } from '../src/apply/lock.js';
import { acquireLock } from '../src/apply/lock.js';

const PLAN = 'sha256:' + 'a'.repeat(64);
const root = mkdtempSync(join(tmpdir(), 'purgeplan-apply-'));
after(() => rmSync(root, { recursive: true, force: true }));
const tmp = (): string => mkdtempSync(join(root, 'case-'));
const clock = { now: () => 0, sleep: async () => {} };

describe('journal', () => {
  it('a missing journal is an empty one for this plan', () => {
    const { data, replaced } = readJournal(join(tmp(), 'journal.json'), PLAN, 3);
    assert.deepEqual(data, { format_version: 1, plan_id: PLAN, requests: {} });
    assert.equal(replaced, null);
  });

  it('records entries atomically, in request order, and reads them back', async () => {
    const path = join(tmp(), 'sub', 'journal.json');
    const writer = new JournalWriter(path, readJournal(path, PLAN, 12).data, clock);
    await Promise.all([
      writer.record(10, { id: 'id10', at: '2026-10-01T00:00:00.000Z' }),
      writer.record(2, { id: 'id2', at: '2026-10-01T00:00:01.000Z' }),
    ]);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.indexOf('"2"') < text.indexOf('"10"'), 'entries in request order');
    assert.deepEqual(readdirSync(join(path, '..')), ['journal.json'], 'no temp file left behind');
    const { data } = readJournal(path, PLAN, 12);
    assert.deepEqual(data, {
      format_version: 1,
      plan_id: PLAN,
      requests: { '2': { id: 'id2', at: '2026-10-01T00:00:01.000Z' }, '10': { id: 'id10', at: '2026-10-01T00:00:00.000Z' } },
    });
  });

  it('keeps the state digest a previous apply of this plan left', async () => {
    const path = join(tmp(), 'journal.json');
    writeFileSync(path, serializeJournal({ format_version: 1, plan_id: PLAN, requests: {}, state_digest: 'sha256:state' }));
    const writer = new JournalWriter(path, readJournal(path, PLAN, 2).data, clock);
    await writer.record(1, { id: 'b', at: 'c' });
    assert.equal(readJournal(path, PLAN, 2).data.state_digest, 'sha256:state');
  });

  it('record resolves only once the entry is on disk', async () => {
    const path = join(tmp(), 'journal.json');
    const writer = new JournalWriter(path, readJournal(path, PLAN, 1).data, clock);
    const recorded = writer.record(0, { id: 'x', at: 'now' });
    assert.equal(existsSync(path), false, 'not written synchronously');
    await recorded;
    assert.equal(readJournal(path, PLAN, 1).data.requests['0'].id, 'x');
  });

  it('refuses an unknown format_version with "expected 1, got 2"', () => {
    const path = join(tmp(), 'journal.json');
    writeFileSync(path, JSON.stringify({ format_version: 2, plan_id: PLAN, requests: {} }));
    assert.throws(() => readJournal(path, PLAN, 1), (error: unknown) => error instanceof UserError && /expected 1, got 2/.test(error.message));
  });

  for (const [name, text, pattern] of [
    ['not JSON', '{"format_version":1,', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['requests not an object', JSON.stringify({ format_version: 1, plan_id: PLAN, requests: [] }), /requests is not an object/],
    ['an entry without id', JSON.stringify({ format_version: 1, plan_id: PLAN, requests: { '0': { at: 'x' } } }), /request 0 needs \{id, at\}/],
    ['an index beyond the plan', JSON.stringify({ format_version: 1, plan_id: PLAN, requests: { '5': { id: 'a', at: 'b' } } }), /not one of the plan's 2 requests/],
    ['a non-numeric index', JSON.stringify({ format_version: 1, plan_id: PLAN, requests: { '01': { id: 'a', at: 'b' } } }), /"01"/],
  ] as const) {
    it(`refuses a corrupt journal: ${name}`, () => {
      const path = join(tmp(), 'journal.json');
      writeFileSync(path, text);
      assert.throws(() => readJournal(path, PLAN, 2), (error: unknown) => error instanceof UserError && /is corrupt/.test(error.message) && pattern.test(error.message) && /delete it/.test(error.hint ?? ''));
    });
  }

  it('a journal of another plan is replaced, and says so', () => {
    const path = join(tmp(), 'journal.json');
    writeFileSync(path, serializeJournal({ format_version: 1, plan_id: 'sha256:other', requests: { '0': { id: 'a', at: 'b' } } }));
    const { data, replaced } = readJournal(path, PLAN, 1);
    assert.deepEqual(data.requests, {});
    assert.equal(replaced, 'sha256:other');
  });

  it('a write failure rejects every waiting record with a UserError', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    const writer = new JournalWriter(join(dir, 'file', 'journal.json'), readJournal(join(dir, 'none.json'), PLAN, 1).data, clock);
    await assert.rejects(writer.record(0, { id: 'x', at: 'y' }), (error: unknown) => error instanceof UserError && /cannot write the apply journal/.test(error.message));
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

  it('a lock whose pid is dead on this host is reported stale, with its owner and how to remove it', () => {
    const path = join(tmp(), 'apply.lock');
    acquireLock(path, context());
    assert.throws(() => acquireLock(path, context({ pid: 1, isAlive: () => false })), (error: unknown) =>
      error instanceof UserError && /stale lock/.test(error.message) && /pid 4242 on ci-1/.test(error.message) && error.hint === `if no apply is running, remove it: rm ${path}`);
    assert.ok(existsSync(path), 'a stale lock is reported, not removed');
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

  it('the real process check: our own pid is alive, a dead pid is stale', () => {
    const path = join(tmp(), 'apply.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: (acquireLock(join(tmp(), 'probe.lock')).owner.host), started_at: 'x' }));
    assert.throws(() => acquireLock(path), /stale lock/);
  });

  it('release leaves a lock that is no longer ours', () => {
    const path = join(tmp(), 'apply.lock');
    const lock = acquireLock(path, context());
    writeFileSync(path, JSON.stringify({ pid: 9, host: 'other', started_at: 'x' }));
    lock.release();
    assert.ok(existsSync(path));
  });
});
