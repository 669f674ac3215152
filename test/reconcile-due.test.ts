import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../src/reconcile/due.js';
import type { BaselineGroup, CurrentGroup, Decision } from '../src/reconcile/due.js';
import { UserError } from '../src/errors.js';

const items = ['https://www.example.com/a', 'https://www.example.com/b'];

function current(overrides: Partial<CurrentGroup> = {}): CurrentGroup {
  return { name: 'posts', zone: 'www', fingerprint: 'sha256:f1', revision: 1, items, ...overrides };
}

function recorded(overrides: Partial<BaselineGroup> = {}): BaselineGroup {
  return { zone: 'www', fingerprint: 'sha256:f1', revision: 1, items, ...overrides };
}

function baselineOf(entries: Record<string, BaselineGroup>): Map<string, BaselineGroup> {
  return new Map(Object.entries(entries));
}

function statuses(decisions: readonly Decision[]): [string, string, boolean][] {
  return decisions.map((decision) => [decision.name, decision.status, decision.due]);
}

describe('decide: one group against its baseline record (docs/commands.md)', () => {
  const rows: { rule: string; now: Partial<CurrentGroup>; before: Partial<BaselineGroup> | null; status: string; due: boolean }[] = [
    { rule: 'absent from the baseline -> new', now: {}, before: null, status: 'new', due: true },
    { rule: 'fingerprint differs -> changed', now: { fingerprint: 'sha256:f2' }, before: {}, status: 'changed', due: true },
    { rule: 'zone differs -> changed', now: { zone: 'static' }, before: {}, status: 'changed', due: true },
    { rule: 'revision differs -> revised', now: { revision: 2 }, before: {}, status: 'revised', due: true },
    { rule: 'watch digest differs -> content', now: { watch_digest: 'sha256:w2' }, before: { watch_digest: 'sha256:w1' }, status: 'content', due: true },
    { rule: 'gained watch -> content', now: { watch_digest: 'sha256:w1' }, before: {}, status: 'content', due: true },
    { rule: 'lost watch -> content', now: {}, before: { watch_digest: 'sha256:w1' }, status: 'content', due: true },
    { rule: 'nothing differs -> unchanged', now: { watch_digest: 'sha256:w1' }, before: { watch_digest: 'sha256:w1' }, status: 'unchanged', due: false },
    {
      rule: 'changed wins over revised and content',
      now: { fingerprint: 'sha256:f2', revision: 2, watch_digest: 'sha256:w2' },
      before: { watch_digest: 'sha256:w1' },
      status: 'changed',
      due: true,
    },
    { rule: 'revised wins over content', now: { revision: 3, watch_digest: 'sha256:w2' }, before: { watch_digest: 'sha256:w1' }, status: 'revised', due: true },
  ];
  for (const row of rows) {
    it(row.rule, () => {
      const baseline = row.before === null ? baselineOf({ other: recorded() }) : baselineOf({ posts: recorded(row.before) });
      const [decision] = decide([current(row.now)], baseline, {});
      assert.equal(decision.name, 'posts');
      assert.equal(decision.status, row.status);
      assert.equal(decision.due, row.due);
      if (row.status !== 'changed') assert.equal(decision.diff, undefined);
    });
  }
});

describe('decide: the baseline as a whole', () => {
  const groups = [current({ name: 'posts' }), current({ name: 'home', fingerprint: 'sha256:h' })];

  it('no baseline: every group is new and due', () => {
    assert.deepEqual(statuses(decide(groups, null, {})), [
      ['posts', 'new', true],
      ['home', 'new', true],
    ]);
  });

  it('--all: every group is new and due, and nothing is listed as removed', () => {
    const baseline = baselineOf({ posts: recorded(), home: recorded({ fingerprint: 'sha256:h' }), gone: recorded() });
    assert.deepEqual(statuses(decide(groups, baseline, { all: true })), [
      ['posts', 'new', true],
      ['home', 'new', true],
    ]);
  });

  it('an empty baseline: every group is new', () => {
    assert.deepEqual(statuses(decide(groups, new Map(), {})), [
      ['posts', 'new', true],
      ['home', 'new', true],
    ]);
  });

  it('groups gone from the file are removed, not due, after the current groups in name order', () => {
    const baseline = baselineOf({
      zeta: recorded({ zone: 'static' }),
      posts: recorded(),
      alpha: recorded(),
      home: recorded({ fingerprint: 'sha256:h' }),
    });
    const decisions = decide(groups, baseline, {});
    assert.deepEqual(statuses(decisions), [
      ['posts', 'unchanged', false],
      ['home', 'unchanged', false],
      ['alpha', 'removed', false],
      ['zeta', 'removed', false],
    ]);
    assert.equal(decisions[3].zone, 'static', 'a removed group keeps the zone it had');
  });

  it('keeps the current groups in their given order, not sorted', () => {
    const names = ['zulu', 'alpha', 'mike'];
    const decisions = decide(names.map((name) => current({ name })), new Map(), {});
    assert.deepEqual(decisions.map((decision) => decision.name), names);
  });
});

describe('decide: --group', () => {
  const groups = [current({ name: 'posts' }), current({ name: 'home' }), current({ name: 'feeds', fingerprint: 'sha256:new' })];
  const baseline = baselineOf({ posts: recorded(), home: recorded(), feeds: recorded(), gone: recorded() });

  it('limits the plan to the named groups, each forced and due, even when unchanged', () => {
    assert.deepEqual(statuses(decide(groups, baseline, { only: ['home'] })), [['home', 'forced', true]]);
  });

  it('forced wins over changed (and carries no diff)', () => {
    const [decision] = decide(groups, baseline, { only: ['feeds'] });
    assert.equal(decision.status, 'forced');
    assert.equal(decision.diff, undefined);
  });

  it('forces without any baseline too, and wins over --all', () => {
    assert.deepEqual(statuses(decide(groups, null, { only: ['posts'], all: true })), [['posts', 'forced', true]]);
  });

  it('keeps file order whatever the order of the flags, once per group, and lists no removed groups', () => {
    assert.deepEqual(statuses(decide(groups, baseline, { only: ['feeds', 'posts', 'feeds'] })), [
      ['posts', 'forced', true],
      ['feeds', 'forced', true],
    ]);
  });

  it('an empty list is the same as no --group', () => {
    assert.deepEqual(decide(groups, baseline, { only: [] }), decide(groups, baseline, {}));
  });

  it('an unknown group is an error naming it and the known ones (a removed group included)', () => {
    assert.throws(
      () => decide(groups, baseline, { only: ['posts', 'gone', 'typo'] }),
      (error: unknown) =>
        error instanceof UserError &&
        error.message === 'unknown groups "gone", "typo" given with --group' &&
        error.hint === "the file's groups are: feeds, home, posts",
    );
  });
});

describe('decide: the diff of a changed group', () => {
  const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(5, '0')}`);

  it('lists added and removed item keys', () => {
    const [decision] = decide(
      [current({ fingerprint: 'sha256:f2', items: ['a', 'c', 'd'] })],
      baselineOf({ posts: recorded({ items: ['a', 'b', 'c'] }) }),
      {},
    );
    assert.deepEqual(decision.diff, { added: ['d'], removed: ['b'], added_count: 1, removed_count: 1 });
  });

  it('cuts each list to diffLimit while the counts stay complete', () => {
    const [decision] = decide(
      [current({ fingerprint: 'sha256:f2', items: [...keys('keep', 3), ...keys('new', 7)].sort() })],
      baselineOf({ posts: recorded({ items: [...keys('keep', 3), ...keys('old', 4)].sort() }) }),
      { diffLimit: 2 },
    );
    assert.deepEqual(decision.diff, { added: ['new00000', 'new00001'], removed: ['old00000', 'old00001'], added_count: 7, removed_count: 4 });
  });

  it('cuts to 50 entries by default', () => {
    const [decision] = decide([current({ fingerprint: 'sha256:f2', items: keys('n', 120) })], baselineOf({ posts: recorded({ items: [] }) }), {});
    assert.equal(decision.diff?.added.length, 50);
    assert.equal(decision.diff?.added_count, 120);
    assert.deepEqual(decision.diff?.removed, []);
  });

  it('diffLimit 0 keeps only the counts', () => {
    const [decision] = decide([current({ fingerprint: 'sha256:f2', items: ['x'] })], baselineOf({ posts: recorded({ items: ['y'] }) }), { diffLimit: 0 });
    assert.deepEqual(decision.diff, { added: [], removed: [], added_count: 1, removed_count: 1 });
  });

  it('no diff when the baseline kept no items', () => {
    const { items: _dropped, ...withoutItems } = recorded();
    const [decision] = decide([current({ fingerprint: 'sha256:f2' })], baselineOf({ posts: withoutItems }), {});
    assert.equal(decision.status, 'changed');
    assert.equal(decision.diff, undefined);
  });

  it('a group moved to another zone: every item added there, every old one removed', () => {
    const [decision] = decide([current({ zone: 'static', items: ['a', 'b'] })], baselineOf({ posts: recorded({ items: ['a', 'b'] }) }), {});
    assert.deepEqual(decision.diff, { added: ['a', 'b'], removed: ['a', 'b'], added_count: 2, removed_count: 2 });
  });

  it('does not depend on the order of the given lists', () => {
    const [decision] = decide([current({ fingerprint: 'sha256:f2', items: ['d', 'a', 'c'] })], baselineOf({ posts: recorded({ items: ['c', 'b', 'a'] }) }), {});
    assert.deepEqual(decision.diff, { added: ['d'], removed: ['b'], added_count: 1, removed_count: 1 });
  });

  // Exact on large lists; its speed is the benchmark's business (a timed assertion here failed under load).
  it('stays exact on 10,000-item groups that share nothing or half', () => {
    const before = keys('u', 10_000);
    const halfAfter = [...before.filter((_, index) => index % 2 === 0), ...keys('v', 5_000)].sort();
    const [disjoint] = decide([current({ fingerprint: 'sha256:f2', items: keys('w', 10_000) })], baselineOf({ posts: recorded({ items: before }) }), { diffLimit: 10_000 });
    const [half] = decide([current({ fingerprint: 'sha256:f2', items: halfAfter })], baselineOf({ posts: recorded({ items: before }) }), { diffLimit: 10_000 });
    assert.deepEqual(disjoint.diff, { added: keys('w', 10_000), removed: before, added_count: 10_000, removed_count: 10_000 });
    assert.deepEqual(half.diff?.added, keys('v', 5_000));
    assert.deepEqual(half.diff?.removed, before.filter((_, index) => index % 2 === 1));
  });

  it('a few edits in a large group (the diffArrays path) give the exact edits', () => {
    const before = keys('u', 10_000);
    const after = [...before.filter((key) => key !== 'u00042' && key !== 'u09999'), 'u00042x', 'u10000'].sort();
    const [decision] = decide([current({ fingerprint: 'sha256:f2', items: after })], baselineOf({ posts: recorded({ items: before }) }), {});
    assert.deepEqual(decision.diff, { added: ['u00042x', 'u10000'], removed: ['u00042', 'u09999'], added_count: 2, removed_count: 2 });
  });
});
