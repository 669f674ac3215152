// Reporters: events -> text (docs/commands.md#apply "Progress").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyEvent } from '../src/apply/run.js';
import { createHumanReporter, createJsonReporter, formatProgressLine, formatRequestLine, formatSummary, PROGRESS_REDRAW_MS } from '../src/apply/progress.js';
import { formatDuration } from '../src/format.js';

const base = { zone: 'www', groups: ['posts'], kind: 'files', items: 30 };
const EVENTS: ApplyEvent[] = [
  { type: 'start', plan_id: 'sha256:0123456789abcdef0123', requests: 4, pending: 3, items: 120, pending_items: 90, concurrency: 4 },
  { type: 'request_skipped', index: 0, ...base, id: 'id0' },
  { type: 'request_start', index: 1, ...base },
  { type: 'request_retry', index: 1, ...base, attempt: 1, rule: 'server_error', reason: 'HTTP 503', delay_ms: 500 },
  { type: 'request_done', index: 1, ...base, id: 'id1', attempts: 2, completed: 2, total: 4, elapsed_ms: 1000 },
  { type: 'request_start', index: 2, ...base },
  { type: 'request_failed', index: 2, ...base, attempts: 1, http_status: 400, errors: [{ code: 1016, message: 'Unable to purge x, which is an invalid URL.' }], message: 'HTTP 400' },
  { type: 'request_start', index: 3, ...base },
  { type: 'request_done', index: 3, ...base, id: 'id3', attempts: 1, completed: 3, total: 4, elapsed_ms: 2000 },
  {
    type: 'summary', ok: false, interrupted: false, requests: 4, done: 2, skipped: 1, failed: 1, not_sent: 0, rate_limited: 1, elapsed_ms: 2100,
    completed_groups: [], failures: [{ index: 2, zone: 'www', groups: ['posts'], status: 'failed', http_status: 400, errors: [{ code: 1016, message: 'Unable to purge x, which is an invalid URL.' }], message: 'HTTP 400' }],
  },
];

function capture(isTTY: boolean): string {
  let out = '';
  const report = createHumanReporter({ write: (text) => (out += text), isTTY });
  for (const event of EVENTS) report(event);
  return out;
}

describe('human reporter without a terminal: one line per finished request', () => {
  const out = capture(false);
  const lines = out.trimEnd().split('\n');

  it('never redraws', () => assert.ok(!out.includes('\r')));

  it('prints start, skipped, retry, done and failed lines, then the summary', () => {
    assert.deepEqual(lines.slice(0, 6), [
      'Applying plan sha256:0123456789ab…: 3 requests to send (90 items), 1 already applied, concurrency 4',
      '↷ 1 request (30 items) already applied by an earlier run of this plan: skipped',
      '↻ [2/4] www files: HTTP 503; attempt 2 in < 1 s',
      '✓ [2/4] www files 30 items  id=id1 (2 attempts)',
      '✗ [3/4] www files 30 items  HTTP 400: 1016 Unable to purge x, which is an invalid URL.',
      '✓ [4/4] www files 30 items  id=id3',
    ]);
  });

  it('summary: counts, what was sent per zone and action (not the ids: they are the zone id), and failures', () => {
    assert.deepEqual(lines.slice(6), [
      'Apply failed: 2 of 4 requests applied, 1 skipped (already applied), 1 failed, 1 rate-limited answer in 3 s.',
      "Sent by this run (Cloudflare's ids are in the journal and in --json):",
      '  www: 2 purge requests, 60 files',
      'Failures:',
      '  ✗ [3/4] www (posts): HTTP 400: 1016 Unable to purge x, which is an invalid URL.',
    ]);
  });
});

describe('human reporter on a terminal: a live line redrawn with \\r', () => {
  const out = capture(true);

  it('redraws the progress line and clears it before printing a line', () => {
    assert.ok(out.includes('\r\x1b[K[2/4 requests] 60/120 items · 1.0 req/s · ETA 2 s'));
    assert.ok(out.includes('\r\x1b[K✗ [3/4] www files 30 items  HTTP 400'));
    assert.ok(!out.includes('✓ [2/4]'), 'done requests only move the live line');
  });

  it('ends with the summary on a clean line', () => {
    assert.ok(out.endsWith('  ✗ [3/4] www (posts): HTTP 400: 1016 Unable to purge x, which is an invalid URL.\n'));
    assert.ok(out.includes('\r\x1b[KApply failed:'));
  });
});

describe('JSON reporter', () => {
  it('prints one JSON object per line, each with its type', () => {
    let out = '';
    const report = createJsonReporter((text) => (out += text));
    for (const event of EVENTS) report(event);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, EVENTS.length);
    assert.deepEqual(lines.map((line) => (JSON.parse(line) as ApplyEvent).type), EVENTS.map((e) => e.type));
  });
});

describe('formatters', () => {
  it('progress line before any completion', () => {
    assert.equal(formatProgressLine({ total: 3, items: 90, completed: 0, itemsDone: 0, sentRequests: 0, sentItems: 0, failed: 0, elapsedMs: 0 }), '[0/3 requests] 0/90 items · 0.0 req/s · ETA …');
  });

  it('request line without an id', () => {
    assert.equal(formatRequestLine({ type: 'request_done', index: 0, ...base, id: '', attempts: 1 }, 1), '✓ [1/1] www files 30 items  id=(none)');
  });

  it('summary of an interrupted run says how to resume, and counts per zone and action instead of listing ids', () => {
    const done = Array.from({ length: 5 }, (_, i): ApplyEvent => ({ type: 'request_done', index: i, ...base, id: `id${i}` }));
    const text = formatSummary({ type: 'summary', ok: false, interrupted: true, done: 5, skipped: 0, failed: 0, not_sent: 3, rate_limited: 0, elapsed_ms: 65_000, failures: [] }, done, 8, { journalPath: '.purgeplan/journal.json' });
    assert.deepEqual(text.split('\n'), [
      'Interrupted: 5 of 8 requests applied, 3 not sent in 1 min 5 s.',
      "Sent by this run (Cloudflare's ids are in .purgeplan/journal.json and in --json):",
      '  www: 5 purge requests, 150 files',
      'Re-run the same plan to send what was not applied; requests already applied are skipped.',
    ]);
  });

  it('summary of an interrupt with a request in flight: counted and listed as outcome unknown, not as not sent', () => {
    const failures = [{ index: 5, zone: 'www', action: 'purge', groups: ['posts'], status: 'unknown', errors: [], message: 'no answer came before the interrupt: whether it was applied is unknown' }];
    const text = formatSummary({ type: 'summary', ok: false, interrupted: true, done: 5, skipped: 0, failed: 0, not_sent: 2, unknown: 1, rate_limited: 0, elapsed_ms: 2000, failures }, [], 8);
    assert.deepEqual(text.split('\n'), [
      'Interrupted: 5 of 8 requests applied, 1 in flight when interrupted (outcome unknown), 2 not sent in 2 s.',
      'In flight when interrupted (Cloudflare may or may not have applied them; a re-run sends them again):',
      '  ? [6/8] www purge (posts): no answer came before the interrupt: whether it was applied is unknown',
      'Re-run the same plan to send what was not applied; requests already applied are skipped.',
    ]);
  });

  it('summary counts per zone, then per action (a request without one is a purge), each kind of item named', () => {
    const sent: ApplyEvent[] = [
      { type: 'request_done', index: 0, zone: 'www', kind: 'files', items: 30, id: 'z1' },
      { type: 'request_done', index: 1, zone: 'www', kind: 'files', items: 12, id: 'z1' },
      { type: 'request_done', index: 2, zone: 'static', kind: 'hosts', items: 1, id: 'z2' },
      { type: 'request_done', index: 3, zone: 'www', kind: 'prefixes', items: 2, id: 'z1', action: 'invalidate' },
      { type: 'request_done', index: 4, zone: 'www', kind: 'tags', items: 3, id: 'z1' },
      { type: 'request_done', index: 5, zone: 'www', kind: 'everything', items: 1, id: 'z1' },
    ];
    const text = formatSummary({ type: 'summary', ok: true, interrupted: false, done: 6, skipped: 0, failed: 0, not_sent: 0, rate_limited: 0, elapsed_ms: 900, failures: [] }, sent, 6);
    assert.deepEqual(text.split('\n'), [
      'Apply complete: 6 of 6 requests applied in < 1 s.',
      "Sent by this run (Cloudflare's ids are in the journal and in --json):",
      '  www: 4 purge requests, 42 files, 3 tags, 1 purge of everything',
      '  static: 1 purge request, 1 host',
      '  www: 1 invalidate request, 2 prefixes',
    ]);
    assert.doesNotMatch(text, /z1|z2/);
  });

  it('durations (one formatter for the plan estimate and apply)', () => {
    assert.deepEqual([formatDuration(250), formatDuration(1500), formatDuration(42_000), formatDuration(125_000)], ['< 1 s', '2 s', '42 s', '2 min 5 s']);
  });

  it('progress line once every item is done says so, not "ETA 0 ms"', () => {
    const line = formatProgressLine({ total: 3, items: 90, completed: 3, itemsDone: 90, sentRequests: 3, sentItems: 90, failed: 0, elapsedMs: 3000 });
    assert.equal(line, '[3/3 requests] 90/90 items · 1.0 req/s · done');
  });
});

describe('human reporter on a terminal: the live line moves with the clock (docs/commands.md: redrawn at least once a second)', () => {
  it('redraws on every tick with the time elapsed so far, and stops the timer at the summary', () => {
    let out = '';
    let clock = 10_000;
    let tick: (() => void) | undefined;
    let interval = 0;
    let stopped = 0;
    const report = createHumanReporter({
      write: (text) => (out += text), isTTY: true, now: () => clock,
      ticker: (fn, ms) => { tick = fn; interval = ms; return () => { stopped++; }; },
    });
    report({ type: 'start', plan_id: 'sha256:0', requests: 4, pending: 4, items: 120, pending_items: 120, concurrency: 1 });
    assert.ok(tick, 'a timer is started on a terminal');
    assert.ok(interval <= 1000 && interval === PROGRESS_REDRAW_MS);
    report({ type: 'request_start', index: 0, ...base });
    report({ type: 'request_done', index: 0, ...base, id: 'z', attempts: 1, elapsed_ms: 500 });
    clock += 2000; // a slow request in flight: nothing happens but the clock
    out = '';
    tick!();
    assert.equal(out, '\r\x1b[K[1/4 requests] 30/120 items · 0.5 req/s · ETA 6 s', 'rate and ETA from the time elapsed, not stuck at the last completion');
    clock += 2000;
    out = '';
    tick!();
    assert.equal(out, '\r\x1b[K[1/4 requests] 30/120 items · 0.3 req/s · ETA 12 s');
    report({ type: 'summary', ok: true, interrupted: false, done: 1, skipped: 0, failed: 0, not_sent: 0, rate_limited: 0, elapsed_ms: 4000, failures: [] });
    assert.equal(stopped, 1);
  });

  it('starts no timer without a terminal', () => {
    let started = false;
    const report = createHumanReporter({ write: () => undefined, isTTY: false, ticker: () => { started = true; return () => undefined; } });
    for (const event of EVENTS) report(event);
    assert.equal(started, false);
  });
});
