// `apply --wait-for URL --expect … --wait-timeout …` and `--repurge-after` (docs/commands.md#apply-in-the-deploys-order): the flags
// read before anything is sent, the judgement of an answer, and the poll loop against a real
// loopback origin on an injected clock (no test waits in real time).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../src/errors.js';
import { judgeAnswer, parseExpect } from '../src/apply/expect.js';
import type { WaitAnswer } from '../src/apply/expect.js';
import { parseDuration, phaseSettings } from '../src/apply/phase-flags.js';
import { createWaitFetcher, FIRST_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS, shownUrl, waitForBuild } from '../src/apply/wait.js';
import type { Poll, WaitSettings } from '../src/apply/wait.js';
import { parseConnectTo } from '../src/verify/probe.js';
import { VirtualClock } from './support/clock.js';
import { startOrigin } from './support/origin.js';
import type { OriginAnswer } from './support/origin.js';

const answer = (body: string, status = 200, headers: WaitAnswer['headers'] = {}): WaitAnswer => ({ status, headers, body });
const userError = (pattern: RegExp) => (error: unknown): boolean => error instanceof UserError && pattern.test(error.message);

describe('--expect: what the new build answers', () => {
  const cases: [string, WaitAnswer, boolean][] = [
    ['build-42', answer('<meta name="build" content="build-42">'), true],
    ['build-42', answer('build-41'), false],
    ['Build-42', answer('build-42'), false],
    ['/"version":\\s*"2\\.4/', answer('{"version": "2.4.1"}'), true],
    ['/"version":\\s*"2\\.4/', answer('{"version": "2.3.9"}'), false],
    ['/READY/i', answer('all ready'), true],
    ['/READY/', answer('all ready'), false],
    ['/^ok$/m', answer('status\nok\n'), true],
    ['header:X-Build=42', answer('', 200, { 'x-build': '42' }), true],
    ['header:x-build=42', answer('', 200, { 'x-build': '420' }), false],
    ['header:x-build=42', answer('', 200, { 'x-build': 'A42' }), false],
    ['header:x-build=abc', answer('', 200, { 'x-build': 'ABC' }), false],
    ['header:x-build=42', answer('', 200, { 'x-build': ['41', '42'] }), true],
    ['header:x-build=42', answer('', 200, {}), false],
    ['header:x-build=', answer('', 200, { 'x-build': '' }), true],
    ['header:x-build=a=b', answer('', 200, { 'x-build': 'a=b' }), true],
    ['/api/version', answer('see /api/version'), true],
    ['/api/version', answer('api'), false],
    ['/', answer('a/b'), true],
  ];
  for (const [spec, seen, ready] of cases) {
    it(`${spec} on ${JSON.stringify(seen.body || seen.headers)}: ${ready ? 'holds' : 'does not hold'}`, () => {
      assert.equal(judgeAnswer(seen, [parseExpect(spec)]).ready, ready);
    });
  }

  it('a 2xx is needed, whatever the body; every --expect must hold', () => {
    assert.deepEqual(judgeAnswer(answer('build-42', 503), [parseExpect('build-42')]), { ready: false, reasons: ['HTTP 503'] });
    assert.deepEqual(judgeAnswer(answer('build-42', 301), []), { ready: false, reasons: ['HTTP 301'] });
    assert.equal(judgeAnswer(answer('', 204), []).ready, true);
    const two = [parseExpect('build-42'), parseExpect('header:x-env=prod')];
    assert.deepEqual(judgeAnswer(answer('build-42', 200, { 'x-env': 'staging' }), two).reasons, ['header x-env is "staging", not "prod"']);
    assert.deepEqual(judgeAnswer(answer('build-41', 200, {}), two).reasons, ['body does not contain "build-42"', 'header x-env is missing (expected "prod")']);
  });

  it('what a server answers is escaped in the reasons', () => {
    const { reasons } = judgeAnswer(answer('', 200, { 'x-build': '\u001b[31mred\u202e' }), [parseExpect('header:x-build=42')]);
    assert.ok(!/[\u001b\u202e]/.test(reasons.join('')), reasons.join(''));
    assert.match(reasons[0], /\\u001b\[31mred\\u202e/);
  });

  const bad: [string, RegExp][] = [
    ['header:x-build', /header:NAME=VALUE \(the "=" is missing\)/],
    ['header:=42', /"" is not a header name/],
    ['header:x build=42', /"x build" is not a header name/],
    ['/[/', /not a valid regular expression/],
    ['/a(/i', /not a valid regular expression/],
    ['/ready/g', /the flags "g" are not allowed/],
    ['', /the text to look for is empty/],
  ];
  for (const [spec, message] of bad) {
    it(`refuses --expect ${JSON.stringify(spec)} with a clear message`, () => {
      assert.throws(() => parseExpect(spec), userError(message));
    });
  }
});

describe('durations and the phase flags', () => {
  it('reads s, m and h, alone or together', () => {
    assert.equal(parseDuration('--wait-timeout', '30s', false), 30_000);
    assert.equal(parseDuration('--wait-timeout', '5m', false), 300_000);
    assert.equal(parseDuration('--wait-timeout', '1h', false), 3_600_000);
    assert.equal(parseDuration('--wait-timeout', '1m30s', false), 90_000);
    assert.equal(parseDuration('--wait-timeout', '1.5s', false), 1_500);
    assert.equal(parseDuration('--repurge-after', '0s', true), 0);
  });

  for (const [text, message] of [['30', /a duration needs a unit/], ['5x', /not a duration/], ['-5s', /not a duration/], ['1m 30s', /not a duration/], ['', /not a duration/], ['25h', /at most 24h/], ['0m', /must be longer than 0/]] as const) {
    it(`refuses --wait-timeout ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseDuration('--wait-timeout', text, false), userError(new RegExp(`--wait-timeout "${text}": ${message.source}`)));
    });
  }

  it('the default timeout is 10 minutes; the flags that need --wait-for are refused without it', () => {
    const settings = phaseSettings({ waitFor: 'https://www.example.com/version', expect: ['v2'] });
    assert.equal(settings.waitFor?.timeoutMs, 600_000);
    assert.equal(settings.repurgeAfterMs, null);
    assert.equal(phaseSettings({ repurgeAfter: '2m' }).repurgeAfterMs, 120_000);
    assert.throws(() => phaseSettings({ expect: ['v2'] }), userError(/--expect belongs to --wait-for/));
    assert.throws(() => phaseSettings({ waitTimeout: '1m' }), userError(/--wait-timeout belongs to --wait-for/));
    assert.throws(() => phaseSettings({ connectTo: ['a:443:127.0.0.1:1'] }), userError(/--connect-to directs the requests of --verify and --warm: give --verify N or --warm too, or --wait-for URL/));
    assert.equal(phaseSettings({ connectTo: ['a:443:127.0.0.1:1'], waitFor: 'https://a/' }).waitFor?.connectTo.length, 1);
  });

  it('--wait-for takes an absolute http(s) URL and never shows its credentials', () => {
    assert.throws(() => phaseSettings({ waitFor: '/version' }), userError(/--wait-for "\/version": not an absolute URL/));
    assert.throws(() => phaseSettings({ waitFor: 'ftp://user:s3cret@example.com/v' }), (error: unknown) => error instanceof UserError && /only http: and https:/.test(error.message) && !error.message.includes('s3cret'));
    assert.equal(shownUrl('https://deploy:s3cret@www.example.com/v?x=1'), 'https://www.example.com/v?x=1');
  });
});

/** A fetcher against a real origin, and a clock that jumps to the next sleeper once no poll is in flight. */
async function withOrigin(serve: OriginAnswer | ((seq: number) => OriginAnswer), body: (origin: Awaited<ReturnType<typeof startOrigin>>, clock: VirtualClock, settings: (extra?: Partial<WaitSettings>) => WaitSettings) => Promise<void>): Promise<void> {
  const origin = await startOrigin(serve);
  // Only the loop sleeps, and only between polls: time jumps to its wake-up once it does.
  const clock = new VirtualClock({ busy: () => false });
  try {
    await body(origin, clock, (extra = {}) => ({ url: `${origin.url}/version`, expectations: [parseExpect('build-42')], timeoutMs: 600_000, connectTo: [], ...extra }));
  } finally {
    await origin.close();
  }
}

async function poll(settings: WaitSettings, clock: VirtualClock, signal = new AbortController().signal) {
  const fetcher = await createWaitFetcher(settings.connectTo);
  const polls: Poll[] = [];
  try {
    const outcome = await waitForBuild(settings, { clock, fetcher, signal, onPoll: (p) => polls.push(p) });
    return { outcome, polls };
  } finally {
    await fetcher.close();
  }
}

describe('waiting for the new build (a real origin, virtual time)', () => {
  it('the origin switches version mid-wait: polls at 0, 5 s, 12.5 s, then ready', async () => {
    await withOrigin((seq) => ({ body: seq < 3 ? 'build-41' : 'build-42' }), async (origin, clock, settings) => {
      const { outcome, polls } = await poll(settings(), clock);
      assert.deepEqual(outcome, { kind: 'ready', polls: 3, elapsedMs: 12_500 });
      assert.deepEqual(clock.sleeps, [5_000, 7_500]);
      assert.equal(origin.requests.length, 3);
      assert.deepEqual(polls.map((p) => [p.poll, p.elapsedMs, p.ready, p.nextInMs]), [[1, 0, false, 5_000], [2, 5_000, false, 7_500], [3, 12_500, true, undefined]]);
      assert.deepEqual(polls[0].reasons, ['body does not contain "build-42"']);
    });
  });

  it('backs off from 5 s to at most 30 s, and times out counting from the first poll (a last poll at the timeout)', async () => {
    await withOrigin({ body: 'build-41' }, async (origin, clock, settings) => {
      const { outcome, polls } = await poll(settings({ timeoutMs: 180_000 }), clock);
      assert.equal(outcome.kind, 'timeout');
      assert.equal(clock.sleeps[0], FIRST_POLL_INTERVAL_MS);
      assert.deepEqual(clock.sleeps.slice(0, 6), [5_000, 7_500, 11_250, 16_875, 25_312.5, 30_000]);
      assert.ok(clock.sleeps.every((ms) => ms <= MAX_POLL_INTERVAL_MS));
      assert.equal(polls.at(-1)!.elapsedMs, 180_000, 'the last poll is at the timeout');
      assert.equal(polls.at(-1)!.nextInMs, undefined);
      assert.equal(origin.requests.length, polls.length);
      if (outcome.kind === 'timeout') assert.deepEqual(outcome.last, ['body does not contain "build-42"']);
    });
  });

  it('a refused connection or a 5xx is not ready; polling goes on', async () => {
    await withOrigin((seq): OriginAnswer => (seq === 1 ? { reset: true } : seq === 2 ? { status: 503, body: 'build-42' } : { body: 'build-42' }), async (origin, clock, settings) => {
      const { outcome, polls } = await poll(settings(), clock);
      assert.equal(outcome.kind, 'ready');
      assert.match(polls[0].reasons[0], /^no answer \(/);
      assert.deepEqual(polls[1].reasons, ['HTTP 503']);
      assert.equal(origin.requests.length, 3);
    });
  });

  it('GET as given: no redirect followed, no API token, credentials of the URL as Basic; --connect-to keeps the Host', async () => {
    await withOrigin((seq): OriginAnswer => (seq === 1 ? { status: 302, headers: { location: '/elsewhere' } } : { body: 'build-42', headers: { 'x-build': '42' } }), async (origin, clock) => {
      const settings: WaitSettings = {
        url: 'http://deploy:s%3Acret@www.example.com:8080/version?v=1', expectations: [parseExpect('header:x-build=42')], timeoutMs: 60_000,
        connectTo: [parseConnectTo(`www.example.com:8080:127.0.0.1:${origin.port}`)],
      };
      const { outcome } = await poll(settings, clock);
      assert.equal(outcome.kind, 'ready');
      assert.deepEqual(origin.requests.map((r) => [r.method, r.target, r.headers.host]), [['GET', '/version?v=1', 'www.example.com:8080'], ['GET', '/version?v=1', 'www.example.com:8080']]);
      assert.equal(origin.requests[0].headers.authorization, `Basic ${Buffer.from('deploy:s:cret').toString('base64')}`);
      assert.ok(origin.requests.every((r) => !JSON.stringify(r.headers).toLowerCase().includes('bearer')));
    });
  });

  it('Ctrl-C during the wait ends it at once', async () => {
    await withOrigin({ body: 'build-41' }, async (origin, clock, settings) => {
      const stop = new AbortController();
      origin.onRequest((request) => { if (request.seq === 2) stop.abort(); });
      const { outcome } = await poll(settings(), clock, stop.signal);
      assert.equal(outcome.kind, 'interrupted');
      assert.equal(origin.requests.length, 2);
    });
  });
});
