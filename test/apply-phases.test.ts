// `purgeplan apply` in the deploy's order (docs/commands.md#apply-in-the-deploys-order), through the built CLI against real loopback
// servers: the Cloudflare stand-in (which answers the zone read and counts every purge), an origin
// that switches from the old build to the new one, the edge for --verify. Zone identity, the wait
// for the new build, the second pass, and Ctrl-C at each phase boundary followed by the same
// command again.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import type { Standin, StandinOptions } from './support/cloudflare-standin.js';
import { startEdge } from './support/edge-standin.js';
import { startOrigin } from './support/origin.js';
import type { Origin } from './support/origin.js';
import { TOKEN, withStandinSite, ZONE_ID } from './support/site.js';
import type { CliResult, RunOptions, Site } from './support/site.js';

/** 70 pages: three requests on the pro plan (30, 30, 10 files). */
function config(name = 'example.com', extra = ''): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: ${name}, plan: pro${extra} }
groups:
  pages:
    urls: ["http://www.example.com/p/{1..70}"]
`;
}

const REQUESTS = 3;
const env = { CLOUDFLARE_API_TOKEN: TOKEN };
const apply = (site: Site, standin: Standin, args: readonly string[] = [], options: RunOptions = {}): Promise<CliResult> =>
  site.run(['apply', '--auto-approve', '--api-url', standin.url, ...args], { env, killAfterMs: 60_000, ...options });

const posts = (standin: Standin) => standin.log.filter((r) => r.method === 'POST');
const zoneReads = (standin: Standin) => standin.log.filter((r) => r.method === 'GET' && r.path === `/client/v4/zones/${ZONE_ID}`);
/** How many times each request body was accepted, by body. */
function acceptedCounts(standin: Standin): number[] {
  const counts = new Map<string, number>();
  for (const purge of standin.accepted) counts.set(JSON.stringify(purge.body), (counts.get(JSON.stringify(purge.body)) ?? 0) + 1);
  return [...counts.values()];
}
const journal = (site: Site) => site.read('.purgeplan/state.json.journal').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
const requestLines = (site: Site, pass: 1 | 2) => journal(site).filter((line) => line.type === 'request' && (line.pass ?? 1) === pass).length;
const stateRecorded = (site: Site) => existsSync(join(site.dir, '.purgeplan/state.json'));
const events = (stdout: string) => stdout.trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

/** Sends Ctrl-C to the child once `when` holds (looked at on every event-loop tick). */
function interruptWhen(when: () => boolean): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      if (!when()) return;
      clearInterval(timer);
      child.kill('SIGINT');
    }, 5);
    child.on('close', () => clearInterval(timer));
  };
}

async function withOrigin(body: (origin: Origin) => Promise<void>, build = 'build-42'): Promise<void> {
  const origin = await startOrigin({ body: build });
  try {
    await body(origin);
  } finally {
    await origin.close();
  }
}

describe('the stand-in answers GET /zones/{id} as Cloudflare does', () => {
  const read = async (standin: Standin, id: string, token = TOKEN) => {
    const response = await fetch(`${standin.url}/zones/${id}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() as { success: boolean; errors: { code: number }[]; result: Record<string, unknown> | null } };
  };

  it('200 with the zone object; 403 for a token that may not read zones or a zone it cannot reach; 400 for a malformed id', async () => {
    await withStandinSite({ zoneReaders: [TOKEN] }, config(), async (_site, standin) => {
      const ok = await read(standin, ZONE_ID);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.success, true);
      assert.deepEqual([ok.body.result?.id, ok.body.result?.name, ok.body.result?.status], [ZONE_ID, 'example.com', 'active']);
      assert.deepEqual(ok.body.result?.account, { id: 'acc1', name: 'Account acc1' });
      assert.equal((await read(standin, 'f'.repeat(32))).status, 403);
      assert.equal((await read(standin, 'not-an-id')).body.errors[0].code, 7003);
    });
    await withStandinSite({ tokens: [TOKEN, 'purge-only'], zoneReaders: [TOKEN] }, config(), async (_site, standin) => {
      const refused = await read(standin, ZONE_ID, 'purge-only');
      assert.deepEqual([refused.status, refused.body.errors[0].code], [403, 9109]);
    });
  });

  for (const status of [403, 404, 500] as const) {
    it(`the switch zoneRead: ${status}`, async () => {
      await withStandinSite({ zoneRead: status }, config(), async (_site, standin) => {
        const answer = await read(standin, ZONE_ID);
        assert.equal(answer.status, status);
        assert.equal(answer.body.success, false);
      });
    });
  }
});

describe('zone identity: GET /zones/{id} before anything is sent', () => {
  it('an id that is the zone named (compared case-insensitively): read once, before any purge', async () => {
    await withStandinSite({}, config('Example.COM'), async (site, standin) => {
      const result = await apply(site, standin);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(zoneReads(standin).length, 1);
      assert.ok(standin.log.indexOf(zoneReads(standin)[0]) < standin.log.indexOf(posts(standin)[0]), 'read before the first purge');
      assert.equal(standin.accepted.length, REQUESTS);
    });
  });

  it('an id that is another zone: refused naming both, nothing sent, exit 1', async () => {
    await withStandinSite({}, config('example.org'), async (site, standin) => {
      const result = await apply(site, standin);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: zone www: id 023e… is example\.com, purge\.yaml says example\.org\n/);
      assert.match(result.stderr, /hint: zones\.www\.id is 023e105f4ecef8ad9ca31a8372d0c353/);
      assert.equal(posts(standin).length, 0);
      assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.journal')), 'no journal');
      const json = await apply(site, standin, ['--json']);
      assert.equal(json.code, 1);
      const last = events(json.stdout);
      assert.deepEqual(last.map((e) => e.type), ['error', 'summary']);
      assert.match(String(last[0].message), /id 023e… is example\.com, purge\.yaml says example\.org/);
      assert.equal(posts(standin).length, 0);
    });
  });

  it('a 403 (the token may purge but not read zones) is a warning, and apply goes on', async () => {
    await withStandinSite({ zoneReaders: [] }, config(), async (site, standin) => {
      const result = await apply(site, standin);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /warning: zone www: could not check that id 023e105f4ecef8ad9ca31a8372d0c353 is example\.com: HTTP 403: 9109 .*apply goes on/);
      assert.equal(standin.accepted.length, REQUESTS);
      const json = await apply(site, standin, ['--json', '--all']);
      assert.equal(json.code, 0, json.stderr);
      const identity = events(json.stdout).find((e) => e.type === 'identity');
      assert.deepEqual({ ...identity, message: undefined }, { type: 'identity', zone: 'www', zone_id: ZONE_ID, name: 'example.com', status: 'unreadable', http_status: 403, message: undefined });
    });
  });

  for (const status of [404, 500] as const) {
    it(`a ${status} is an error: nothing sent, exit 1`, async () => {
      await withStandinSite({ zoneRead: status }, config(), async (site, standin) => {
        const result = await apply(site, standin, ['--max-retries', '0']);
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`error: zone www: could not read zone 023e… to check that it is example\\.com: HTTP ${status}`));
        assert.equal(posts(standin).length, 0);
      });
    });
  }

  it('a zone given by id alone, or by name alone, is not read back', async () => {
    await withStandinSite({ zoneRead: 500 }, config().replace(', name: example.com', ''), async (site, standin) => {
      assert.equal((await apply(site, standin)).code, 0);
      assert.equal(zoneReads(standin).length, 0);
    });
    await withStandinSite({ zoneRead: 500 }, config().replace(`id: ${ZONE_ID}, `, ''), async (site, standin) => {
      assert.equal((await apply(site, standin)).code, 0);
      assert.equal(zoneReads(standin).length, 0);
      assert.equal(standin.accepted.length, REQUESTS);
    });
  });
});

describe('--wait-for: purge only once the origin serves the new build', () => {
  it('polls the URL (over --connect-to, never with the API token) and purges once it holds; phases named', async () => {
    await withOrigin(async (origin) => {
      await withStandinSite({}, config(), async (site, standin) => {
        const result = await apply(site, standin, ['--wait-for', 'http://www.example.com/version', '--expect', 'build-42', '--expect', '/BUILD-\\d+/i', '--connect-to', `www.example.com:80:127.0.0.1:${origin.port}`]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(origin.requests.length, 1);
        assert.equal(origin.requests[0].headers.host, 'www.example.com');
        assert.ok(!JSON.stringify(origin.requests).includes(TOKEN), 'the token never reaches the origin');
        assert.equal(origin.requests[0].headers.authorization, undefined);
        assert.match(result.stdout, /Phase identity: .*\n  zone www: id 023e105f4ecef8ad9ca31a8372d0c353 is example\.com\nPhase wait-for: GET http:\/\/www\.example\.com\/version until it answers 2xx with "build-42" and \/BUILD-\\d\+\/i \(timeout 10 min\)\n  poll 1 at < 1 s: ready \(HTTP 200\)\nPhase send: 3 requests\n/);
        assert.equal(standin.accepted.length, REQUESTS);
      });
    });
  });

  it('on timeout: exit 1, nothing purged, said plainly', async () => {
    await withOrigin(async (origin) => {
      await withStandinSite({}, config(), async (site, standin) => {
        const result = await apply(site, standin, ['--wait-for', `${origin.url}/version`, '--expect', 'build-42', '--wait-timeout', '1s']);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /error: the origin does not serve the new build yet \(body does not contain "build-42" after 1 s\); nothing purged\n/);
        assert.equal(origin.requests.length, 2, 'a poll at the start, a last one at the timeout');
        assert.equal(posts(standin).length, 0);
        assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.journal')), 'no journal');
      });
    }, 'build-41');
  });

  it('bad flags are clear errors before anything is sent', async () => {
    await withOrigin(async (origin) => {
      await withStandinSite({}, config(), async (site, standin) => {
        const url = `${origin.url}/version`;
        const cases: [string[], RegExp][] = [
          [['--wait-for', url, '--expect', '/[/'], /--expect "\/\[\/": not a valid regular expression/],
          [['--wait-for', url, '--expect', 'header:x-build'], /--expect "header:x-build": a header check is written header:NAME=VALUE/],
          [['--wait-for', url, '--wait-timeout', '10'], /--wait-timeout "10": a duration needs a unit/],
          [['--wait-for', url, '--wait-timeout', 'soon'], /--wait-timeout "soon": not a duration/],
          [['--expect', 'build-42'], /--expect belongs to --wait-for/],
          [['--repurge-after', '5'], /--repurge-after "5": a duration needs a unit/],
          [['--wait-for', 'version.txt'], /--wait-for "version\.txt": not an absolute URL/],
        ];
        for (const [args, message] of cases) {
          const result = await apply(site, standin, args);
          assert.equal(result.code, 1, args.join(' '));
          assert.match(result.stderr, message);
          assert.doesNotMatch(result.stderr, /\n\s+at /);
        }
        assert.equal(standin.log.length, 0, 'nothing sent, not even a token check');
        assert.equal(origin.requests.length, 0);
      });
    });
  });

  it('--json: phase, identity and wait events, then the pass', async () => {
    await withOrigin(async (origin) => {
      await withStandinSite({}, config(), async (site, standin) => {
        const result = await apply(site, standin, ['--json', '--wait-for', `${origin.url}/version`, '--expect', 'header:x-missing=1', '--wait-timeout', '1s']);
        assert.equal(result.code, 1);
        const seen = events(result.stdout);
        assert.deepEqual(seen.map((e) => e.type), ['phase', 'identity', 'phase', 'wait', 'wait', 'error', 'summary']);
        assert.deepEqual(seen[2], { type: 'phase', phase: 'wait_for', url: `${origin.url}/version`, timeout_ms: 1000 });
        assert.deepEqual({ ...seen[3], elapsed_ms: 0 }, { type: 'wait', url: `${origin.url}/version`, poll: 1, elapsed_ms: 0, ready: false, http_status: 200, reasons: ['header x-missing is missing (expected "1")'], next_in_ms: seen[3].next_in_ms });
        assert.equal(posts(standin).length, 0);
      });
    });
  });
});

describe('--repurge-after: the same requests again, as a second pass', () => {
  it('every request twice, the second pass journaled as such, the state recorded once, after it', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      const result = await apply(site, standin, ['--repurge-after', '1s']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
      assert.deepEqual(standin.accepted.slice(0, 3).map((a) => a.body), standin.accepted.slice(3).map((a) => a.body), 'the same requests, in the same order');
      assert.deepEqual(journal(site).map((line) => `${line.type}${line.pass ? `:${line.pass}` : ''}`), ['plan', 'request', 'request', 'request', 'request:2', 'request:2', 'request:2', 'state', 'complete']);
      assert.match(result.stdout, /First pass complete: 3 of 3 requests applied.*\n(.*\n)*Phase repurge: waiting 1 s, then sending the same 3 requests again \(second pass\)\n/);
      assert.match(result.stdout, /Second pass complete: 3 of 3 requests applied/);
      assert.ok(site.read('.purgeplan/state.json').includes('"pages"'));
    });
  });

  it('a first pass that failed: no second pass, nothing recorded, exit 1; the same command then completes both', async () => {
    const fault: StandinOptions['fault'] = (ctx) => (ctx.purgeSeq === 2 ? { kind: 'status', status: 400, errors: [{ code: 1016, message: 'bad' }] } : undefined);
    await withStandinSite({ fault }, config(), async (site, standin) => {
      const failed = await apply(site, standin, ['--repurge-after', '0s', '--concurrency', '1']);
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, /no second pass, and nothing was recorded/);
      assert.equal(standin.accepted.length, 2);
      assert.equal(stateRecorded(site), false);
      const again = await apply(site, standin, ['--repurge-after', '0s', '--concurrency', '1']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(acceptedCounts(standin), [2, 2, 2], 'the failed request once in the first pass, everything once in the second');
      assert.equal(stateRecorded(site), true);
    });
  });
});

describe('Ctrl-C in each phase, then the same command again', () => {
  it('in identity: exit 130, nothing sent; then everything, once', async () => {
    let held = false;
    const fault: StandinOptions['fault'] = (ctx) => {
      if (ctx.method !== 'GET' || ctx.path !== `/client/v4/zones/${ZONE_ID}` || held) return undefined;
      held = true;
      return { kind: 'delay', ms: 30_000 };
    };
    await withStandinSite({ fault }, config(), async (site, standin) => {
      const first = await apply(site, standin, [], { onSpawn: interruptWhen(() => held) });
      assert.equal(first.code, 130, first.stderr);
      assert.equal(posts(standin).length, 0);
      const second = await apply(site, standin);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(acceptedCounts(standin), [1, 1, 1]);
    });
  });

  it('in wait-for (the old build still served): exit 130, nothing sent; once the new build is live, it goes on', async () => {
    await withOrigin(async (origin) => {
      await withStandinSite({}, config(), async (site, standin) => {
        const args = ['--wait-for', `${origin.url}/version`, '--expect', 'build-42', '--repurge-after', '0s'];
        const first = await apply(site, standin, args, { onSpawn: interruptWhen(() => origin.requests.length >= 1) });
        assert.equal(first.code, 130, first.stderr);
        assert.match(first.stdout, /Interrupted while waiting for the new build: nothing was purged/);
        assert.equal(posts(standin).length, 0);
        assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.journal')));
        origin.serve({ body: 'build-42' });
        const second = await apply(site, standin, args);
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
      });
    }, 'build-41');
  });

  it('in the first pass: the rest of it, then the wait and the second pass; nothing sent twice within a pass', async () => {
    let arrived = false;
    const fault: StandinOptions['fault'] = (ctx) => (ctx.purgeSeq === 2 ? ((arrived = true), { kind: 'delay', ms: 300 }) : undefined);
    await withOrigin(async (origin) => {
      await withStandinSite({ fault }, config(), async (site, standin) => {
        const args = ['--concurrency', '1', '--wait-for', `${origin.url}/version`, '--repurge-after', '0s'];
        const first = await apply(site, standin, args, { onSpawn: interruptWhen(() => arrived) });
        assert.equal(first.code, 130, first.stderr);
        assert.equal(standin.accepted.length, 2, 'the request in flight finished; no new one started');
        assert.equal(requestLines(site, 1), 2);
        assert.equal(stateRecorded(site), false, 'nothing recorded before the last pass');
        const second = await apply(site, standin, args);
        assert.equal(second.code, 0, second.stderr);
        assert.equal(origin.requests.length, 1, 'the resumed pass does not poll again');
        assert.match(second.stdout, /Phase wait-for: the interrupted run saw the new build/);
        assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
        assert.deepEqual([requestLines(site, 1), requestLines(site, 2)], [3, 3]);
        assert.equal(stateRecorded(site), true);
      });
    });
  });

  it('in verify (after the first pass): the re-run skips the check it can no longer make, then the wait and the second pass', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      let purged = false;
      standin.onPurge(() => { purged = true; });
      const edge = await startEdge({ standin, delay: () => (purged ? 2_000 : 0) });
      try {
        const args = ['--verify', '2', '--verify-settle', '0', '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`, '--repurge-after', '0s'];
        const first = await apply(site, standin, args, { onSpawn: interruptWhen(() => standin.accepted.length === REQUESTS && edge.log.length > 4) });
        assert.equal(first.code, 130, first.stderr);
        assert.equal(standin.accepted.length, REQUESTS);
        assert.equal(stateRecorded(site), false);
        const second = await apply(site, standin, args);
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, /Verify: skipped: the purge was sent by an earlier run/);
        assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
        assert.equal(stateRecorded(site), true);
      } finally {
        await edge.close();
      }
    });
  });

  it('in the wait before the second pass: nothing recorded; the re-run waits again and sends only the second pass', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      let output = '';
      const first = await apply(site, standin, ['--repurge-after', '1h'], {
        onSpawn: (child) => {
          child.stdout!.on('data', (chunk: Buffer | string) => { output += String(chunk); });
          interruptWhen(() => output.includes('Phase repurge'))(child);
        },
      });
      assert.equal(first.code, 130, first.stderr);
      assert.match(first.stdout, /Interrupted during the wait before the second pass: the first pass is complete, nothing was recorded/);
      assert.equal(standin.accepted.length, REQUESTS);
      assert.equal(stateRecorded(site), false);
      assert.deepEqual(journal(site).map((line) => line.type), ['plan', 'request', 'request', 'request']);
      const second = await apply(site, standin, ['--repurge-after', '1s']);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Phase send: the first pass was sent by an earlier run \(3 requests\)\nPhase repurge: waiting 1 s/);
      assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
      assert.equal(stateRecorded(site), true);
    });
  });

  it('in warm (after the second pass and the state): the re-run sends nothing and warms again', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      let purges = 0;
      standin.onPurge(() => { purges++; });
      const edge = await startEdge({ standin, delay: () => (purges === 2 * REQUESTS ? 2_000 : 0) });
      try {
        const args = ['--repurge-after', '0s', '--warm', '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`];
        const first = await apply(site, standin, args, { onSpawn: interruptWhen(() => edge.log.length > 0) });
        assert.equal(first.code, 130, first.stderr);
        assert.match(first.stdout, /Phase warm: requesting what was purged\n/);
        assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
        assert.equal(stateRecorded(site), true, 'the state is recorded before warming');
        assert.notEqual(journal(site).at(-1)!.type, 'complete', 'the journal stays open until warming is done');
        const warmedBefore = edge.log.length;
        const second = await apply(site, standin, args);
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(acceptedCounts(standin), [2, 2, 2], 'nothing sent again');
        assert.match(second.stdout, /Phase send: the first pass was sent by an earlier run \(3 requests\)\nPhase repurge: the second pass was sent by an earlier run\n/);
        assert.match(second.stdout, /Phase warm: requesting what was purged\nWarm: requesting 70 purged items/);
        assert.equal(edge.log.length - warmedBefore, 70, 'every purged item warmed, once');
        assert.equal(journal(site).at(-1)!.type, 'complete');
      } finally {
        await edge.close();
      }
    });
  });

  it('in the second pass: the re-run waits again and sends only what that pass lacks', async () => {
    let arrived = false;
    const fault: StandinOptions['fault'] = (ctx) => (ctx.purgeSeq === REQUESTS + 2 ? ((arrived = true), { kind: 'delay', ms: 300 }) : undefined);
    await withStandinSite({ fault }, config(), async (site, standin) => {
      const args = ['--concurrency', '1', '--repurge-after', '0s'];
      const first = await apply(site, standin, args, { onSpawn: interruptWhen(() => arrived) });
      assert.equal(first.code, 130, first.stderr);
      assert.deepEqual([requestLines(site, 1), requestLines(site, 2)], [3, 2]);
      assert.equal(stateRecorded(site), false);
      const second = await apply(site, standin, args);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Resuming the interrupted apply .*: the first pass sent all 3 requests, the second 2\./);
      assert.match(second.stdout, /Phase repurge: sending the same 3 requests again \(second pass\)/);
      assert.match(second.stdout, /2 requests \(60 items\) already applied by an earlier run of this plan: skipped/);
      assert.deepEqual(acceptedCounts(standin), [2, 2, 2]);
      assert.deepEqual([requestLines(site, 1), requestLines(site, 2)], [3, 3]);
      assert.equal(journal(site).at(-1)!.type, 'complete');
    });
  });
});
