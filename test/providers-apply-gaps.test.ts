// apply over Fastly and CloudFront zones, through the built CLI against the loopback stand-ins
// (docs/providers.md): each zone's own in-flight limit beside Cloudflare's (--concurrency given is
// an upper bound on all), CloudFront invalidations reported as GetInvalidation sees them complete
// (a human line, an `invalidation` event, the ids in the summary), and attacks: a three-provider
// plan with budgets and escalation applied and sent twice with --repurge-after (the second pass
// new invalidations), a saved plan whose provider fields were edited, secrets in error paths, and
// plain http to a CloudFront endpoint that is not loopback.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planId } from '../src/plan/plan.js';
import type { Plan } from '../src/plan/types.js';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { FASTLY_TEST_SERVICE, FASTLY_TEST_TOKEN, startFastlyStandin } from './support/fastly-standin.js';
import type { FastlyStandin, FastlyStandinOptions } from './support/fastly-standin.js';
import { AWS_TEST_CREDENTIALS, CLOUDFRONT_TEST_DISTRIBUTION, startCloudFrontStandin } from './support/cloudfront-standin.js';
import type { CloudFrontStandin, CloudFrontStandinOptions } from './support/cloudfront-standin.js';
import { PRO_ZONE, Site, TOKEN, ZONE_ID } from './support/site.js';
import type { CliResult } from './support/site.js';

const ENV = {
  CLOUDFLARE_API_TOKEN: TOKEN, FASTLY_API_TOKEN: FASTLY_TEST_TOKEN,
  AWS_ACCESS_KEY_ID: AWS_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS_TEST_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: AWS_TEST_CREDENTIALS.sessionToken,
};
const SECRETS = [TOKEN, FASTLY_TEST_TOKEN, AWS_TEST_CREDENTIALS.secretAccessKey, AWS_TEST_CREDENTIALS.sessionToken];

interface World { cloudflare: Standin; fastly: FastlyStandin; cloudfront: CloudFrontStandin; env: NodeJS.ProcessEnv }

async function withWorld(options: { fastly?: FastlyStandinOptions; cloudfront?: CloudFrontStandinOptions }, body: (world: World) => Promise<void>): Promise<void> {
  const cloudflare = await startStandin({ tokens: [TOKEN], zones: [PRO_ZONE] });
  const fastly = await startFastlyStandin(options.fastly);
  const cloudfront = await startCloudFrontStandin(options.cloudfront);
  try {
    await body({ cloudflare, fastly, cloudfront, env: { ...ENV, PURGEPLAN_FASTLY_API_URL: fastly.url, AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url } });
  } finally {
    await Promise.all([cloudflare.close(), fastly.close(), cloudfront.close()]);
  }
}

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every file the run left in the site (journal, state, lock), as text. */
function siteFiles(site: Site): string {
  const read = (dir: string): string => readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? read(path) : readFileSync(path, 'utf8');
  }).join('\n');
  return read(site.dir);
}

function assertNoSecret(results: readonly CliResult[], site: Site): void {
  const all = `${results.map((r) => r.stdout + r.stderr).join('')}\n${siteFiles(site)}`;
  for (const secret of SECRETS) assert.equal(all.includes(secret), false, `a secret was printed or written: ${secret.slice(0, 6)}…`);
}

describe('each Fastly or CloudFront zone keeps its own in-flight limit', () => {
  const yaml = (limits = '') => `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
  static: { provider: fastly, service_id: ${FASTLY_TEST_SERVICE}, name: static.example.com${limits} }
groups:
  js:
    urls: ["https://static.example.com/js/{1..24}.js", "https://www.example.com/{1..3}"]
`;
  // Each purge is held a while, so that every request the client allows is in flight at once.
  const held: FastlyStandinOptions = { gate: () => new Promise((resolve) => setTimeout(resolve, 120)) };

  for (const [what, limits, args, expected] of [
    ['limits.concurrency defaults to 8 (not the 4 of --concurrency\'s default)', '', [], 8],
    ['limits.concurrency: 3', ', limits: { concurrency: 3 }', [], 3],
    ['--concurrency 2 given: an upper bound on every request in flight', '', ['--concurrency', '2'], 2],
    ['--concurrency 20 given: the zone\'s 8 still bound its own', '', ['--concurrency', '20'], 8],
  ] as const) {
    it(`${what}: at most ${expected} Fastly purges in flight, as the stand-in counts them`, async () => {
      await withWorld({ fastly: held }, async ({ cloudflare, fastly, env }) => {
        const site = new Site().write('purge.yaml', yaml(limits));
        try {
          const result = await site.run(['apply', '--auto-approve', '--api-url', cloudflare.url, ...args], { env, killAfterMs: 60_000 });
          assert.equal(result.code, 0, result.stderr);
          assert.equal(fastly.purges.length, 24);
          assert.equal(fastly.maxInFlight, expected);
          assert.match(result.stdout, new RegExp(`, concurrency ${args[1] ?? 4} \\(Cloudflare\\); static ${expected} in flight$`, 'm'));
          assert.equal(cloudflare.accepted.length, 1);
        } finally {
          site.remove();
        }
      });
    });
  }
});

describe('CloudFront invalidations are reported as they complete', () => {
  // 16 prefixes: two batches (15 wildcards, then 1), the second waiting for room: apply polls the first.
  const yaml = `version: 1
zones:
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  img:
    prefixes: ["media.example.com/img/{1..16}/"]
`;

  it('--json: an invalidation event with the id and status GetInvalidation gave; the summary lists every id', async () => {
    await withWorld({ cloudfront: { completeAfterPolls: 1 } }, async ({ cloudfront, env }) => {
      const site = new Site().write('purge.yaml', yaml);
      try {
        const result = await site.run(['apply', '--auto-approve', '--json'], { env, killAfterMs: 60_000 });
        assert.equal(result.code, 0, result.stderr);
        const events = jsonLines(result.stdout);
        const [first, second] = cloudfront.invalidations;
        assert.equal(cloudfront.invalidations.length, 2);
        assert.deepEqual(events.filter((e) => e.type === 'invalidation'), [{ type: 'invalidation', zone: 'media', id: first!.id, status: 'Completed' }]);
        const polled = cloudfront.log.filter((l) => l.method === 'GET').map((l) => l.path);
        assert.deepEqual(polled, [`/2020-05-31/distribution/${CLOUDFRONT_TEST_DISTRIBUTION}/invalidation/${first!.id}`]);
        const summary = events.find((e) => e.type === 'summary')!;
        assert.deepEqual(summary.invalidations, [
          { zone: 'media', index: 0, id: first!.id, status: 'Completed' },
          { zone: 'media', index: 1, id: second!.id, status: 'InProgress' },
        ]);
        // Completion is reported after the request that made it, before the next one is done.
        const order = events.map((e) => (e.type === 'invalidation' ? 'completed' : e.type === 'request_done' ? `done ${String(e.id)}` : null)).filter(Boolean);
        assert.deepEqual(order, [`done ${first!.id}`, 'completed', `done ${second!.id}`]);
      } finally {
        site.remove();
      }
    });
  });

  it('human: a line when one completes, and the ids with their status in the closing summary', async () => {
    await withWorld({ cloudfront: { completeAfterPolls: 1 } }, async ({ cloudfront, env }) => {
      const site = new Site().write('purge.yaml', yaml);
      try {
        const result = await site.run(['apply', '--auto-approve'], { env, killAfterMs: 60_000 });
        assert.equal(result.code, 0, result.stderr);
        const [first, second] = cloudfront.invalidations;
        assert.match(result.stdout, new RegExp(`^✓ media: CloudFront invalidation ${first!.id} Completed$`, 'm'));
        assert.match(result.stdout, new RegExp(`^CloudFront invalidations \\(status as last seen; CloudFront completes them within minutes\\):\\n {2}media: ${first!.id} \\(Completed\\), ${second!.id} \\(InProgress\\)$`, 'm'));
      } finally {
        site.remove();
      }
    });
  });
});

describe('attacks', () => {
  const THREE = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro, budget: { seconds: 1 } }
  static: { provider: fastly, service_id: ${FASTLY_TEST_SERVICE}, name: static.example.com, budget: { seconds: 1 }, allow_purge_everything: true }
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com, budget: { seconds: 60 } }
groups:
  pages:
    urls: ["https://www.example.com/blog/{1..3000}/"]
    escalate: [auto]
  assets:
    zone: static
    urls: ["https://static.example.com/js/{1..100}.js", "https://static.example.com/app.css"]
    escalate: [auto, host, everything]
  keys:
    zone: static
    tags: [Product-1]
  img:
    zone: media
    urls: ["https://media.example.com/img/{1..4000}.jpg", "https://media.example.com/a.jpg"]
    escalate: [host]
`;

  it('three providers with budgets and escalation: planned, saved, applied in two passes (the second pass new CloudFront invalidations), nothing twice within a pass', async () => {
    await withWorld({}, async ({ cloudflare, fastly, cloudfront, env }) => {
      const site = new Site().write('purge.yaml', THREE);
      try {
        const planned = await site.run(['plan', '--out', 'release.plan']);
        assert.equal(planned.code, 0, planned.stderr);
        const plan = JSON.parse(site.read('release.plan')) as Plan;
        assert.deepEqual(plan.requests.map((r) => [r.provider, r.body]), [
          ['cloudflare', { prefixes: ['www.example.com/blog/'] }],
          ['fastly', { purge_all: true }],
          ['cloudfront', { paths: ['/*'] }],
        ]);
        assert.deepEqual(plan.groups.map((g) => [g.name, g.escalated?.to ?? null]), [
          ['pages', { prefixes: ['www.example.com/blog/'] }], ['assets', { everything: true }], ['keys', null], ['img', { hosts: ['media.example.com'] }],
        ]);
        const result = await site.run(['apply', 'release.plan', '--api-url', cloudflare.url, '--repurge-after', '0s', '--json'], { env, killAfterMs: 60_000 });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(cloudflare.accepted.length, 2);
        assert.deepEqual(fastly.purges.map((p) => p.kind), ['all', 'all']);
        assert.equal(cloudfront.invalidations.length, 2, 'the second pass is a new invalidation');
        const [one, two] = cloudfront.invalidations.map((i) => i.callerReference);
        assert.match(one!, /^purgeplan-[0-9a-f]{32}-2$/);
        assert.equal(two, `${one}-pass2`);
        const summaries = jsonLines(result.stdout).filter((e) => e.type === 'summary');
        assert.deepEqual(summaries.map((s) => (s.invalidations as { id: string }[]).map((i) => i.id)), cloudfront.invalidations.map((i) => [i.id]));
        // The same plan applied again is sent again (docs/commands.md): CloudFront's references are the
        // same, so CloudFront makes no new invalidation; Fastly and Cloudflare purge again.
        const again = await site.run(['apply', 'release.plan', '--api-url', cloudflare.url, '--repurge-after', '0s'], { env, killAfterMs: 60_000 });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(cloudfront.invalidations.length, 2);
        assert.equal(fastly.purges.length, 4);
        assertNoSecret([planned, result, again], site);
      } finally {
        site.remove();
      }
    });
  });

  it('apply --record-only over three providers: recorded without any credential, nothing sent to any of them', async () => {
    await withWorld({}, async ({ cloudflare, fastly, cloudfront }) => {
      const site = new Site().write('purge.yaml', THREE);
      try {
        const recorded = await site.run(['apply', '--record-only', '--auto-approve', '--api-url', cloudflare.url], { env: {} });
        assert.equal(recorded.code, 0, recorded.stderr);
        assert.match(recorded.stdout, /Nothing was sent\./);
        assert.deepEqual([cloudflare.log.length, fastly.log.length, cloudfront.log.length], [0, 0, 0]);
        const next = await site.run(['plan', '--detailed-exitcode']);
        assert.equal(next.code, 0, `nothing due after --record-only: ${next.stdout}`);
      } finally {
        site.remove();
      }
    });
  });

  it('a saved plan whose provider fields were edited is refused, nothing sent (apply rebuilds it; show checks it against itself)', async () => {
    await withWorld({}, async ({ cloudflare, fastly, cloudfront, env }) => {
      const site = new Site().write('purge.yaml', THREE.replace(/, budget: \{ seconds: \d+ \}/g, '').replace(/\n {4}escalate: .*/g, ''));
      try {
        assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
        const original = JSON.parse(site.read('release.plan')) as Plan & Record<string, unknown>;
        const fastlyAt = original.requests.findIndex((r) => r.provider === 'fastly' && 'url' in r.body);
        const cloudfrontAt = original.requests.findIndex((r) => r.provider === 'cloudfront');
        const edits: [string, (plan: Record<string, any>) => void][] = [
          ['a Fastly URL', (p) => { p.requests[fastlyAt].body.url = 'https://static.example.com/other.js'; }],
          ['a request\'s provider', (p) => { p.requests[fastlyAt].provider = 'cloudflare'; }],
          ['a Fastly body in Cloudflare\'s form', (p) => { p.requests[fastlyAt].body = { files: [p.requests[fastlyAt].body.url] }; }],
          ['CloudFront paths', (p) => { p.requests[cloudfrontAt].body.paths = ['/*']; p.requests[cloudfrontAt].kind = 'purge_everything'; p.requests[cloudfrontAt].size = 1; }],
          ['a zone\'s concurrency', (p) => { p.zones[1].concurrency = 64; }],
          ['a zone\'s service id', (p) => { p.zones[1].zone_id = 'OTHERSERVICE0123456789'; for (const r of p.requests) if (r.zone === 'static') r.zone_id = 'OTHERSERVICE0123456789'; }],
        ];
        for (const [what, edit] of edits) {
          for (const recompute of [false, true]) {
            const tampered = structuredClone(original) as Record<string, any>;
            edit(tampered);
            if (recompute) {
              const { plan_id: _id, ...content } = tampered;
              tampered.plan_id = planId(content as Omit<Plan, 'plan_id'>);
            }
            site.write('tampered.plan', JSON.stringify(tampered, null, 2));
            const applied = await site.run(['apply', 'tampered.plan', '--api-url', cloudflare.url], { env });
            assert.equal(applied.code, 1, `${what} (plan_id ${recompute ? 'recomputed' : 'kept'}): ${applied.stdout}${applied.stderr}`);
            assert.match(applied.stderr, /tampered\.plan/);
            const shown = await site.run(['show', 'tampered.plan']);
            // show has no configuration: it refuses what disagrees with itself (a recomputed plan_id hides other edits).
            if (!recompute || what === 'a request\'s provider' || what === 'a Fastly body in Cloudflare\'s form') assert.equal(shown.code, 1, `show ${what} (plan_id ${recompute ? 'recomputed' : 'kept'})`);
          }
        }
        // Every request of the plan sent as a Cloudflare body on a Fastly zone is caught by show too, plan_id recomputed.
        const forged = structuredClone(original) as Record<string, any>;
        forged.requests[fastlyAt].body = { files: [forged.requests[fastlyAt].body.url] };
        const { plan_id: _id, ...content } = forged;
        forged.plan_id = planId(content as Omit<Plan, 'plan_id'>);
        site.write('forged.plan', JSON.stringify(forged));
        const shown = await site.run(['show', 'forged.plan']);
        assert.equal(shown.code, 1);
        assert.match(shown.stderr, new RegExp(`forged\\.plan is not a consistent purgeplan plan: requests\\[${fastlyAt}\\] has a body of "files", which is not a fastly body \\(url, surrogate_keys, purge_all\\)`));
        // Over a provider's limits, or a path CloudFront cannot take: refused by the check against itself.
        const keysAt = original.requests.findIndex((r) => r.provider === 'fastly' && 'surrogate_keys' in r.body);
        const limits: [(p: Record<string, any>) => void, RegExp][] = [
          [(p) => { p.requests[keysAt].body.surrogate_keys = Array.from({ length: 257 }, (_, i) => `k${i}`); p.requests[keysAt].size = 257; }, /has 257 surrogate keys, over Fastly's 256 a request/],
          [(p) => { p.requests[cloudfrontAt].body.paths = Array.from({ length: 16 }, (_, i) => `/d${i}/*`); p.requests[cloudfrontAt].kind = 'prefixes'; p.requests[cloudfrontAt].size = 16; }, /has 16 paths \(16 wildcards\), over CloudFront's 3000 \(15\) in progress/],
          [(p) => { p.requests[cloudfrontAt].body.paths = ['/a*b']; p.requests[cloudfrontAt].size = 1; }, /has the path "\/a\*b", which CloudFront cannot invalidate/],
          [(p) => { p.requests[cloudfrontAt].body.paths = ['no-slash']; p.requests[cloudfrontAt].size = 1; }, /has the path "no-slash", which CloudFront cannot invalidate/],
        ];
        for (const [edit, expected] of limits) {
          const tampered = structuredClone(original) as Record<string, any>;
          edit(tampered);
          const { plan_id: _id, ...content } = tampered;
          tampered.plan_id = planId(content as Omit<Plan, 'plan_id'>);
          site.write('limits.plan', JSON.stringify(tampered));
          const refused = await site.run(['show', 'limits.plan']);
          assert.equal(refused.code, 1);
          assert.match(refused.stderr, expected);
        }
        assert.deepEqual([cloudflare.log.length, fastly.log.length, cloudfront.log.length], [0, 0, 0], 'nothing sent');
      } finally {
        site.remove();
      }
    });
  });

  it('the Fastly token is never printed or written: refused, echoed back by a hostile API, rate-limited', async () => {
    const echo = { kind: 'status' as const, status: 403, body: { msg: `key ${FASTLY_TEST_TOKEN} is not allowed`, detail: `Fastly-Key: ${FASTLY_TEST_TOKEN}` } };
    let fault: FastlyStandinOptions['fault'];
    await withWorld({ fastly: { fault: (ctx) => fault?.(ctx) } }, async ({ fastly, env }) => {
      const site = new Site().write('purge.yaml', `version: 1
zones:
  static: { provider: fastly, service_id: ${FASTLY_TEST_SERVICE}, name: static.example.com }
groups:
  js:
    urls: ["https://static.example.com/{a,b}.js"]
`);
      try {
        const results: CliResult[] = [];
        fault = () => echo;
        results.push(await site.run(['apply', '--auto-approve', '--json'], { env }));
        results.push(await site.run(['apply', '--auto-approve'], { env }));
        assert.deepEqual(results.map((r) => r.code), [1, 1]);
        assert.match(results[1]!.stdout, /Fastly answered HTTP 403: 403 key \[REDACTED\] is not allowed: Fastly-Key: \[REDACTED\]/);
        fault = (ctx) => (ctx.seq % 2 === 1 ? { kind: 'status', status: 429, headers: { 'retry-after': '0', 'x-echo': FASTLY_TEST_TOKEN }, body: { msg: FASTLY_TEST_TOKEN } } : undefined);
        results.push(await site.run(['apply', '--auto-approve', '--json'], { env }));
        assert.equal(results[2]!.code, 0, results[2]!.stderr);
        fault = undefined;
        // A token the service does not know: 401, named by its variable only.
        const wrong = `${FASTLY_TEST_TOKEN}-wrong`;
        site.write('purge.yaml', site.read('purge.yaml').replace('{a,b}', '{c,d}'));
        const refused = await site.run(['apply', '--auto-approve'], { env: { ...env, FASTLY_API_TOKEN: wrong } });
        assert.equal(refused.code, 1);
        assert.equal((refused.stdout + refused.stderr + siteFiles(site)).includes(wrong), false);
        assert.ok(fastly.log.every((l) => l.fastlyKey === FASTLY_TEST_TOKEN || l.fastlyKey === wrong), 'Fastly-Key on every request');
        assertNoSecret([...results, refused], site);
      } finally {
        site.remove();
      }
    });
  });

  it('the AWS secret and session token are never printed or written: a signature the stand-in refuses, an answer that echoes them', async () => {
    await withWorld({ cloudfront: { credentials: { ...AWS_TEST_CREDENTIALS, secretAccessKey: 'another-secret-the-stand-in-holds-0123456789' } } }, async ({ cloudfront, env }) => {
      const site = new Site().write('purge.yaml', `version: 1
zones:
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  img:
    urls: ["https://media.example.com/a.jpg"]
`);
      try {
        const refused = await site.run(['apply', '--auto-approve'], { env });
        assert.equal(refused.code, 1);
        assert.match(refused.stdout, /SignatureDoesNotMatch/);
        assert.equal(cloudfront.log.at(-1)?.code, 'SignatureDoesNotMatch');
        const json = await site.run(['apply', '--auto-approve', '--json'], { env });
        assert.equal(json.code, 1);
        assertNoSecret([refused, json], site);
      } finally {
        site.remove();
      }
    });
    const hostile = `${AWS_TEST_CREDENTIALS.secretAccessKey} ${AWS_TEST_CREDENTIALS.sessionToken}`;
    await withWorld({ cloudfront: { fault: ({ operation }) => (operation === 'create' ? { kind: 'status', status: 403, code: 'AccessDenied', message: `not allowed for ${hostile}` } : undefined) } }, async ({ env }) => {
      const site = new Site().write('purge.yaml', `version: 1
zones:
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  img:
    urls: ["https://media.example.com/b.jpg"]
`);
      try {
        const human = await site.run(['apply', '--auto-approve'], { env });
        const json = await site.run(['apply', '--auto-approve', '--json'], { env });
        assert.deepEqual([human.code, json.code], [1, 1]);
        assert.match(human.stdout, /AccessDenied not allowed for/);
        assertNoSecret([human, json], site);
      } finally {
        site.remove();
      }
    });
  });

  it('plain http to a CloudFront endpoint that is not loopback is refused before anything is read or sent', async () => {
    await withWorld({}, async ({ cloudfront, env }) => {
      const site = new Site().write('purge.yaml', `version: 1
zones:
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  img:
    urls: ["https://media.example.com/a.jpg"]
`);
      try {
        for (const [variable, value] of [['AWS_ENDPOINT_URL_CLOUDFRONT', 'http://cloudfront.example.net'], ['AWS_ENDPOINT_URL', 'http://10.0.0.1:4566']] as const) {
          const { AWS_ENDPOINT_URL_CLOUDFRONT: _endpoint, ...rest } = env;
          const result = await site.run(['apply', '--auto-approve'], { env: { ...rest, [variable]: value } });
          assert.equal(result.code, 1, variable);
          assert.match(result.stderr, new RegExp(`refusing plain http ${variable}`));
          assertNoSecret([result], site);
        }
        assert.equal(cloudfront.log.length, 0);
      } finally {
        site.remove();
      }
    });
  });
});
