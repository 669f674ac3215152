// `apply --verify` that cannot confirm anything says so (README "Verify at the edge"): no
// conclusive sample, or a --connect-to rule that matches no sampled host, is a warning;
// --verify-strict makes either exit 1, after the purge is sent (verification never blocks a
// purge). With --connect-to, an item no rule takes is not probed: its probes never go to the live
// host. Through the built CLI, against the API stand-in and edge stand-ins.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { startEdge } from './support/edge-standin.js';
import type { Edge, EdgeOptions } from './support/edge-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';
import type { CliResult } from './support/site.js';

const ZONE = { id: ZONE_ID, name: 'example.com', plan: 'pro' as const, account_id: 'acc1' };

/** A zone without a name takes the groups that name it, whatever their hosts (so a URL can be on a loopback "live" edge). */
function config(groups: Record<string, string[]>): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, plan: pro }
groups:
${Object.entries(groups).map(([name, urls]) => `  ${name}:\n    zone: www\n${urls.length > 0 && urls[0]!.includes('://') ? `    urls: ${JSON.stringify(urls)}` : `    prefixes: ${JSON.stringify(urls)}`}\n`).join('')}`;
}

interface Scene { standin: Standin; edge: Edge; live: Edge; run(yaml: string, args: readonly string[]): Promise<CliResult> }

/** An API stand-in, an edge reached through --connect-to, and a "live" edge that must never be probed. */
async function withScene(edgeOptions: EdgeOptions, body: (scene: Scene) => Promise<void>): Promise<void> {
  const standin = await startStandin({ tokens: [TOKEN], zones: [ZONE] });
  const edge = await startEdge({ ...edgeOptions, standin });
  const live = await startEdge({ standin });
  const sites: Site[] = [];
  const run = (yaml: string, args: readonly string[]) => {
    const site = new Site().write('purge.yaml', yaml);
    sites.push(site);
    return site.run(['apply', '--auto-approve', '--api-url', standin.url, '--verify-settle', '0', ...args], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
  };
  try {
    await body({ standin, edge, live, run });
  } finally {
    for (const site of sites) site.remove();
    await live.close();
    await edge.close();
    await standin.close();
  }
}

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const verifyEvents = (stdout: string) => jsonLines(stdout).filter((e) => e.type === 'verify');
const PAGES = ['http://www.example.com/p/1', 'http://www.example.com/p/2', 'http://www.example.com/p/3'];
const route = (edge: Edge) => ['--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`];

describe('--verify with no conclusive sample', () => {
  it('every sampled item uncacheable: a warning, exit 0, the purge sent', async () => {
    await withScene({ uncacheable: [{ path: '/p/', status: 'DYNAMIC' }] }, async ({ standin, edge, run }) => {
      const result = await run(config({ pages: PAGES }), ['--verify', '3', ...route(edge)]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.accepted.length, 1);
      assert.match(result.stdout, /Verify: 0 purged, 0 not purged, 3 inconclusive\./);
      assert.match(result.stderr, /^warning: --verify confirmed nothing: none of the 3 sampled items was found cached before the purge and checked after it \(3 inconclusive, 0 not probed\)/m);
      assert.match(result.stderr, /^ {2}hint: /m);
      assert.doesNotMatch(result.stderr, /^error:/m);
    });
  });

  it('--verify-strict: exit 1, after the purge was received; --json says so in events', async () => {
    await withScene({ uncacheable: [{ path: '/p/', status: 'BYPASS' }] }, async ({ standin, edge, run }) => {
      let purgedBeforeEnd = false;
      standin.onPurge(() => { purgedBeforeEnd = true; });
      const result = await run(config({ pages: PAGES }), ['--verify', '2', '--verify-strict', ...route(edge)]);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(purgedBeforeEnd);
      assert.equal(standin.accepted.length, 1);
      assert.match(result.stderr, /warning: --verify confirmed nothing/);
      assert.match(result.stderr, /^error: --verify-strict: the purge was sent, but its check at the edge is not conclusive \(1 warning above\)$/m);
      // Every edge request came before the purge or after it: the purge was not held back.
      assert.ok(edge.log.length > 0);

      const json = await run(config({ pages: PAGES }), ['--verify', '2', '--verify-strict', '--json', ...route(edge)]);
      assert.equal(json.code, 1, json.stderr);
      assert.equal(standin.accepted.length, 2);
      const events = verifyEvents(json.stdout);
      const warning = events.find((e) => e.phase === 'warning');
      assert.equal(warning?.kind, 'no_conclusive_sample');
      assert.match(String(warning?.message), /confirmed nothing/);
      const summary = events.find((e) => e.phase === 'summary');
      assert.equal(summary?.ok, false);
      assert.equal(summary?.inconclusive, 2);
      assert.ok(jsonLines(json.stdout).length > 0, 'stdout is only JSON');
    });
  });

  it('a plan without file items: a warning; with --verify-strict exit 1, the purge sent', async () => {
    await withScene({}, async ({ standin, edge, run }) => {
      const yaml = config({ feeds: ['www.example.com/feeds/'] });
      const plain = await run(yaml, ['--verify', '3', ...route(edge)]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stderr, /warning: --verify confirmed nothing: the plan has no file item to sample/);
      const strict = await run(yaml, ['--verify', '3', '--verify-strict', ...route(edge)]);
      assert.equal(strict.code, 1, strict.stderr);
      assert.match(strict.stderr, /error: --verify-strict/);
      assert.equal(standin.accepted.length, 2);
      assert.equal(edge.log.length, 0);
    });
  });

  it('some items purged: no warning, and --verify-strict exits 0', async () => {
    await withScene({ uncacheable: [{ path: '/p/1', status: 'DYNAMIC' }] }, async ({ edge, run }) => {
      const result = await run(config({ pages: PAGES }), ['--verify', '3', '--verify-strict', ...route(edge)]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Verify: 2 purged, 0 not purged, 1 inconclusive\./);
      assert.doesNotMatch(result.stderr, /warning|error/);
    });
  });
});

describe('a --connect-to rule that matches no sampled host', () => {
  it('a warning naming the rule; the items are not probed, so nothing reaches the live host', async () => {
    await withScene({}, async ({ standin, edge, live, run }) => {
      const urls = [1, 2, 3].map((n) => `http://127.0.0.1:${live.port}/p/${n}`);
      // The rule names another host (a typo): curl would let these requests go to the live host.
      const rule = `www.example.com:80:127.0.0.1:${edge.port}`;
      const result = await run(config({ pages: urls }), ['--verify', '3', '--connect-to', rule]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.accepted.length, 1);
      assert.equal(live.log.length, 0, 'no probe went to the live host');
      assert.equal(edge.log.length, 0);
      assert.match(result.stderr, new RegExp(`^warning: --connect-to "${rule.replace(/\./g, '\\.')}" matches no sampled host \\(the sampled items are on 127\\.0\\.0\\.1:${live.port}\\)`, 'm'));
      assert.match(result.stdout, new RegExp(`not probed {2}http://127\\.0\\.0\\.1:${live.port}/p/\\d+\\n {6}no --connect-to rule takes 127\\.0\\.0\\.1:${live.port}: not requested from the live host`));
      assert.match(result.stdout, /3 not requested \(no --connect-to rule takes their host\)/);
      // And the second warning: nothing was confirmed.
      assert.match(result.stderr, /warning: --verify confirmed nothing/);
    });
  });

  it('the wrong port (https: is 443) is unmatched too; --verify-strict exits 1 after the purge; --json names the rule', async () => {
    await withScene({}, async ({ standin, edge, live, run }) => {
      const rule = `www.example.com:443:127.0.0.1:${edge.port}`;
      const result = await run(config({ pages: PAGES }), ['--verify', '2', '--verify-strict', '--json', '--connect-to', rule]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(standin.accepted.length, 1);
      assert.equal(edge.log.length + live.log.length, 0);
      const warnings = verifyEvents(result.stdout).filter((e) => e.phase === 'warning');
      assert.deepEqual(warnings.map((e) => e.kind), ['unmatched_connect_to', 'no_conclusive_sample']);
      assert.equal(warnings[0]!.rule, rule);
      assert.match(result.stderr, /^error: --verify-strict: the purge was sent, but its check at the edge is not conclusive \(2 warnings above\)$/m);
      const summary = verifyEvents(result.stdout).find((e) => e.phase === 'summary');
      assert.equal(summary?.requests, 0);
      assert.equal(summary?.not_probed, 2);
    });
  });

  it('one rule matches and one does not: the matched items are checked, the unmatched rule is a warning', async () => {
    await withScene({}, async ({ edge, live, run }) => {
      const stray = 'static.example.com:80:127.0.0.1:9';
      const urls = { pages: PAGES, other: [1, 2].map((n) => `http://127.0.0.1:${live.port}/q/${n}`) };
      const result = await run(config(urls), ['--verify', '5', ...route(edge), '--connect-to', stray]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(live.log.length, 0, 'no probe went to the live host');
      assert.ok(edge.log.length > 0 && edge.log.every((r) => r.target.startsWith('/p/')));
      assert.match(result.stdout, /Verify: 3 purged, 0 not purged, 0 inconclusive, 2 not probed\./);
      assert.match(result.stderr, /^warning: --connect-to "static\.example\.com:80:127\.0\.0\.1:9" matches no sampled host/m);
      assert.doesNotMatch(result.stderr, /connect-to "www\.example\.com/);
      // Strict: the unmatched rule fails the run, after the purge.
      const strict = await run(config(urls), ['--verify', '5', '--verify-strict', ...route(edge), '--connect-to', stray]);
      assert.equal(strict.code, 1, strict.stderr);
      assert.match(strict.stderr, /error: --verify-strict: .*\(1 warning above\)/);
    });
  });

  it('an empty host part matches every host (curl): no warning', async () => {
    await withScene({}, async ({ edge, run }) => {
      const result = await run(config({ pages: PAGES }), ['--verify', '2', '--verify-strict', '--connect-to', `:80:127.0.0.1:${edge.port}`]);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /warning/);
      assert.match(result.stdout, /Verify: 2 purged/);
    });
  });
});

describe('--verify-strict without --verify', () => {
  it('is refused before anything is sent', async () => {
    await withScene({}, async ({ standin, run }) => {
      const result = await run(config({ pages: PAGES }), ['--verify-strict']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--verify-strict makes the warnings of --verify fail: give --verify N too/);
      assert.equal(standin.log.length, 0);
    });
  });
});
