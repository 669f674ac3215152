// applyPlan end to end against the loopback Cloudflare stand-in (docs/commands.md#apply, docs/commands.md).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import type { Plan, PlanZone, PurgeBody } from '../src/plan/types.js';
import { requestKind } from '../src/plan/types.js';
import { requestSize, wireBody } from '../src/plan/files.js';
import type { ApplyEvent, ApplyOptions, ApplyResult } from '../src/apply/run.js';
import { applyPlan } from '../src/apply/run.js';
import { acquireLock } from '../src/apply/lock.js';
import type { Fault, Standin, StandinOptions } from './support/cloudflare-standin.js';
import { DEFAULT_ZONE, startStandin } from './support/cloudflare-standin.js';
import { ManualClock, until, VirtualClock } from './support/clock.js';

const TOKEN = 'test-token';
const runRoot = mkdtempSync(join(tmpdir(), 'purgeplan-run-'));
after(() => rmSync(runRoot, { recursive: true, force: true }));

interface RequestSpec { zone?: string; groups?: string[]; body: PurgeBody }

function zone(overrides: Partial<PlanZone> = {}): PlanZone {
  return {
    name: 'www', zone_id: DEFAULT_ZONE.id, zone_name: DEFAULT_ZONE.name, account_id: null, plan: 'free',
    token_env: 'CLOUDFLARE_API_TOKEN', cache_key: null, files_per_request: 30, items_per_request: 100, ...overrides,
  };
}

function makePlan(requests: RequestSpec[], zones: PlanZone[] = [zone()]): Plan {
  const byName = new Map(zones.map((z) => [z.name, z]));
  const planned = requests.map((r) => ({ zone: r.zone ?? 'www', zone_id: byName.get(r.zone ?? 'www')!.zone_id, action: 'purge' as const, groups: r.groups ?? ['posts'], kind: requestKind(r.body), size: requestSize(r.body), body: r.body }));
  const groups = [...new Set(planned.flatMap((r) => r.groups))].map((name) => ({ name, zone: 'www', zones: ['www'], status: 'new' as const, items: 0, due: true }));
  return {
    format_version: 1, config: { path: 'purge.yaml', digest: 'sha256:c', inputs_digest: 'sha256:i' }, baseline: { kind: 'none' },
    groups, requests: planned, zones, coverage: [], cache_keys: {}, state: { path: '.purgeplan/state.json', digest: null },
    summary: { requests: planned.length, files: 0, hosts: 0, prefixes: 0, tags: 0, everything: 0, covered: 0, duplicates: 0 },
    plan_id: 'sha256:' + createHash('sha256').update(JSON.stringify(planned)).digest('hex'),
  };
}

const files = (from: number, count: number, prefix = 'p'): PurgeBody => ({ files: Array.from({ length: count }, (_, i) => `https://www.example.com/${prefix}/${from + i}`) });
const fileChunks = (chunks: number, size = 30, group = 'posts'): RequestSpec[] => Array.from({ length: chunks }, (_, i) => ({ groups: [group], body: files(i * size, size) }));

interface Run { result: ApplyResult; events: ApplyEvent[]; journalPath: string }

async function run(standin: Standin | null, plan: Plan, options: Partial<ApplyOptions> = {}): Promise<Run> {
  const events: ApplyEvent[] = [];
  const journalPath = options.journalPath ?? join(mkdtempSync(join(runRoot, 'case-')), '.purgeplan', 'journal.json');
  const lock = options.lock ?? acquireLock(`${journalPath}.lock`);
  try {
    const result = await applyPlan(plan, {
      apiUrl: standin?.url ?? 'http://127.0.0.1:9/client/v4', env: { CLOUDFLARE_API_TOKEN: TOKEN }, concurrency: 4, maxRetries: 5,
      journalPath, random: () => 0, ...options, lock, onEvent: (e) => { events.push(e); options.onEvent?.(e); },
    });
    return { result, events, journalPath };
  } finally {
    lock.release();
  }
}

async function withStandin<T>(options: StandinOptions, fn: (standin: Standin) => Promise<T>): Promise<T> {
  const standin = await startStandin(options);
  try {
    return await fn(standin);
  } finally {
    await standin.close();
  }
}

type PacedRun = (plan: Plan, options?: Partial<ApplyOptions>) => Promise<Run>;

/**
 * The stand-in and applyPlan on one virtual clock (test/support/clock.ts): a request takes no
 * virtual time and a wait takes exactly what the client asked, so the stand-in's limits judge
 * the pacing the client decided, and spans are exact, whatever the machine's load.
 */
async function withVirtualTime<T>(options: StandinOptions, fn: (standin: Standin, paced: PacedRun, clock: VirtualClock) => Promise<T>): Promise<T> {
  // Busy: a purge started and not finished, unless it sleeps before being sent again. A purge's
  // first arrival is its first attempt; later arrivals of the same body are its retries.
  let started = 0;
  let finished = 0;
  let retries = 0;
  let resent = 0;
  const arrivals = new Map<string, number>();
  const clock = new VirtualClock({ busy: () => started - finished - (retries - resent) > 0 });
  const fault: StandinOptions['fault'] = (ctx) => {
    if (ctx.purgeSeq !== undefined) {
      const key = JSON.stringify(ctx.body);
      const seen = arrivals.get(key) ?? 0;
      arrivals.set(key, seen + 1);
      if (seen > 0) resent++;
      clock.settle();
    }
    return options.fault?.(ctx);
  };
  return withStandin({ ...options, fault, clock: { now: () => clock.now() } }, (standin) => fn(standin, (plan, runOptions = {}) => run(standin, plan, {
    ...runOptions,
    clock,
    onEvent: (e) => {
      if (e.type === 'request_start') started++;
      else if (e.type === 'request_done' || (e.type === 'request_failed' && e.attempts !== 0)) finished++;
      else if (e.type === 'request_retry') retries++;
      clock.settle();
      runOptions.onEvent?.(e);
    },
  }), clock));
}

/** Every URL of the plan arrived exactly once. */
function assertExactlyOnce(standin: Standin, plan: Plan): void {
  const sent = standin.accepted.flatMap((a) => (a.body.files ?? a.body.tags ?? a.body.hosts ?? a.body.prefixes ?? ['everything']) as string[]);
  const planned = plan.requests.flatMap((r) => Object.values(wireBody(r.body))[0] as string[]);
  assert.deepEqual([...sent].sort(), [...planned].sort());
}

function assertNoToken(token: string, ...values: unknown[]): void {
  for (const value of values) {
    const text = typeof value === 'string' ? value : JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { message: v.message, hint: (v as UserError).hint, stack: v.stack } : v));
    assert.ok(!text.includes(token), `token found in ${text.slice(0, 300)}`);
  }
}

const purges = (standin: Standin): number => standin.log.filter((l) => l.path.endsWith('/purge_cache')).length;

describe('applyPlan against the stand-in', () => {
  it('sends every request once, in plan order, journaling each, over kept-alive connections', async () => {
    await withStandin({}, async (standin) => {
      const plan = makePlan([{ body: { hosts: ['www.example.com'] } }, { groups: ['tags'], body: { tags: ['posts', 'news'] } }, ...fileChunks(3)]);
      const { result, events, journalPath } = await run(standin, plan, { concurrency: 1 });
      assert.equal(result.ok, true);
      assert.equal(result.interrupted, false);
      assert.deepEqual(result.outcomes.map((o) => o.status), ['done', 'done', 'done', 'done', 'done']);
      assert.deepEqual(standin.accepted.map((a) => a.body), plan.requests.map((r) => r.body), 'bodies exactly as planned, in order');
      assert.deepEqual(result.outcomes.map((o) => o.id), standin.accepted.map((a) => a.id));
      assert.deepEqual(result.completedGroups, ['posts', 'tags']);
      const [header, ...entries] = readFileSync(journalPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      assert.equal(header.format_version, 2);
      assert.equal(header.plan_id, plan.plan_id);
      assert.deepEqual(entries.map((e) => e.index), [0, 1, 2, 3, 4]);
      assert.equal(entries[2].id, standin.accepted[2].id);
      assert.equal(standin.connections, 1);
      assert.deepEqual(standin.log.slice(0, 1).map((l) => l.path), ['/client/v4/user/tokens/verify']);
      assert.ok(standin.log.every((l) => l.authorization === `Bearer ${TOKEN}`));
      assert.deepEqual(events.map((e) => e.type).filter((t) => t !== 'request_start'), ['start', 'request_done', 'request_done', 'request_done', 'request_done', 'request_done', 'summary']);
      assert.equal(existsSync(`${journalPath}.lock`), false, 'lock released');
      assertNoToken(TOKEN, events, result, readFileSync(journalPath, 'utf8'));
    });
  });

  it('survives 429s (with and without retry-after), 500s, resets and delays: every item exactly once', async () => {
    const faults: Record<number, Fault> = {
      2: { kind: 'status', status: 429, retryAfterSeconds: 1 },
      3: { kind: 'status', status: 429 },
      4: { kind: 'status', status: 500 },
      5: { kind: 'status', status: 503 },
      6: { kind: 'reset' },
      7: { kind: 'delay', ms: 150 },
      9: { kind: 'reset' },
    };
    await withVirtualTime({ fault: ({ purgeSeq }) => (purgeSeq === undefined ? undefined : faults[purgeSeq]) }, async (standin, paced, clock) => {
      const plan = makePlan(fileChunks(8));
      const { result, events } = await paced(plan, { concurrency: 2 });
      assert.equal(result.ok, true, JSON.stringify(result.outcomes.filter((o) => o.status !== 'done')));
      assertExactlyOnce(standin, plan);
      assert.equal(result.rateLimited, 2);
      const retries = events.filter((e) => e.type === 'request_retry');
      assert.equal(retries.length, 6);
      assert.deepEqual(retries.map((e) => e.rule).sort(), ['rate_limited', 'rate_limited', 'server_error', 'server_error', 'transport', 'transport']);
      assert.ok(retries.some((e) => e.rule === 'rate_limited' && e.delay_ms === 1000), 'retry-after honoured exactly');
      assert.ok(clock.sleeps.includes(1000), `slept for the retry-after (sleeps: ${clock.sleeps.join(', ')})`);
      assert.ok(result.elapsedMs >= 1000, `waited for retry-after: ${result.elapsedMs} ms`);
      assert.equal(result.outcomes.reduce((n, o) => n + o.attempts, 0), 8 + 6);
      assertNoToken(TOKEN, events, result);
    });
  });

  it('a 4xx on one chunk fails it with Cloudflare\'s errors; the other requests still run', async () => {
    const errors = [{ code: 1016, message: 'Unable to purge https://www.example.com/p/30, which is an invalid URL.' }];
    await withStandin({ fault: ({ purgeSeq }) => (purgeSeq === 2 ? { kind: 'status', status: 400, errors } : undefined) }, async (standin) => {
      const plan = makePlan([...fileChunks(2), { groups: ['tags'], body: { tags: ['a'] } }, ...fileChunks(2, 30, 'other').map((r, i) => ({ ...r, body: files(100 + i * 30, 30) }))]);
      const { result, events } = await run(standin, plan, { concurrency: 1 });
      assert.equal(result.ok, false);
      assert.deepEqual(result.outcomes.map((o) => o.status), ['done', 'failed', 'done', 'done', 'done']);
      assert.deepEqual(result.outcomes[1].errors, errors);
      assert.equal(result.outcomes[1].httpStatus, 400);
      assert.equal(result.outcomes[1].attempts, 1);
      assert.deepEqual(result.completedGroups, ['tags', 'other']);
      const summary = events.find((e) => e.type === 'summary')!;
      assert.equal(summary.failed, 1);
      assert.deepEqual((summary.failures as { errors: unknown }[])[0].errors, errors);
    });
  });

  it('5xx until max retries fails that request only', async () => {
    await withStandin({ fault: ({ body }) => (JSON.stringify(body ?? null).includes('/p/0"') ? { kind: 'status', status: 502 } : undefined) }, async (standin) => {
      const plan = makePlan(fileChunks(3));
      const { result } = await run(standin, plan, { maxRetries: 2 });
      assert.deepEqual(result.outcomes.map((o) => [o.status, o.attempts]), [['failed', 3], ['done', 1], ['done', 1]]);
      assert.equal(result.outcomes[0].httpStatus, 502);
      assert.equal(result.ok, false);
    });
  });

  it('a request that times out is retried', async () => {
    let delayed = 0;
    await withStandin({ fault: ({ purgeSeq }) => (purgeSeq === 1 && ++delayed === 1 ? { kind: 'delay', ms: 600 } : undefined) }, async (standin) => {
      const plan = makePlan(fileChunks(2));
      const { result, events } = await run(standin, plan, { requestTimeoutMs: 200, concurrency: 1 });
      assert.equal(result.ok, true);
      assert.deepEqual(result.outcomes.map((o) => o.attempts), [2, 1]);
      const retry = events.find((e) => e.type === 'request_retry')!;
      assert.match(String(retry.reason), /no answer within 200 ms/);
      // The timed-out attempt may still be processed by the server later (as Cloudflare might):
      // a purge is safe to repeat, so at least once is the promise for a timed-out request.
    });
  });

  it('interrupt mid-run, then re-run with the same journal: nothing lost, nothing resent', async () => {
    await withStandin({ fault: ({ purgeSeq }) => (purgeSeq === undefined ? undefined : { kind: 'delay', ms: 40 }) }, async (standin) => {
      const plan = makePlan(fileChunks(12));
      const controller = new AbortController();
      const journalPath = join(mkdtempSync(join(runRoot, 'case-')), 'journal.json');
      const lock = acquireLock(`${journalPath}.lock`);
      const first = await applyPlan(plan, {
        apiUrl: standin.url, env: { CLOUDFLARE_API_TOKEN: TOKEN }, concurrency: 2, maxRetries: 5, journalPath, signal: controller.signal, lock,
        onEvent: (e) => { if (e.type === 'request_done' && e.completed === 3) controller.abort(); },
      }).finally(() => lock.release());
      assert.equal(first.interrupted, true);
      assert.equal(first.ok, false);
      const done = first.outcomes.filter((o) => o.status === 'done').length;
      assert.ok(done >= 3 && done < 12, `done ${done}`);
      assert.equal(standin.accepted.length, done, 'in-flight requests finished and were counted');
      assert.ok(first.outcomes.every((o) => o.status === 'done' || o.status === 'not_sent'));
      assert.equal(readFileSync(journalPath, 'utf8').trim().split('\n').length - 1, done);

      const second = await run(standin, plan, { journalPath });
      assert.equal(second.result.ok, true);
      assert.equal(second.result.outcomes.filter((o) => o.status === 'skipped').length, done);
      assert.equal(second.events.filter((e) => e.type === 'request_skipped').length, done);
      assertExactlyOnce(standin, plan);
      assert.deepEqual(second.result.completedGroups, ['posts']);

      const third = await run(standin, plan, { journalPath });
      assert.equal(third.result.ok, true);
      assert.equal(standin.accepted.length, 12, 'a finished plan sends nothing');
    });
  });

  it('an abort before the first request sends no purge and reports interrupted', async () => {
    await withStandin({}, async (standin) => {
      const controller = new AbortController();
      controller.abort();
      const { result } = await run(standin, makePlan(fileChunks(2)), { signal: controller.signal });
      assert.equal(result.interrupted, true);
      assert.equal(purges(standin), 0);
      assert.deepEqual(result.outcomes.map((o) => o.status), ['not_sent', 'not_sent']);
    });
  });

  it('bounds requests in flight by --concurrency', async () => {
    // The stand-in holds every purge on a clock the test moves: in flight = held. The test lets
    // them go once as many are held as the client may have in flight (or it sends no more).
    const clock = new ManualClock();
    const fault = ({ purgeSeq }: { purgeSeq?: number }): Fault | undefined => (purgeSeq === undefined ? undefined : { kind: 'delay', ms: 30 });
    await withStandin({ fault, clock }, async (standin) => {
      let finished = false;
      let peak = 0;
      const running = run(standin, makePlan(fileChunks(10)), { concurrency: 3 }).finally(() => { finished = true; });
      while (!finished) {
        await until(() => finished || clock.sleeping >= Math.min(3, 10 - purges(standin)), 1_000);
        peak = Math.max(peak, clock.sleeping);
        await clock.advance(30);
      }
      const { result } = await running;
      assert.equal(result.ok, true);
      assert.equal(peak, 3);
      assert.ok(standin.connections <= 3, `${standin.connections} connections`);
    });
  });
});

describe('applyPlan: tokens, zones and the base URL are checked before any purge', () => {
  for (const env of [{}, { CLOUDFLARE_API_TOKEN: '' }, { CLOUDFLARE_API_TOKEN: '  \n' }]) {
    it(`a missing or empty token is an error naming the variable, and nothing is sent (${JSON.stringify(env)})`, async () => {
      await withStandin({}, async (standin) => {
        await assert.rejects(run(standin, makePlan(fileChunks(1)), { env }), (error: unknown) =>
          error instanceof UserError && /CLOUDFLARE_API_TOKEN/.test(error.message) && /not set or empty/.test(error.message));
        assert.deepEqual(standin.log, []);
      });
    });
  }

  it('every missing variable is named, zone by zone', async () => {
    const plan = makePlan([{ body: files(0, 1) }, { zone: 'shop', body: files(1, 1) }], [zone(), zone({ name: 'shop', token_env: 'SHOP_TOKEN' })]);
    await assert.rejects(run(null, plan, { env: {} }), /CLOUDFLARE_API_TOKEN \(zone www\), SHOP_TOKEN \(zone shop\) are not set or empty/);
  });

  it('a zone with nothing left to send needs no token', async () => {
    await withStandin({}, async (standin) => {
      const plan = makePlan([{ body: files(0, 1) }], [zone(), zone({ name: 'unused', token_env: 'UNUSED_TOKEN' })]);
      assert.equal((await run(standin, plan)).result.ok, true);
    });
  });

  it('a token Cloudflare refuses at both verify endpoints is an error before any purge', async () => {
    await withStandin({}, async (standin) => {
      const plan = makePlan(fileChunks(2), [zone({ account_id: DEFAULT_ZONE.account_id })]);
      const wrong = 'wrong-token-0123456789';
      let caught: unknown;
      await run(standin, plan, { env: { CLOUDFLARE_API_TOKEN: wrong } }).catch((error: unknown) => (caught = error));
      assert.ok(caught instanceof UserError);
      assert.match(caught.message, /Cloudflare refused the API token in CLOUDFLARE_API_TOKEN: HTTP 401: 1000 Invalid API Token/);
      assert.deepEqual(standin.log.map((l) => l.path), ['/client/v4/user/tokens/verify', `/client/v4/accounts/${DEFAULT_ZONE.account_id}/tokens/verify`]);
      assertNoToken(wrong, caught);
    });
  });

  it('with no account known, the first purge decides: refused, the rest is not sent', async () => {
    await withStandin({}, async (standin) => {
      const wrong = 'wrong-token-0123456789';
      const { result, events } = await run(standin, makePlan(fileChunks(4)), { env: { CLOUDFLARE_API_TOKEN: wrong } });
      assert.equal(result.ok, false);
      assert.equal(purges(standin), 1, 'one purge probed the token');
      assert.deepEqual(result.outcomes.map((o) => o.status), ['failed', 'not_sent', 'not_sent', 'not_sent']);
      assert.match(result.outcomes[1].message ?? '', /refused the token in CLOUDFLARE_API_TOKEN/);
      assert.deepEqual(result.outcomes[1].errors, [{ code: 10000, message: 'Authentication error' }]);
      assertNoToken(wrong, result, events);
    });
  });

  it('an account-owned token is verified at /accounts/{id}/tokens/verify', async () => {
    await withStandin({ tokens: [], accountTokens: [{ token: 'account-token-42', account_id: 'acc1' }] }, async (standin) => {
      const { result } = await run(standin, makePlan(fileChunks(2), [zone({ account_id: 'acc1' })]), { env: { CLOUDFLARE_API_TOKEN: 'account-token-42' } });
      assert.equal(result.ok, true);
      assert.deepEqual(standin.log.slice(0, 2).map((l) => l.status), [403, 200]);
    });
  });

  it('refuses a plain http base URL to a non-loopback host before reading anything', async () => {
    await assert.rejects(run(null, makePlan(fileChunks(1)), { apiUrl: 'http://api.cloudflare.com/client/v4' }), (error: unknown) =>
      error instanceof UserError && /clear text/.test(error.message));
  });

  it('looks up a zone given by name and purges it by its id', async () => {
    const other = { id: 'f'.repeat(32), name: 'other.example', plan: 'pro' as const, account_id: 'acc2' };
    await withStandin({ zones: [DEFAULT_ZONE, other] }, async (standin) => {
      const plan = makePlan(fileChunks(1), [zone({ zone_id: null, zone_name: 'EXAMPLE.com' })]);
      const { result } = await run(standin, plan);
      assert.equal(result.ok, true);
      assert.ok(standin.log.some((l) => l.path === '/client/v4/zones?name=EXAMPLE.com&per_page=50'));
      assert.equal(standin.accepted[0].zoneId, DEFAULT_ZONE.id);
    });
  });

  it('no zone of that name: a clear error, nothing purged', async () => {
    await withStandin({}, async (standin) => {
      await assert.rejects(run(standin, makePlan(fileChunks(1), [zone({ zone_id: null, zone_name: 'missing.example' })])), (error: unknown) =>
        error instanceof UserError && /no zone named missing.example is visible to this token/.test(error.message) && /zones\.www\.id/.test(error.hint ?? ''));
      assert.equal(purges(standin), 0);
    });
  });

  it('several zones of that name: give zones.<local>.id', async () => {
    const twin = { ...DEFAULT_ZONE, id: 'e'.repeat(32), account_id: 'acc2' };
    await withStandin({ zones: [DEFAULT_ZONE, twin] }, async (standin) => {
      await assert.rejects(run(standin, makePlan(fileChunks(1), [zone({ zone_id: null })])), /2 zones are named example.com: give zones.www.id/);
      assert.equal(purges(standin), 0);
    });
  });

});

describe('applyPlan: pacing against a stand-in enforcing the documented limits (one virtual clock)', () => {
  it('pro tags: a full bucket, then paced: no 429', async () => {
    await withVirtualTime({ zones: [{ ...DEFAULT_ZONE, plan: 'pro' }], rateLimitHeaders: true }, async (standin, paced) => {
      const plan = makePlan(Array.from({ length: 29 }, (_, i) => ({ body: { tags: [`t${i}`] } })), [zone({ plan: 'pro' })]);
      const { result } = await paced(plan, { concurrency: 8 });
      assert.equal(result.ok, true);
      assert.equal(standin.rateLimited, 0);
      assert.equal(result.rateLimited, 0);
      const at = standin.accepted.map((a) => a.at);
      assert.deepEqual(at.slice(0, 25), Array(25).fill(0), 'the bucket\'s 25 at once');
      const span = at[at.length - 1] - at[0];
      assert.ok(span >= 4 * 200 && span < 1500, `29 requests took ${span} ms (25 at once, then 4 at 5/s)`);
      assertExactlyOnce(standin, plan);
    });
  });

  it('free files: a moving window of 800 URLs per second, no 429', async () => {
    await withVirtualTime({}, async (standin, paced) => {
      const plan = makePlan(fileChunks(40, 30));
      const { result } = await paced(plan, { concurrency: 8 });
      assert.equal(result.ok, true);
      assert.equal(standin.rateLimited, 0);
      const at = standin.accepted.map((a) => a.at);
      const span = at[at.length - 1] - at[0];
      assert.ok(span >= 1000 && span < 1500, `1200 URLs took ${span} ms`);
      assertExactlyOnce(standin, plan);
    });
  });

  it('a 429 from the limiter (retry-after) holds the limiter and the request is retried', async () => {
    await withVirtualTime({ zones: [{ ...DEFAULT_ZONE, plan: 'pro' }], limits: { pro: { bucketSize: 3 } } }, async (standin, paced) => {
      const plan = makePlan(Array.from({ length: 6 }, (_, i) => ({ body: { hosts: [`h${i}.example.com`] } })), [zone({ plan: 'pro' })]);
      const { result } = await paced(plan, { concurrency: 2 });
      assert.equal(result.ok, true);
      assert.ok(standin.rateLimited >= 1 && standin.rateLimited <= 3, `${standin.rateLimited} 429s`);
      assertExactlyOnce(standin, plan);
    });
  });
});
