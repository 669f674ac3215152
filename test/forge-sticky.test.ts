// docs/ci.md: the sticky comment's decision table, one row per --behavior and --skip-no-changes case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTag, foldOutdated, markedRuns, markerFor, partLine, reMarked, stickyActions } from '../src/forge/sticky.js';
import type { ExistingComment } from '../src/forge/sticky.js';

const M = markerFor('purge.yaml');
const other = markerFor('sites/shop.yaml');
const c = (id: string, body: string): ExistingComment => ({ id, body, nodeId: `N${id}` });
const part = (i: number, n: number, text: string) => `${M}\n${partLine(i, n)}\n\n${text}`;

describe('markerFor', () => {
  it('is a hidden HTML comment naming the tag', () => {
    assert.equal(M, '<!-- purgeplan:purge.yaml -->');
  });
  it('a config path always makes a valid tag: what cannot go in the marker is escaped', () => {
    assert.equal(defaultTag('sites/shop/purge.yaml'), 'sites/shop/purge.yaml');
    assert.equal(markerFor(defaultTag('my--site/a>b.yaml')), '<!-- purgeplan:my-%2Dsite/a%3Eb.yaml -->');
  });
  it('refuses tags that would end the comment or span lines', () => {
    for (const tag of ['a-->b', 'a--b', 'a>b', 'a\nb', '']) assert.throws(() => markerFor(tag), /--tag/);
  });
});

describe('markedRuns', () => {
  it('groups parts 1..n in order, skipping other comments and other tags', () => {
    const comments = [c('1', `${M}\nold`), c('2', 'hello'), c('3', part(1, 2, 'a')), c('4', `${other}\nx`), c('5', part(2, 2, 'b')), c('6', `x ${M}`)];
    assert.deepEqual(markedRuns(comments, M).map((run) => run.map((x) => x.id)), [['1'], ['3', '5']]);
  });
});

describe('stickyActions', () => {
  const existing = [c('1', `${M}\nold plan`), c('2', `${other}\nshop plan`)];
  it('update, none yet: create', () => {
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nplan`], existing: [], skip: false }), [{ kind: 'create', body: `${M}\nplan` }]);
  });
  it('update: edit the marked comment in place; the other tag is left alone', () => {
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nnew plan`], existing, skip: false }), [{ kind: 'update', id: '1', body: `${M}\nnew plan` }]);
  });
  it('update with the same text: nothing to do', () => {
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nold plan`], existing, skip: false }), []);
  });
  it('update from 1 part to 3: edit one, create two; from 3 to 1: edit one, delete two', () => {
    const three = [part(1, 3, 'a'), part(2, 3, 'b'), part(3, 3, 'c')];
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: three, existing, skip: false }).map((a) => a.kind), ['update', 'create', 'create']);
    const run = three.map((body, i) => c(String(10 + i), body));
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nsmall`], existing: run, skip: false }), [
      { kind: 'update', id: '10', body: `${M}\nsmall` }, { kind: 'delete', id: '11' }, { kind: 'delete', id: '12' },
    ]);
  });
  it('update edits the latest run only', () => {
    const runs = [c('1', `${M}\nfirst`), c('2', `${M}\nsecond`)];
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nthird`], existing: runs, skip: false }), [{ kind: 'update', id: '2', body: `${M}\nthird` }]);
  });
  it('new: always create', () => {
    assert.deepEqual(stickyActions({ behavior: 'new', marker: M, parts: [`${M}\nplan`], existing, skip: false }), [{ kind: 'create', body: `${M}\nplan` }]);
  });
  it('hide-and-new: hide every marked comment of this tag, then create', () => {
    const actions = stickyActions({ behavior: 'hide-and-new', marker: M, parts: [`${M}\nplan`], existing: [...existing, c('3', `${M}\nolder`)], skip: false });
    assert.deepEqual(actions.map((a) => (a.kind === 'hide' ? `hide ${a.comment.id}` : a.kind)), ['hide 1', 'hide 3', 'create']);
  });
  it('skip-no-changes: nothing for new and hide-and-new, nor for update without a comment', () => {
    for (const behavior of ['new', 'hide-and-new'] as const) assert.deepEqual(stickyActions({ behavior, marker: M, parts: [`${M}\nnone`], existing, skip: true }), []);
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nnone`], existing: [], skip: true }), []);
  });
  it('skip-no-changes with update and a comment: edit it to say nothing is due, delete its other parts', () => {
    const run = [c('10', part(1, 2, 'a')), c('11', part(2, 2, 'b'))];
    assert.deepEqual(stickyActions({ behavior: 'update', marker: M, parts: [`${M}\nNo purges planned.`], existing: run, skip: true }), [
      { kind: 'update', id: '10', body: `${M}\nNo purges planned.` }, { kind: 'delete', id: '11' },
    ]);
  });
});

describe('outdated comments', () => {
  it('reMarked swaps the marker for the outdated one, keeping the plan', () => {
    assert.equal(reMarked(`${M}\nplan`, '<!-- purgeplan:purge.yaml (outdated) -->'), '<!-- purgeplan:purge.yaml (outdated) -->\nplan');
  });
  it('foldOutdated keeps the old plan in a closed <details>, or drops it when over the limit', () => {
    const folded = foldOutdated(`${M}\nplan`, '<!-- o -->', 1000);
    assert.match(folded, /^<!-- o -->\n> \*\*Outdated:\*\*.*\n\n<details><summary>Outdated plan<\/summary>\n\nplan\n\n<\/details>$/);
    assert.doesNotMatch(foldOutdated(`${M}\n${'x'.repeat(2000)}`, '<!-- o -->', 1000), /x/);
  });
});
