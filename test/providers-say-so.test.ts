// What stays Cloudflare's says so on a Fastly or CloudFront zone (docs/providers.md, "What stays
// Cloudflare's"), through the built CLI: explain refuses such a URL; coverage --logs counts their
// requests as not judged, with a note, human and --json; --print-sql, drift, import and coverage
// --graphql leave such zones out with a note; apply --verify and --warm name the zones whose
// requests they leave out, human and --json. And a path CloudFront cannot take is refused at its
// entry in purge.yaml (file:line:col), before anything is planned or sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import { startEdge } from './support/edge-standin.js';
import { FASTLY_TEST_SERVICE, FASTLY_TEST_TOKEN, startFastlyStandin } from './support/fastly-standin.js';
import { AWS_TEST_CREDENTIALS, CLOUDFRONT_TEST_DISTRIBUTION, startCloudFrontStandin } from './support/cloudfront-standin.js';
import { startGraphqlStandin } from './support/graphql-standin.js';
import { logLine } from './support/logpush.js';
import { PRO_ZONE, Site, TOKEN, ZONE_ID } from './support/site.js';

const YAML = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
  static: { provider: fastly, service_id: ${FASTLY_TEST_SERVICE}, name: static.example.com }
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  pages:
    urls:
      - http://www.example.com/a
      - http://www.example.com/b
      - https://static.example.com/app.js
      - https://media.example.com/a.jpg
`;

const ENV = {
  CLOUDFLARE_API_TOKEN: TOKEN, FASTLY_API_TOKEN: FASTLY_TEST_TOKEN,
  AWS_ACCESS_KEY_ID: AWS_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS_TEST_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: AWS_TEST_CREDENTIALS.sessionToken,
};

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('coverage, explain, drift and import on a plan with Fastly and CloudFront zones', () => {
  it('coverage --logs counts those zones\' requests as not judged, with a note (human, markdown, --json)', async () => {
    const logs = [
      logLine({ url: 'http://www.example.com/a' }),
      logLine({ url: 'http://www.example.com/c' }),
      logLine({ url: 'https://static.example.com/app.js', count: 3 }),
      logLine({ url: 'https://static.example.com/other.js' }),
      logLine({ url: 'https://media.example.com/a.jpg', device: 'mobile' }),
    ].join('\n');
    const site = new Site().write('purge.yaml', YAML).write('logs.ndjson', `${logs}\n`);
    try {
      const human = await site.run(['coverage', '--logs', 'logs.ndjson']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stderr, /^note: coverage judges Cloudflare's cache keys \(requests to other zones' hosts are counted, not judged\): left out zones static \(Fastly\), media \(CloudFront\)$/m);
      assert.match(human.stdout, /^Not judged: 5 requests to zones static \(Fastly\), media \(CloudFront\), not on Cloudflare: coverage judges Cloudflare's cache keys, and there a purge reaches every variant of a URL\.$/m);
      assert.match(human.stdout, /^ {2}purged +1 +1 /m, 'the Cloudflare request is judged');
      assert.match(human.stdout, /^ {2}outside +1 +1 /m);
      const json = await site.run(['coverage', '--logs', 'logs.ndjson', '--json']);
      const report = JSON.parse(json.stdout) as { requests: Record<string, number>; not_judged: unknown };
      assert.deepEqual(report.not_judged, [{ zone: 'static', provider: 'fastly', requests: 4 }, { zone: 'media', provider: 'cloudfront', requests: 1 }]);
      assert.deepEqual([report.requests.purged, report.requests.missed, report.requests.outside], [1, 0, 1]);
      // The same report read on worker threads, the lines split over two files.
      const lines = logs.split('\n');
      site.write('one.ndjson', `${lines.slice(0, 3).join('\n')}\n`).write('two.ndjson', `${lines.slice(3).join('\n')}\n`);
      const threaded = await site.run(['coverage', '--logs', 'one.ndjson', 'two.ndjson', '--threads', '2', '--json']);
      assert.equal(threaded.code, 0, threaded.stderr);
      assert.deepEqual((JSON.parse(threaded.stdout) as { not_judged: unknown }).not_judged, report.not_judged);
      const markdown = await site.run(['coverage', '--logs', 'logs.ndjson', '--markdown']);
      assert.match(markdown.stdout, /^> Not judged: 5 requests to zones static \(Fastly\), media \(CloudFront\)/m);
      const sql = await site.run(['coverage', '--print-sql', 'duckdb']);
      assert.equal(sql.code, 0, sql.stderr);
      assert.match(sql.stderr, /^note: the query reads Cloudflare Logpush: left out zones static \(Fastly\), media \(CloudFront\)$/m);
      // A file of Cloudflare zones only: no note, and the --json report has no not_judged.
      const cloudflareOnly = new Site().write('purge.yaml', `version: 1\nzones:\n  www: { id: ${ZONE_ID}, name: example.com }\ngroups:\n  pages:\n    urls: [http://www.example.com/a]\n`).write('logs.ndjson', `${logs}\n`);
      try {
        const plain = await cloudflareOnly.run(['coverage', '--logs', 'logs.ndjson', '--json']);
        assert.equal(plain.stderr, '');
        assert.equal('not_judged' in (JSON.parse(plain.stdout) as object), false);
      } finally {
        cloudflareOnly.remove();
      }
    } finally {
      site.remove();
    }
  });

  it('coverage --logs on Fastly and CloudFront zones alone refuses, naming them', async () => {
    const site = new Site().write('purge.yaml', `version: 1
zones:
  static: { provider: fastly, service_id: ${FASTLY_TEST_SERVICE}, name: static.example.com }
groups:
  js:
    urls: [https://static.example.com/app.js]
`).write('logs.ndjson', `${logLine({ url: 'https://static.example.com/app.js' })}\n`);
    try {
      const result = await site.run(['coverage', '--logs', 'logs.ndjson']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /zone static \(Fastly\) is not on Cloudflare/);
    } finally {
      site.remove();
    }
  });

  it('explain refuses a URL of either zone; import without --zone leaves them out with a note; coverage --graphql too', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [PRO_ZONE] });
    const graphql = await startGraphqlStandin({ zones: [{ id: ZONE_ID, name: 'example.com' }], readers: { [TOKEN]: [ZONE_ID] }, events: [] });
    const site = new Site().write('purge.yaml', YAML);
    try {
      for (const [url, provider] of [['https://static.example.com/app.js', 'Fastly'], ['https://media.example.com/a.jpg', 'CloudFront']]) {
        const explained = await site.run(['explain', url!]);
        assert.equal(explained.code, 1);
        assert.match(explained.stderr, new RegExp(`explain reads Cloudflare's cache keys, and zone (static|media) is on ${provider}`));
      }
      const imported = await site.run(['import', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stderr, /^note: Cache Rules are Cloudflare's: left out zones static \(Fastly\), media \(CloudFront\)$/m);
      const analytics = await site.run(['coverage', '--graphql', '--api-url', graphql.url, '--json'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(analytics.code, 0, analytics.stderr);
      assert.match(analytics.stderr, /^note: GraphQL Analytics is Cloudflare's: left out zones static \(Fastly\), media \(CloudFront\)$/m);
      assert.ok(graphql.queries.every((q) => q.datasets.every((d) => d.zoneTag === ZONE_ID)), 'only the Cloudflare zone was queried');
    } finally {
      site.remove();
      await standin.close();
      await graphql.close();
    }
  });
});

describe('apply --verify and --warm leave Fastly and CloudFront zones out, and say so', () => {
  it('a note names the zones, on stderr and as a --json note event; their requests are sent, not probed', async () => {
    const standin = await startStandin({ tokens: [TOKEN], zones: [PRO_ZONE] });
    const edge = await startEdge({ standin });
    const fastly = await startFastlyStandin();
    const cloudfront = await startCloudFrontStandin();
    const env = { ...ENV, PURGEPLAN_FASTLY_API_URL: fastly.url, AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url };
    const args = ['apply', '--auto-approve', '--api-url', standin.url, '--verify-settle', '0', '--connect-to', `www.example.com:80:127.0.0.1:${edge.port}`];
    try {
      for (const [flag, extra] of [['--verify', ['--verify', '2']], ['--warm', ['--warm']]] as const) {
        for (const json of [false, true]) {
          const site = new Site().write('purge.yaml', YAML);
          try {
            const result = await site.run([...args, ...extra, ...(json ? ['--json'] : [])], { env, killAfterMs: 60_000 });
            assert.equal(result.code, 0, `${flag} ${json}: ${result.stderr}`);
            const note = `${flag} requests Cloudflare's edge and reads its cache status (it is Cloudflare's): left out the requests of zones static (Fastly), media (CloudFront)`;
            if (json) assert.ok(jsonLines(result.stdout).some((e) => e.type === 'note' && e.message === note), `${flag} --json: ${result.stdout}`);
            else assert.ok(result.stderr.includes(`note: ${note}\n`), `${flag}: ${result.stderr}`);
          } finally {
            site.remove();
          }
        }
      }
      const probed = new Set(edge.log.map((r) => r.host));
      assert.deepEqual([...probed], ['www.example.com'], 'only Cloudflare\'s edge was requested');
      assert.equal(fastly.purges.length, 4, 'the Fastly URL was purged by each run');
      assert.ok(cloudfront.invalidations.length >= 1);
    } finally {
      await Promise.all([standin.close(), edge.close(), fastly.close(), cloudfront.close()]);
    }
  });
});

describe('a path CloudFront cannot take is refused where it is written', () => {
  it('a URL with a "*" before its end, one expanded from a pattern, a path over 4,000 characters, a prefix with a "*", a build\'s file: file:line:col, nothing planned or sent', async () => {
    const long = 'a'.repeat(4001);
    const site = new Site().write('purge.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  ok:
    urls: ["https://www.example.com/a*b"]
  star:
    zone: media
    urls:
      - https://media.example.com/fine.jpg
      - https://media.example.com/a*b.jpg
  expanded:
    urls: ["https://media.example.com/{x,y*z}/1.jpg"]
  long:
    zone: media
    urls: ["https://media.example.com/${long}"]
  prefix:
    zone: media
    prefixes: [media.example.com/a*/]
`);
    const cloudfront = await startCloudFrontStandin();
    try {
      // The file's own checks come first (a prefix is checked with the file), then the URLs as they expand.
      const first = await site.run(['validate']);
      assert.equal(first.code, 1);
      assert.deepEqual(first.stderr.split('\n').filter((line) => line.includes(': error: ')), [
        'purge.yaml:20:16: error: groups.prefix.prefixes[0]: prefix "media.example.com/a*/" cannot be invalidated on zone "media", a CloudFront distribution: its invalidation path /a*/* has a "*" before its end, which CloudFront refuses (a wildcard is allowed only at the end)',
      ]);
      site.write('purge.yaml', site.read('purge.yaml').replace(/  prefix:\n[\s\S]*$/, ''));
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      const errors = result.stderr.split('\n').filter((line) => line.includes(': error: '));
      assert.match(errors[2] ?? '', /^purge\.yaml:17:12: error: groups\.long\.urls\[0\]: "https:\/\/media\.example\.com\/a+…" \([\d,]+ characters\) cannot be invalidated on zone "media", a CloudFront distribution: its invalidation path is 4002 characters long, over CloudFront's 4000$/);
      assert.deepEqual(errors.slice(0, 2), [
        'purge.yaml:12:9: error: groups.star.urls[1]: "https://media.example.com/a*b.jpg" cannot be invalidated on zone "media", a CloudFront distribution: its invalidation path /a*b.jpg has a "*" before its end, which CloudFront refuses (a wildcard is allowed only at the end)',
        'purge.yaml:14:12: error: groups.expanded.urls[0]: "https://media.example.com/y*z/1.jpg" (expanded from this entry) cannot be invalidated on zone "media", a CloudFront distribution: its invalidation path /y*z/1.jpg has a "*" before its end, which CloudFront refuses (a wildcard is allowed only at the end)',
      ]);
      assert.match(result.stderr, /hint: purge a prefix that covers it instead, or leave it out/);
      const plan = await site.run(['plan']);
      assert.equal(plan.code, 1);
      assert.match(plan.stderr, /purge\.yaml:12:9: error: groups\.star\.urls\[1\]/);
      const apply = await site.run(['apply', '--auto-approve', '--api-url', 'http://127.0.0.1:9'], { env: { ...ENV, AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url } });
      assert.equal(apply.code, 1);
      // A build group on the distribution: a file whose URL CloudFront cannot take is an error at its dir, nothing sent.
      site.write('purge.yaml', `version: 1
zones:
  media: { provider: cloudfront, distribution_id: ${CLOUDFRONT_TEST_DISTRIBUTION}, name: media.example.com }
groups:
  site:
    zone: media
    build:
      dir: public/
      base_url: https://media.example.com/
`).write('public/ok.jpg', 'ok').write('public/img/a*b.jpg', 'x').write('public/img/c*d.jpg', 'x');
      for (const args of [['plan'], ['apply', '--auto-approve']]) {
        const built = await site.run(args, { env: { ...ENV, AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url } });
        assert.equal(built.code, 1, args.join(' '));
        assert.match(built.stderr, /^purge\.yaml:8:12: error: groups\.site\.build\.dir: "https:\/\/media\.example\.com\/img\/a\*b\.jpg" \(and 1 more\) cannot be invalidated on zone "media", a CloudFront distribution: its invalidation path \/img\/a\*b\.jpg has a "\*" before its end/m);
      }
      assert.equal(cloudfront.log.length, 0, 'nothing sent');
    } finally {
      site.remove();
      await cloudfront.close();
    }
  });
});
