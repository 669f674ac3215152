// Three providers in one purge.yaml, end to end through the built CLI (docs/providers.md): the
// plan names every zone's and request's provider with each provider's body; apply sends to the
// three loopback stand-ins, is interrupted and resumes without sending anything twice (CloudFront
// by its CallerReference, after an answer that never came); every provider-specific refusal is a
// positioned error; missing credentials are named before anything is sent.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Standin } from './support/cloudflare-standin.js';
import { startStandin } from './support/cloudflare-standin.js';
import type { FastlyStandin } from './support/fastly-standin.js';
import { FASTLY_TEST_SERVICE, FASTLY_TEST_TOKEN, startFastlyStandin } from './support/fastly-standin.js';
import type { CloudFrontFault, CloudFrontStandin } from './support/cloudfront-standin.js';
import { AWS_TEST_CREDENTIALS, CLOUDFRONT_TEST_DISTRIBUTION, startCloudFrontStandin } from './support/cloudfront-standin.js';
import { PRO_ZONE, Site, TOKEN, ZONE_ID } from './support/site.js';

const YAML = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
  static: { provider: fastly, service_id: ${FASTLY_TEST_SERVICE}, name: static.example.com }
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  pages:
    urls:
      - https://www.example.com/
      - https://static.example.com/app.js?v=2&b=1
      - https://static.example.com/{a,b,c,d,e}.css
      - https://media.example.com/a.jpg?w=1&h=2
  keys:
    zone: static
    tags: [Product-42, product-42]
    action: invalidate
  img:
    zone: media
    prefixes: [media.example.com/img/]
`;

const ENV = {
  CLOUDFLARE_API_TOKEN: TOKEN, FASTLY_API_TOKEN: FASTLY_TEST_TOKEN,
  AWS_ACCESS_KEY_ID: AWS_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS_TEST_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: AWS_TEST_CREDENTIALS.sessionToken,
  AWS_REGION: 'eu-west-1',
};

interface Req { zone: string; provider: string; zone_id: string; action: string; groups: string[]; kind: string; size: number; body: Record<string, unknown> }

describe('three providers in one plan', () => {
  let cloudflare: Standin;
  let fastly: FastlyStandin;
  let cloudfront: CloudFrontStandin;
  let cloudfrontFault: ((operation: string) => CloudFrontFault | undefined) | undefined;
  let fastlyDelay = 0;
  before(async () => {
    cloudflare = await startStandin({ tokens: [TOKEN], zones: [PRO_ZONE] });
    fastly = await startFastlyStandin({ gate: () => new Promise((resolve) => setTimeout(resolve, fastlyDelay)) });
    cloudfront = await startCloudFrontStandin({ fault: ({ operation }) => cloudfrontFault?.(operation) });
  });
  after(async () => {
    await Promise.all([cloudflare.close(), fastly.close(), cloudfront.close()]);
  });
  const env = (): NodeJS.ProcessEnv => ({ ...ENV, AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url, PURGEPLAN_FASTLY_API_URL: fastly.url });

  it('plan --json names every zone\'s and request\'s provider, each body in its provider\'s form', async () => {
    const site = new Site().write('purge.yaml', YAML);
    try {
      const result = await site.run(['plan', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { zones: { name: string; provider: string; zone_id: string; invalidation_cost?: { paths: number } }[]; requests: Req[] };
      assert.deepEqual(plan.zones.map((z) => [z.name, z.provider, z.zone_id]), [['www', 'cloudflare', ZONE_ID], ['static', 'fastly', FASTLY_TEST_SERVICE], ['media', 'cloudfront', CLOUDFRONT_TEST_DISTRIBUTION]]);
      assert.equal(plan.zones[2].invalidation_cost?.paths, 2);
      assert.ok(plan.requests.every((r) => typeof r.provider === 'string' && Object.keys(r).at(-1) === 'body'));
      const bodies = plan.requests.map((r) => [r.provider, r.action, r.body]);
      assert.deepEqual(bodies, [
        ['cloudflare', 'purge', { files: ['https://www.example.com/'] }],
        ...['a.css', 'app.js?v=2&b=1', 'b.css', 'c.css', 'd.css', 'e.css'].map((p) => ['fastly', 'purge', { url: `https://static.example.com/${p}` }]),
        ['fastly', 'invalidate', { surrogate_keys: ['Product-42', 'product-42'] }],
        ['cloudfront', 'purge', { paths: ['/img/*'] }],
        ['cloudfront', 'purge', { paths: ['/a.jpg?w=1&h=2'] }],
      ]);
      const human = await site.run(['plan']);
      assert.match(human.stdout, /^zone www \(Cloudflare, example\.com, /m);
      assert.match(human.stdout, /^zone static \(Fastly service SU1Z0isxPaozGVKXdv0eY, static\.example\.com\) — a URL purge removes every variant/m);
      assert.match(human.stdout, /^zone media \(CloudFront distribution E2QWRUHAPOMQZL, media\.example\.com\)/m);
      assert.match(human.stdout, /2 invalidation paths: free within the 1,000 free paths a month/);
    } finally {
      site.remove();
    }
  });

  it('applies against the three stand-ins, is interrupted, and resumes without sending anything twice', async () => {
    const site = new Site().write('purge.yaml', YAML);
    try {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      const plan = JSON.parse(site.read('release.plan')) as { requests: Req[] };
      // A first apply: CloudFront's answers never come (the invalidations are made), Fastly is slow: interrupted.
      cloudfrontFault = (operation) => (operation === 'create' ? { kind: 'lose-answer' } : undefined);
      fastlyDelay = 40;
      const first = await site.run(['apply', 'release.plan', '--api-url', cloudflare.url, '--concurrency', '1', '--max-retries', '0'], {
        env: env(),
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (fastly.purges.length >= 3) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          }, 5);
        },
      });
      assert.equal(first.code, 130, first.stderr);
      const fastlyAfterFirst = fastly.purges.length;
      assert.ok(fastlyAfterFirst >= 3 && fastlyAfterFirst < 7, `Fastly purges after the interrupt: ${fastlyAfterFirst}`);
      // A second run: CloudFront's answers are lost, its requests fail (no retry), everything else completes.
      fastlyDelay = 0;
      const second = await site.run(['apply', 'release.plan', '--api-url', cloudflare.url, '--max-retries', '0'], { env: env() });
      assert.equal(second.code, 1, second.stderr);
      assert.equal(cloudfront.invalidations.length, 2, 'CloudFront made both invalidations, though no answer came');
      // A third run sends only CloudFront's two again: the same CallerReferences, the same invalidations.
      cloudfrontFault = undefined;
      const third = await site.run(['apply', 'release.plan', '--api-url', cloudflare.url, '--json'], { env: env() });
      assert.equal(third.code, 0, third.stderr);
      assert.equal(cloudfront.invalidations.length, 2, 'no second invalidation');
      const events = third.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; id?: string; zone?: string });
      assert.deepEqual(events.filter((e) => e.type === 'request_done').map((e) => [e.zone, e.id]), cloudfront.invalidations.map((i) => ['media', i.id]), 'each invalidation id reported');
      assert.equal(cloudflare.accepted.length, 1);
      const urls = fastly.purges.filter((p) => p.kind === 'url').map((p) => p.url);
      assert.equal(urls.length, 6);
      assert.equal(new Set(urls).size, 6, 'no Fastly URL purged twice');
      assert.ok(urls.includes('static.example.com/app.js?v=2&b=1'), 'the query carried as written');
      const keys = fastly.purges.filter((p) => p.kind === 'keys');
      assert.deepEqual(keys.map((k) => [k.keys, k.soft]), [[['Product-42', 'product-42'], true]]);
      assert.deepEqual(cloudfront.invalidations.map((i) => i.paths), plan.requests.filter((r) => r.provider === 'cloudfront').map((r) => r.body.paths));
      assert.ok(cloudfront.log.every((l) => l.scope === 'us-east-1/cloudfront'), 'signed for us-east-1 whatever AWS_REGION says');
      const all = [first, second, third].map((r) => r.stdout + r.stderr).join('');
      for (const secret of [TOKEN, FASTLY_TEST_TOKEN, AWS_TEST_CREDENTIALS.secretAccessKey, AWS_TEST_CREDENTIALS.sessionToken]) assert.equal(all.includes(secret), false);
    } finally {
      cloudfrontFault = undefined;
      fastlyDelay = 0;
      site.remove();
    }
  });

  it('missing credentials are named before anything is sent', async () => {
    const site = new Site().write('purge.yaml', YAML);
    try {
      const before = [cloudflare.log.length, fastly.log.length, cloudfront.log.length];
      const noAws = await site.run(['apply', '--auto-approve', '--api-url', cloudflare.url], { env: { ...env(), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
      assert.equal(noAws.code, 1);
      assert.match(noAws.stderr, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
      const noFastly = await site.run(['apply', '--auto-approve', '--api-url', cloudflare.url], { env: { ...env(), FASTLY_API_TOKEN: '' } });
      assert.equal(noFastly.code, 1);
      assert.match(noFastly.stderr, /FASTLY_API_TOKEN \(zone static\)/);
      const badUrl = await site.run(['apply', '--auto-approve', '--api-url', cloudflare.url, '--fastly-api-url', 'http://fastly.example.net'], { env: env() });
      assert.equal(badUrl.code, 1);
      assert.match(badUrl.stderr, /refusing plain http Fastly API URL/);
      assert.deepEqual([cloudflare.log.length, fastly.log.length, cloudfront.log.length], before, 'nothing sent');
    } finally {
      site.remove();
    }
  });
});

describe('what stays Cloudflare\'s says so on other zones', () => {
  it('explain refuses a URL of a Fastly or CloudFront zone; drift leaves such zones out with a note, and refuses them alone', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [PRO_ZONE] });
    const site = new Site().write('purge.yaml', YAML);
    try {
      const explained = await site.run(['explain', 'https://static.example.com/a.css']);
      assert.equal(explained.code, 1);
      assert.match(explained.stderr, /explain reads Cloudflare's cache keys, and zone static is on Fastly/);
      assert.equal((await site.run(['explain', 'https://www.example.com/'])).code, 0);
      const drift = await site.run(['drift', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.match(drift.stderr, /note: Cache Rules are Cloudflare's: left out zones static \(Fastly\), media \(CloudFront\)/);
      assert.equal(drift.code, 0, drift.stderr);
      assert.ok(standin.log.every((entry) => entry.path.includes(ZONE_ID)), 'only the Cloudflare zone was read');
      const alone = await site.run(['import', '--zone', 'media', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(alone.code, 1);
      assert.match(alone.stderr, /zone media \(CloudFront\) is not on Cloudflare/);
    } finally {
      site.remove();
      await standin.close();
    }
  });
});

describe('provider refusals are positioned errors', () => {
  it('hosts and prefixes on Fastly, tags on CloudFront, invalidating everything on Fastly, a missing id', async () => {
    const site = new Site().write('purge.yaml', `version: 1
zones:
  static: { provider: fastly, service_id: SU1Z0isxPaozGVKXdv0eY, name: static.example.com, allow_purge_everything: true }
  media: { provider: cloudfront, name: media.example.com }
  cdn: { provider: fastly, id: 023e105f4ecef8ad9ca31a8372d0c353, service_id: ABC }
groups:
  a:
    zone: static
    hosts: [static.example.com]
    prefixes: [static.example.com/img/]
  b:
    zone: media
    tags: [t]
  c:
    zone: static
    everything: true
    action: invalidate
  d:
    zone: static
    urls: [https://static.example.com/x]
    variants: { device_type: [mobile] }
`);
    try {
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      const lines = result.stderr.split('\n');
      const at = (re: RegExp): string => lines.find((line) => re.test(line)) ?? `(none matching ${re})`;
      assert.match(at(/hosts\[0\]/), /^purge\.yaml:9:13: error: groups\.a\.hosts\[0\]: zone "static" is a Fastly service, which cannot purge host "static\.example\.com"/);
      assert.match(at(/prefixes\[0\]/), /^purge\.yaml:10:16: error: .*cannot purge prefix "static\.example\.com\/img\/"/);
      assert.match(result.stderr, /Surrogate-Key header/);
      assert.match(at(/groups\.b\.tags/), /^purge\.yaml:13:5: error: groups\.b\.tags: zone "media" is a CloudFront distribution/);
      assert.match(at(/groups\.c\.everything/), /^purge\.yaml:16:5: error: groups\.c\.everything: invalidating everything is impossible on zone "static"/);
      assert.match(at(/zones\.media: a CloudFront/), /^purge\.yaml:4:10: error: zones\.media: a CloudFront distribution needs "distribution_id"/);
      assert.match(at(/zones\.cdn\.id/), /^purge\.yaml:5:28: error: zones\.cdn\.id: "id" names a Cloudflare zone, but zone "cdn" is a Fastly service/);
      assert.match(at(/groups\.d\.variants/), /warning: groups\.d\.variants: is moot on zone "static": Fastly's URL purge removes every variant/);
    } finally {
      site.remove();
    }
  });
});
