// The state file (docs/commands.md, docs/commands.md): one configuration's record of what apply purged, per group,
// with items stored factored; format 1 files are still read.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import { recordedCount, recordedKeys } from '../src/reconcile/record.js';
import type { GroupRecordData } from '../src/reconcile/record.js';
import { checkStateOwner, readState, recordApplied, stateDigest, statePaths, writeState } from '../src/reconcile/state.js';

const scratch = mkdtempSync(join(tmpdir(), 'purgeplan-state-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
function freshPath(): string {
  counter += 1;
  return join(scratch, `case-${counter}`, '.purgeplan', 'state.json');
}
const digest = (c: string) => `sha256:${c.repeat(64)}`;

const posts: GroupRecordData & { name: string } = {
  name: 'posts', zone: 'www', zone_id: '023e105f4ecef8ad9ca31a8372d0c353', fingerprint: digest('a'), revision: 2, watch_digest: digest('f'), items_count: 6,
  items: { urls: ['https://www.example.com/a', 'https://www.example.com/b'], variants: ['cf-device-type=desktop', 'cf-device-type=mobile', 'cf-device-type=tablet'] },
};
const home: GroupRecordData & { name: string } = { name: 'home', zone: 'www', zone_id: '023e105f4ecef8ad9ca31a8372d0c353', fingerprint: digest('b'), revision: 1, items_count: 40_000 };

function userError(pattern: RegExp) {
  return (error: unknown) => error instanceof UserError && pattern.test(error.message);
}

describe('recorded items are factored', () => {
  it('urls x variants stand for every file item, keyed as plans show them', () => {
    assert.equal(recordedCount(posts.items!), 6);
    assert.deepEqual(recordedKeys({ hosts: ['h'], urls: ['https://x/'], variants: ['', 'a=1'] }), ['host h', 'https://x/', 'https://x/ [a=1]']);
  });
});

describe('recordApplied', () => {
  it('replaces only the given groups, drops the removed ones, and records config, time and plan', () => {
    const first = recordApplied(null, '../purge.yaml', [posts, home], [], 't1', 'p1');
    assert.equal(first.format_version, 2);
    assert.equal(first.config, '../purge.yaml');
    const second = recordApplied(first, '../purge.yaml', [{ ...posts, fingerprint: digest('c') }], ['home'], 't2', 'p2');
    assert.deepEqual(Object.keys(second.groups), ['posts']);
    assert.equal(second.groups.posts.plan_id, 'p2');
    assert.equal(second.groups.posts.applied_at, 't2');
    assert.equal(first.groups.posts.fingerprint, digest('a'), 'the input state is left alone');
  });
});

describe('writeState and readState', () => {
  it('a missing file is no state, and has no digest', () => {
    const path = freshPath();
    assert.equal(readState(path), null);
    assert.equal(stateDigest(path), null);
  });

  it('round-trips with sorted keys and a final newline; the same bytes whatever the insertion order', () => {
    const one = freshPath();
    const two = freshPath();
    const state = recordApplied(null, '../purge.yaml', [posts, home], [], 't', 'p');
    writeState(one, state);
    writeState(two, recordApplied(null, '../purge.yaml', [home, posts], [], 't', 'p'));
    assert.deepEqual(readState(one), { config: state.config, groups: state.groups });
    assert.equal(readFileSync(one, 'utf8'), readFileSync(two, 'utf8'));
    assert.ok(readFileSync(one, 'utf8').startsWith('{\n  "config": "../purge.yaml",\n  "format_version": 2,'));
  });

  it('writes atomically, and stateDigest follows every change', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, '../purge.yaml', [posts], [], 't1', 'p1'));
    const first = stateDigest(path);
    assert.equal(first, `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    writeState(path, recordApplied(null, '../purge.yaml', [home], [], 't2', 'p2'));
    assert.deepEqual(readdirSync(join(path, '..')), ['state.json']);
    assert.notEqual(stateDigest(path), first);
  });

  it('a group named "__proto__" stays a group', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, '../purge.yaml', [{ ...home, name: '__proto__' }], [], 't', 'p'));
    const state = readState(path)!;
    assert.deepEqual(Object.keys(state.groups), ['__proto__']);
  });

  it('a format-1 state is read: its records are marked as fingerprinted without the zone, its item lists dropped', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, '../purge.yaml', [], [], 't', 'p'));
    writeFileSync(path, JSON.stringify({ format_version: 1, groups: { posts: { zone: 'www', fingerprint: 'sha256:x', items_count: 1, items: ['k'], revision: 1, applied_at: 't', plan_id: 'p' } } }));
    const state = readState(path)!;
    assert.equal(state.config, null);
    assert.deepEqual(state.groups.posts, { zone: 'www', zone_id: '', fingerprint: 'sha256:x', revision: 1, items_count: 1, applied_at: 't', plan_id: 'p' });
  });
});

describe('a state belongs to one configuration (docs/commands.md)', () => {
  it('the default state of purge.yaml is .purgeplan/state.json; of any other NAME.yaml, .purgeplan/NAME.state.json', () => {
    assert.equal(statePaths('/site', '/site', 'purge.yaml', undefined).path, '.purgeplan/state.json');
    assert.equal(statePaths('/site', '/site', 'shop.yaml', undefined).path, '.purgeplan/shop.state.json');
    assert.equal(statePaths('/site', '/elsewhere', 'sub/blog.yml', undefined).path, '.purgeplan/blog.state.json');
    assert.equal(statePaths('/site', '/tmp', 'purge.yaml', 'x/s.json').absolutePath, '/tmp/x/s.json');
  });

  it('a state written for another configuration is an error naming both', () => {
    const path = '/site/.purgeplan/state.json';
    assert.throws(() => checkStateOwner({ config: '../shop.yaml', groups: {} }, path, '/site/purge.yaml'), (error: unknown) =>
      error instanceof UserError && error.message.includes('/site/shop.yaml') && error.message.includes('/site/purge.yaml'));
    checkStateOwner({ config: '../purge.yaml', groups: {} }, path, '/site/purge.yaml');
    checkStateOwner({ config: null, groups: {} }, path, '/site/purge.yaml');
  });
});

describe('readState refuses what it cannot trust', () => {
  it('a newer format, with the message that says to upgrade', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, '../purge.yaml', [], [], 't', 'p'));
    writeFileSync(path, JSON.stringify({ format_version: 3, whatever: [] }));
    assert.throws(() => readState(path), userError(/written by a newer purgeplan \(format_version 3; this one reads up to 2\): upgrade purgeplan/));
  });

  it('a file that is not JSON, with a hint', () => {
    const path = freshPath();
    writeState(path, recordApplied(null, '../purge.yaml', [], [], 't', 'p'));
    writeFileSync(path, '{"format_version": 2, "groups": {');
    assert.throws(() => readState(path), (error: unknown) => error instanceof UserError && /is not valid JSON/.test(error.message) && /delete it/.test(error.hint ?? ''));
  });

  const good = (): Record<string, unknown> => ({ zone: 'www', zone_id: 'z', fingerprint: digest('a'), items_count: 1, revision: 1, applied_at: 't', plan_id: 'p' });
  const shapes: { rule: string; content: unknown; message: RegExp }[] = [
    { rule: 'top level not an object', content: [1], message: /the top level is not valid: must be object/ },
    { rule: 'no format_version', content: { groups: {} }, message: /no format_version/ },
    { rule: 'format_version 0', content: { format_version: 0, groups: {} }, message: /expected 2, got 0/ },
    { rule: 'groups missing', content: { format_version: 2, config: 'p' }, message: /groups is missing/ },
    { rule: 'config missing', content: { format_version: 2, groups: {} }, message: /config is missing/ },
    { rule: 'fingerprint not a digest', content: { format_version: 2, config: 'c', groups: { posts: { ...good(), fingerprint: 7 } } }, message: /groups\.posts\.fingerprint is not valid: must be string/ },
    { rule: 'items_count negative', content: { format_version: 2, config: 'c', groups: { posts: { ...good(), items_count: -1 } } }, message: /items_count/ },
    { rule: 'revision out of range', content: { format_version: 2, config: 'c', groups: { posts: { ...good(), revision: 2 ** 31 } } }, message: /revision/ },
    { rule: 'items not factored', content: { format_version: 2, config: 'c', groups: { posts: { ...good(), items: ['x'] } } }, message: /items is not valid: must be object/ },
  ];
  for (const shape of shapes) {
    it(`wrong shape: ${shape.rule}`, () => {
      const path = freshPath();
      writeState(path, recordApplied(null, '../purge.yaml', [], [], 't', 'p'));
      writeFileSync(path, JSON.stringify(shape.content));
      assert.throws(() => readState(path), userError(shape.message));
    });
  }
});
