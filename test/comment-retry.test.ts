// docs/ci.md under a flaky network: GitHub's rate limits (a 429, or a 403 with retry-after or
// x-ratelimit-remaining: 0, "You have exceeded a secondary rate limit") refuse a request without
// carrying it out, so it is sent again after the time GitHub asks, whatever its method; a server
// error is retried only where sending twice cannot post twice. A rate limit is never mistaken for
// a fork's read-only token. Built CLI against the loopback stand-in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitWait, retryDelay, ForgeError } from '../src/forge/http.js';
import type { GitHubFault, GitHubRequest, GitHubStandin } from './support/github-standin.js';
import { smallConfig } from './support/comment-fixtures.js';
import { withGitHub } from './support/forge-world.js';
import type { ForgeWorld } from './support/forge-world.js';

const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

/** `comment github --all` on pull request 7 (a job summary as well, as in Actions). */
const comment = (run: ForgeWorld<GitHubStandin>['run']) => run(['--all'], { GITHUB_STEP_SUMMARY: 'summary.md' });

/** Answers `fault` to the first `times` requests matching `method`. */
const failing = (method: string, fault: number | GitHubFault, times = 1) => (request: GitHubRequest) => (request.method === method && times-- > 0 ? fault : undefined);
const sent = (standin: GitHubStandin, method: string) => standin.requests.filter((r) => r.method === method).length;

describe('comment github: rate limits and server errors', () => {
  it('a secondary rate limit on creating (403, retry-after: 1) waits and posts once', async () => {
    await withGitHub({ fault: failing('POST', { status: 403, message: SECONDARY, headers: { 'retry-after': '1' } }) }, smallConfig(), async ({ standin, run }) => {
      const result = await comment(run);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sent(standin, 'POST'), 2);
      // Seen at the stand-in: the refused POST, then the same POST a second later. A lower bound the
      // load cannot break (a slow machine only widens it); 50 ms for a timer armed on the event
      // loop's cached time. The wait itself is the decision table's (retryDelay, below).
      const [refused, resent] = standin.requests.filter((r) => r.method === 'POST');
      assert.ok(resent!.at - refused!.at >= 950, `sent again ${Math.round(resent!.at - refused!.at)} ms after the refusal`);
      assert.deepEqual(resent!.body, refused!.body);
      assert.equal(standin.comments(7).length, 1, 'posted once');
      assert.doesNotMatch(result.stderr, /warning/);
    });
  });

  it('a 429 on listing with x-ratelimit-remaining: 0 waits until x-ratelimit-reset', async () => {
    const reset = () => String(Math.ceil(Date.now() / 1000));
    let left = 1;
    await withGitHub({ fault: (request) => (request.method === 'GET' && left-- > 0 ? { status: 429, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset() } } : undefined) }, smallConfig(), async ({ standin, run }) => {
      const result = await comment(run);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sent(standin, 'GET'), 2);
      assert.equal(standin.comments(7).length, 1);
    });
  });

  it('a 500 on editing is retried; on creating it is not (it could post twice)', async () => {
    await withGitHub({ fault: failing('PATCH', 500) }, smallConfig(), async ({ standin, run }) => {
      const own = standin.seed(7, '<!-- purgeplan:purge.yaml -->\nold plan', 'github-actions[bot]');
      const result = await comment(run);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(sent(standin, 'PATCH'), 2);
      assert.match(own.body, /### purgeplan plan/);
    });
    await withGitHub({ fault: failing('POST', 500) }, smallConfig(), async ({ standin, run }) => {
      const result = await comment(run);
      assert.equal(result.code, 1);
      assert.equal(sent(standin, 'POST'), 1);
    });
  });

  it('a rate limit that outlasts the retries is an error (exit 1), not a fork\'s read-only warning', async () => {
    await withGitHub({ fault: failing('POST', { status: 403, message: SECONDARY, headers: { 'retry-after': '0' } }, 10) }, smallConfig(), async ({ standin, run }) => {
      const result = await comment(run);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /error: GitHub answered 403 to POST .*secondary rate limit/);
      assert.doesNotMatch(result.stderr, /warning/);
      assert.equal(sent(standin, 'POST'), 3);
    });
  });

  it('a rate limit asking for an hour is not waited for: exit 1 at once', async () => {
    await withGitHub({ fault: failing('POST', { status: 429, message: 'API rate limit exceeded', headers: { 'retry-after': '3600' } }) }, smallConfig(), async ({ standin, run }) => {
      // Killed after two minutes, a run that waits the hour fails on its exit code (null) instead of hanging the suite.
      const result = await run(['--all'], { GITHUB_STEP_SUMMARY: 'summary.md' }, { killAfterMs: 120_000 });
      assert.equal(result.code, 1, `${result.signal ?? ''} ${result.stderr}`);
      assert.match(result.stderr, /error: GitHub answered 429 to POST .*API rate limit exceeded/);
      assert.equal(sent(standin, 'POST'), 1, 'not sent again');
    });
  });
});

describe('retryDelay: the decision table', () => {
  const error = (status: number, headers: Record<string, string> = {}, message = 'x') => new ForgeError(message, status, headers);
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('one line per case', () => {
    assert.equal(retryDelay(new Error('bug'), 'GET', 0, now), null);
    assert.equal(retryDelay(error(502), 'GET', 2, now), null, 'limit reached');
    assert.equal(retryDelay(error(403, { 'retry-after': '5' }), 'POST', 0, now), 5_000, 'rate limited: any method');
    assert.equal(retryDelay(error(429, { 'retry-after': '61' }), 'GET', 0, now), null, 'over a minute');
    assert.equal(retryDelay(error(502), 'POST', 0, now), null);
    assert.equal(retryDelay(error(0), 'PATCH', 0, now), 1_000);
    assert.equal(retryDelay(error(500), 'DELETE', 1, now), 2_000);
    assert.equal(retryDelay(error(422), 'PATCH', 0, now), null);
    assert.equal(retryDelay(error(403, {}, 'Resource not accessible by integration'), 'POST', 0, now), null, 'a read-only token');
  });
  it('rateLimitWait reads retry-after (seconds or a date), then x-ratelimit-reset, then waits a minute', () => {
    assert.equal(rateLimitWait(error(429, { 'retry-after': 'Tue, 01 Dec 2026 12:00:07 GMT' }), now), 7_000);
    assert.equal(rateLimitWait(error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }), now), 11_000);
    assert.equal(rateLimitWait(error(403, {}, SECONDARY), now), 60_000);
    assert.equal(rateLimitWait(error(404), now), null);
  });
});
