import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import { MAX_RECORDED_ITEMS, readState, recordApplied, stateDigest, writeState } from '../src/reconcile/state.js';
import type { GroupRecordInput, State } from '../src/reconcile/state.js';

const scratch = mkdtempSync(join(tmpdir(), 'purgeplan-state-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
function freshPath(): string {
  counter += 1;
  return join(scratch, `case-${counter}`, '.purgeplan', 'state.json');
}

const posts: GroupRecordInput = {
  name: 'posts',
  zone: 'www',
  fingerprint: 'sha256:aaa',
  revision: 2,
  watch_digest: 'sha256:www',
  items_count: 3,
  items: ['https://www.example.com/c', 'https://www.example.com/a', 'https://www.example.com/b'],
};
const home: GroupRecordInput = { name: 'home', zone: 'www', fingerprint: 'sha256:bbb', revision: 1, items_count: 40_000 };

function userError(pattern: RegExp) {
  return (error: unknown) => error instanceof UserError && pattern.test(error.message);
}

describe('recordApplied', () => {
  it('builds a state from nothing, keeping sorted items', () => {
    const state = recordApplied(null, [posts, home], '2026-01-02T03:04:05.000Z', 'sha256:plan1');
    assert.deepEqual(state, {
      format_version: 1,
      groups: {
        posts: {
          zone: 'www',
          fingerprint: 'sha256:aaa',
          items_count: 3,
          items: ['https://www.example.com/a', 'https://www.example.com/b', 'https://www.example.com/c'],
          revision: 2,
          watch_digest: 'sha256:www',
          applied_at: '2026-01-02T03:04:05.000Z',
          plan_id: 'sha256:plan1',
        },
        home: { zone: 'www', fingerprint: 'sha256:bbb', items_count: 40_000, revision: 1, applied_at: '2026-01-02T03:04:05.000Z', plan_id: 'sha256:plan1' },
      },
    });
  });

  it('replaces only the given groups and leaves the input state alone', () => {
    const first = recordApplied(null, [posts, home], 't1', 'p1');
    const snapshot = structuredClone(first);
    const second = recordApplied(first, [{ ...posts, fingerprint: 'sha256:ccc', watch_digest: undefined }], 't2', 'p2');
    assert.deepEqual(first, snapshot);
    assert.equal(second.groups.home, first.groups.home);
    assert.equal(second.groups.posts.fingerprint, 'sha256:ccc');
    assert.equal(second.groups.posts.plan_id, 'p2');
    assert.equal('watch_digest' in second.groups.posts, false, 'a group that lost watch loses its digest');
  });

  it(`keeps items up to ${MAX_RECORDED_ITEMS} and drops them above`, () => {
    const keys = (count: number) => Array.from({ length: count }, (_, index) => `k${index}`);
    const state = recordApplied(
      null,
      [
        { ...home, name: 'at', items_count: MAX_RECORDED_ITEMS, items: keys(MAX_RECORDED_ITEMS) },
        { ...home, name: 'over', items_count: MAX_RECORDED_ITEMS + 1, items: keys(MAX_RECORDED_ITEMS + 1) },
      ],
      't',
      'p',
    );
    assert.equal(state.groups.at.items?.length, MAX_RECORDED_ITEMS);
    assert.equal(state.groups.over.items, undefined);
    assert.equal(state.groups.over.items_count, MAX_RECORDED_ITEMS + 1);
  });
});

describe('writeState and readState', () => {
  it('a missing file is no state, and has no digest', () => {
    const path = freshPath();
    assert.equal(readState(path), null);
    assert.equal(stateDigest(path), null);
  });

  it('round-trips, with sorted keys, 2-space JSON and a final newline', () => {
    const path = freshPath();
    const state = recordApplied(null, [posts, home], '2026-01-02T03:04:05.000Z', 'sha256:plan1');
    writeState(path, state);
    assert.deepEqual(readState(path), state);
    writeState(path, recordApplied(null, [{ ...posts, items_count: 2, items: ['b', 'a'] }], 't', 'p'));
    assert.equal(
      readFileSync(path, 'utf8'),
      [
        '{',
        '  "format_version": 1,',
        '  "groups": {',
        '    "posts": {',
        '      "applied_at": "t",',
        '      "fingerprint": "sha256:aaa",',
        '      "items": [',
        '        "a",',
        '        "b"',
        '      ],',
        '      "items_count": 2,',
        '      "plan_id": "p",',
        '      "revision": 2,',
        '      "watch_digest": "sha256:www",',
        '      "zone": "www"',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('writes the same bytes whatever the insertion order', () => {
    const one = freshPath();
    const two = freshPath();
    writeState(one, recordApplied(null, [posts, home], 't', 'p'));
    writeState(two, recordApplied(null, [home, posts], 't', 'p'));
    assert.equal(readFileSync(one, 'utf8'), readFileSync(two, 'utf8'));
  });

  it('writes atomically: creates the directory and leaves no temporary file behind', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, [posts], 't1', 'p1'));
    writeState(path, recordApplied(null, [home], 't2', 'p2'));
    assert.deepEqual(readdirSync(join(path, '..')), ['state.json']);
    assert.deepEqual(Object.keys(readState(path)!.groups), ['home']);
  });

  it('stateDigest is the sha256 of the bytes, and follows every change', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, [posts], 't1', 'p1'));
    const first = stateDigest(path);
    assert.equal(first, `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    writeState(path, recordApplied(null, [posts], 't2', 'p1'));
    assert.notEqual(stateDigest(path), first);
  });

  it('a group named "__proto__" stays a group', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, [{ ...home, name: '__proto__' }], 't', 'p'));
    const state = readState(path)!;
    assert.deepEqual(Object.keys(state.groups), ['__proto__']);
    assert.equal(Object.getPrototypeOf(state.groups), Object.prototype);
  });
});

describe('readState refuses what it cannot trust', () => {
  it('a newer format, with the message that says to upgrade', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, [], 't', 'p'));
    writeFileSync(path, JSON.stringify({ format_version: 2, whatever: [] }));
    assert.throws(
      () => readState(path),
      (error: unknown) =>
        error instanceof UserError &&
        error.message === `state file ${path} was written by a newer purgeplan (format_version 2; this one reads 1): upgrade purgeplan`,
    );
  });

  it('a file that is not JSON, with a hint', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, [], 't', 'p'));
    writeFileSync(path, '{"format_version": 1, "groups": {');
    assert.throws(
      () => readState(path),
      (error: unknown) => error instanceof UserError && /is not valid JSON/.test(error.message) && /delete it/.test(error.hint ?? ''),
    );
  });

  const good = (): Record<string, unknown> => ({
    zone: 'www',
    fingerprint: 'sha256:a',
    items_count: 1,
    items: ['x'],
    revision: 1,
    applied_at: 't',
    plan_id: 'p',
  });
  const shapes: { rule: string; content: unknown; message: RegExp }[] = [
    { rule: 'top level not an object', content: [1], message: /the top level must be an object/ },
    { rule: 'no format_version', content: { groups: {} }, message: /no format_version/ },
    { rule: 'format_version 0', content: { format_version: 0, groups: {} }, message: /expected 1, got 0/ },
    { rule: 'format_version "1"', content: { format_version: '1', groups: {} }, message: /expected 1, got "1"/ },
    { rule: 'groups missing', content: { format_version: 1 }, message: /groups must be an object/ },
    { rule: 'record not an object', content: { format_version: 1, groups: { posts: 'x' } }, message: /groups\.posts must be an object/ },
    { rule: 'fingerprint not a string', content: { format_version: 1, groups: { posts: { ...good(), fingerprint: 7 } } }, message: /groups\.posts\.fingerprint must be a string/ },
    { rule: 'items_count negative', content: { format_version: 1, groups: { posts: { ...good(), items_count: -1 } } }, message: /items_count must be a non-negative integer/ },
    { rule: 'revision not an integer', content: { format_version: 1, groups: { posts: { ...good(), revision: '2' } } }, message: /revision must be an integer/ },
    { rule: 'items not strings', content: { format_version: 1, groups: { posts: { ...good(), items: [1] } } }, message: /items must be a list of strings/ },
    { rule: 'items and items_count disagree', content: { format_version: 1, groups: { posts: { ...good(), items_count: 2 } } }, message: /has 1 entries but items_count is 2/ },
    { rule: 'watch_digest not a string', content: { format_version: 1, groups: { posts: { ...good(), watch_digest: null } } }, message: /watch_digest must be a string/ },
  ];
  for (const shape of shapes) {
    it(`wrong shape: ${shape.rule}`, () => {
      const path = freshPath();
      writeState(path, recordApplied(null, [], 't', 'p'));
      writeFileSync(path, JSON.stringify(shape.content));
      assert.throws(() => readState(path), userError(shape.message));
    });
  }

  it('accepts a well-formed file written by hand, ignoring unknown fields', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, [], 't', 'p'));
    writeFileSync(path, JSON.stringify({ format_version: 1, groups: { posts: { ...good(), note: 'hi' } } }));
    const state: State | null = readState(path);
    assert.deepEqual(state?.groups.posts, good());
  });
});
