// The apply command in this process, its waits on a virtual clock (test/support/clock.ts) and its
// Ctrl-C a test's (docs/commands.md#apply-in-the-deploys-order): the origin switching builds mid-wait and the repurge's wait without
// waiting in real time, and the warm phase's place after the last pass and the state (a trivial
// stand-in for the warm call: interrupted, it resumes there; failing, it fails the apply).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyCommand } from '../src/commands/apply.js';
import type { ApplyCommandOptions } from '../src/commands/apply.js';
import type { Io } from '../src/commands/io.js';
import { plainStyle } from '../src/diagnostics.js';
import type { PhaseDeps, WarmPhase } from '../src/apply/phases.js';
import type { Plan } from '../src/plan/types.js';
import { ManualClock, until, VirtualClock } from './support/clock.js';
import { startOrigin } from './support/origin.js';
import { TOKEN, withStandinSite, ZONE_ID } from './support/site.js';
import type { Site } from './support/site.js';

const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  pages:
    urls: ["https://www.example.com/p/{1..70}"]
`;

interface Ran { code: number; stdout: string; stderr: string }

/** `purgeplan apply --auto-approve --api-url URL …flags` in this process, against the site's files. */
async function applyHere(site: Site, apiUrl: string, flags: Partial<ApplyCommandOptions>, deps: PhaseDeps): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => { stdout += text; },
    stdoutChunks: async (chunks) => { for (const chunk of chunks) stdout += String(chunk); },
    stderr: (text) => { stderr += text; },
    stdoutStyle: plainStyle, stderrStyle: plainStyle, stdoutIsTTY: false, stdinIsTTY: false,
    env: { CLOUDFLARE_API_TOKEN: TOKEN }, cwd: site.dir,
  };
  const options: ApplyCommandOptions = {
    config: join(site.dir, 'purge.yaml'), strict: false, all: false, groups: [], maxItems: 1_000_000, autoApprove: true, apiUrl,
    concurrency: 4, maxRetries: 5, json: false, connectTo: [], expect: [], ...flags,
  };
  try {
    return { code: await applyCommand(undefined, options, io, deps), stdout, stderr };
  } catch (error) {
    return { code: 1, stdout, stderr: `${stderr}${(error as Error).message}\n` };
  }
}

const journalLines = (site: Site) => readFileSync(join(site.dir, '.purgeplan/state.json.journal'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; pass?: number });

describe('the waits on an injected clock', () => {
  it('wait-for: the origin switches to the new build mid-wait; the purges go out after the poll that saw it', async () => {
    const origin = await startOrigin((seq) => ({ body: seq < 4 ? 'version: build-41' : 'version: build-42' }));
    try {
      await withStandinSite({}, CONFIG, async (site, standin) => {
        let pollsBeforeFirstPurge = -1;
        standin.onPurge(() => { if (pollsBeforeFirstPurge === -1) pollsBeforeFirstPurge = origin.requests.length; });
        const clock = new VirtualClock({ busy: () => false });
        const ran = await applyHere(site, standin.url, { waitFor: `${origin.url}/version`, expect: ['/build-42$/'], repurgeAfter: '5m' }, { clock });
        assert.equal(ran.code, 0, ran.stderr);
        assert.equal(pollsBeforeFirstPurge, 4);
        assert.deepEqual(clock.sleeps, [5_000, 7_500, 11_250, 300_000], 'three poll intervals, then the repurge\'s wait');
        assert.match(ran.stdout, /  poll 1 at < 1 s: body does not match \/build-42\$\/; next poll in 5 s\n  poll 2 at 5 s: .*next poll in 8 s\n  poll 3 at 13 s: .*next poll in 12 s\n  poll 4 at 24 s: ready \(HTTP 200\)\n/);
        assert.equal(standin.accepted.length, 6);
      });
    } finally {
      await origin.close();
    }
  });

  it('wait-for times out after 10 minutes by default, counted from the first poll: exit 1, nothing purged', async () => {
    const origin = await startOrigin({ body: 'build-41' });
    try {
      await withStandinSite({}, CONFIG, async (site, standin) => {
        const clock = new VirtualClock({ busy: () => false });
        const ran = await applyHere(site, standin.url, { waitFor: `${origin.url}/version`, expect: ['build-42'] }, { clock });
        assert.equal(ran.code, 1);
        assert.match(ran.stderr, /^the origin does not serve the new build yet \(body does not contain "build-42" after 10 min\); nothing purged$/m);
        assert.equal(clock.sleeps.reduce((sum, ms) => sum + ms, 0), 600_000);
        assert.equal(standin.log.filter((r) => r.method === 'POST').length, 0);
      });
    } finally {
      await origin.close();
    }
  });
});

describe('--json through the phases', () => {
  it('Ctrl-C in the repurge\'s wait: the events end with the second pass\'s summary, interrupted, nothing sent', async () => {
    await withStandinSite({}, CONFIG, async (site, standin) => {
      const clock = new ManualClock();
      const stop = new AbortController();
      const running = applyHere(site, standin.url, { json: true, repurgeAfter: '1h' }, { clock, signal: stop.signal });
      assert.ok(await until(() => clock.sleeping > 0, 1_000_000), 'the wait began');
      stop.abort();
      const ran = await running;
      assert.equal(ran.code, 130);
      const events = ran.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(events.filter((e) => e.type === 'phase').map((e) => [e.phase, e.pass, e.wait_ms]), [['identity', undefined, undefined], ['send', 1, undefined], ['repurge', 2, 3_600_000]]);
      assert.deepEqual(events.filter((e) => e.type === 'summary').map((e) => [e.pass, e.ok, e.interrupted, e.done, e.not_sent]), [[1, true, false, 3, 0], [2, false, true, 0, 3]]);
      assert.equal(standin.accepted.length, 3);
      assert.equal(existsSync(join(site.dir, '.purgeplan/state.json')), false, 'nothing recorded between the passes');
    });
  });
});

describe('the warm phase: after the last pass and the state', () => {
  it('runs once everything is sent and recorded; interrupted, the same command resumes in it and sends nothing', async () => {
    await withStandinSite({}, CONFIG, async (site, standin) => {
      const calls: { plan: Plan; recorded: boolean; complete: boolean }[] = [];
      const stop = new AbortController();
      const interruptedWarm: WarmPhase = async (plan, last, signal) => {
        calls.push({ plan, recorded: existsSync(join(site.dir, '.purgeplan/state.json')), complete: journalLines(site).at(-1)!.type === 'complete' });
        assert.equal(last.ok, true);
        stop.abort();
        return signal.aborted ? 130 : 0;
      };
      const clock = new VirtualClock({ busy: () => false });
      const first = await applyHere(site, standin.url, { repurgeAfter: '30s' }, { clock, warm: interruptedWarm, signal: stop.signal });
      assert.equal(first.code, 130);
      assert.match(first.stdout, /Phase warm: requesting what was purged\nInterrupted while warming: every purge was sent and recorded/);
      assert.deepEqual(calls.map((c) => [c.recorded, c.complete]), [[true, false]], 'after the state, before the journal closes');
      assert.equal(standin.accepted.length, 6);
      assert.notEqual(journalLines(site).at(-1)!.type, 'complete');

      const warmed: WarmPhase = async (plan, last) => {
        calls.push({ plan, recorded: true, complete: false });
        assert.deepEqual(last.outcomes.map((o) => o.status), ['skipped', 'skipped', 'skipped'], 'every request purged, by the earlier run');
        return 0;
      };
      const second = await applyHere(site, standin.url, { repurgeAfter: '30s' }, { clock: new VirtualClock({ busy: () => false }), warm: warmed });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.equal(standin.accepted.length, 6, 'nothing sent again');
      assert.equal(calls.length, 2);
      assert.equal(calls[1].plan.plan_id, calls[0].plan.plan_id, 'the same plan is warmed');
      assert.match(second.stdout, /Phase send: the first pass was sent by an earlier run \(3 requests\)\nPhase repurge: the second pass was sent by an earlier run\n/);
      assert.equal(journalLines(site).at(-1)!.type, 'complete');

      const third = await applyHere(site, standin.url, { repurgeAfter: '30s' }, { warm: warmed });
      assert.equal(third.code, 0, third.stdout + third.stderr);
      assert.match(third.stdout, /No purges planned|Nothing to apply/);
      assert.equal(calls.length, 2, 'a completed apply is not warmed again');
    });
  });

  it('a warm phase that fails fails the apply (exit 1); the purges and the state stand', async () => {
    await withStandinSite({}, CONFIG, async (site, standin) => {
      const ran = await applyHere(site, standin.url, {}, { warm: async () => 1 });
      assert.equal(ran.code, 1);
      assert.equal(standin.accepted.length, 3);
      assert.equal(journalLines(site).at(-1)!.type, 'complete');
      assert.ok(readFileSync(join(site.dir, '.purgeplan/state.json'), 'utf8').includes('"pages"'));
    });
  });
});
