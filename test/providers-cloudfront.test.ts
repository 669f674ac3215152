// The CloudFront provider (docs/providers.md#cloudfront): items as invalidation paths, batches,
// CallerReference, the XML, cost, the classification table, credentials and endpoint, and sending
// against the loopback CloudFront stand-in, which checks every Signature Version 4 itself, keeps
// CallerReference idempotent and enforces the in-progress limits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY } from '../src/cloudflare/retry.js';
import type { CloudFrontBody } from '../src/providers/cloudfront.js';
import {
  amzDate, callerReference, classifyCloudFront, cloudfrontApiUrl, cloudfrontBodies, cloudfrontEstimateSeconds, invalidationBatchXml, invalidationCost,
  invalidationPath, openCloudFrontSession, readAwsCredentials,
} from '../src/providers/cloudfront.js';
import { invalidationPathProblem } from '../src/providers/cloudfront-paths.js';
import type { ProviderJob, ProviderSendContext, ProviderSendResult, ProviderSession, ProviderZone, RawOutcome, ZoneItem } from '../src/providers/types.js';
import { UserError } from '../src/errors.js';
import type { CloudFrontFault, CloudFrontStandin } from './support/cloudfront-standin.js';
import { AWS_TEST_CREDENTIALS, CLOUDFRONT_TEST_DISTRIBUTION, startCloudFrontStandin } from './support/cloudfront-standin.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const PLAN_ID = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const item = (kind: ZoneItem['kind'], value: string, groups = ['g']): ZoneItem => ({ kind, value, groups });
const response = (status: number, text: string, headers: Record<string, string> = {}): RawOutcome => ({ kind: 'response', status, headers, text });
const errorXml = (code: string, message = 'm'): string => `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

function recordingClock(start = NOW) {
  let time = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('CloudFront invalidation paths and batches', () => {
  it('a URL is its path and query as written; a prefix a wildcard; a host or everything /*', () => {
    assert.equal(invalidationPath(item('file', 'https://media.example.com/a%20b/c.jpg?w=1&h=2')), '/a%20b/c.jpg?w=1&h=2');
    assert.equal(invalidationPath(item('prefix', 'media.example.com/img/')), '/img/*');
    assert.equal(invalidationPath(item('prefix', 'media.example.com/img')), '/img*');
    assert.equal(invalidationPath(item('host', 'media.example.com')), '/*');
    assert.equal(invalidationPath(item('everything', '')), '/*');
    assert.throws(() => invalidationPath(item('tag', 't')), /refuses tags/);
  });

  it('refuses paths CloudFront refuses: over 4,000 characters, or a * before the end', () => {
    assert.equal(invalidationPathProblem('/a*'), undefined);
    assert.match(invalidationPathProblem('/a*/b')!, /"\*" before its end/);
    assert.match(invalidationPathProblem(`/${'a'.repeat(4000)}`)!, /4001 characters long, over CloudFront's 4000/);
  });

  it('a host or everything is /* alone; otherwise wildcards (at most 15 a batch), then exact paths (at most 3,000), each once, without what a wildcard reaches', () => {
    const all = cloudfrontBodies([item('host', 'm.example.com', ['a']), item('file', 'https://m.example.com/x', ['b'])], ['a', 'b']);
    assert.deepEqual(all.requests, [{ kind: 'purge_everything', size: 1, groups: ['a', 'b'], body: { paths: ['/*'] } }]);
    assert.deepEqual(all.coverage, [{ kind: 'everything', value: '', covered: 1 }]);
    const prefixes = Array.from({ length: 20 }, (_, i) => item('prefix', `m.example.com/p${i}/`));
    const files = Array.from({ length: 3005 }, (_, i) => item('file', `https://m.example.com/f/${i}`));
    const forms = cloudfrontBodies([...prefixes, item('file', 'https://m.example.com/p3/under', ['h']), ...files, item('file', 'http://m.example.com/f/0')], ['g', 'h']);
    assert.deepEqual(forms.requests.map((r) => [r.kind, r.size]), [['prefixes', 15], ['prefixes', 5], ['files', 3000], ['files', 5]]);
    assert.deepEqual(forms.coverage, [{ kind: 'prefix', value: '/p3/*', covered: 1 }], 'the path under /p3/*');
    assert.equal(forms.duplicates, 1, 'the second scheme of /f/0');
    assert.deepEqual(forms.requests[0].groups, ['g', 'h'], 'the covering wildcard carries the covered item\'s group');
  });

  it('derives CallerReference from the plan id and the request index; a second pass is a new invalidation', () => {
    assert.equal(callerReference(PLAN_ID, 7), 'purgeplan-0123456789abcdef0123456789abcdef-7');
    assert.equal(callerReference(PLAN_ID, 7), callerReference(PLAN_ID, 7));
    assert.notEqual(callerReference(PLAN_ID, 7, 2), callerReference(PLAN_ID, 7));
  });

  it('writes the InvalidationBatch XML with & and < escaped', () => {
    const xml = invalidationBatchXml('ref-1', ['/a?x=1&y=<2>']);
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<InvalidationBatch xmlns="http:\/\/cloudfront.amazonaws.com\/doc\/2020-05-31\/">/);
    assert.match(xml, /<CallerReference>ref-1<\/CallerReference><Paths><Quantity>1<\/Quantity><Items><Path>\/a\?x=1&amp;y=&lt;2&gt;<\/Path><\/Items><\/Paths>/);
  });

  it('estimates the cost beyond the 1,000 free paths a month at $0.005 a path, and the waits of batches that do not fit', () => {
    assert.deepEqual(invalidationCost(1500), { paths: 1500, free_paths_per_month: 1000, usd_per_path: 0.005, usd_beyond_free: 2.5, usd_without_free: 7.5 });
    assert.equal(invalidationCost(10).usd_beyond_free, 0);
    assert.equal(cloudfrontEstimateSeconds([{ paths: ['/a'] }]), 0.1);
    const wild = (n: number): CloudFrontBody => ({ paths: Array.from({ length: n }, (_, i) => `/w${i}/*`) });
    assert.equal(cloudfrontEstimateSeconds([wild(15), wild(1)]), 300.2, 'the second batch waits for the first');
  });
});

describe('CloudFront classification table', () => {
  it('2xx with an Invalidation is done with its id; without one it is not', () => {
    assert.deepEqual(classifyCloudFront(response(201, '<Invalidation xmlns="x"><Id>I2J0</Id><Status>InProgress</Status></Invalidation>'), NOW), { kind: 'done', id: 'I2J0' });
    assert.equal(classifyCloudFront(response(200, '<html/>'), NOW).kind, 'fatal');
  });

  it('TooManyInvalidationsInProgress is busy; Throttling is rate-limited; 5xx transient', () => {
    assert.equal(classifyCloudFront(response(400, errorXml('TooManyInvalidationsInProgress')), NOW).kind, 'busy');
    assert.deepEqual(classifyCloudFront(response(400, errorXml('Throttling', 'Rate exceeded')), NOW), { kind: 'rate_limited', message: 'rate-limited (Throttling)', until: null });
    assert.equal(classifyCloudFront(response(503, errorXml('ServiceUnavailable')), NOW).kind, 'transient');
  });

  it('InvalidationBatchAlreadyExists and AccessDenied are fatal with CloudFront\'s code and message', () => {
    const exists = classifyCloudFront(response(409, errorXml('InvalidationBatchAlreadyExists', 'exists')), NOW);
    assert.equal(exists.kind, 'fatal');
    assert.match((exists as { message: string }).message, /CallerReference for other paths/);
    assert.deepEqual((classifyCloudFront(response(403, errorXml('AccessDenied', 'User: arn:… is not authorized &amp; &#27;[31m')), NOW) as unknown as { errors: unknown[] }).errors,
      [{ code: 'AccessDenied', message: 'User: arn:… is not authorized & \\u001b[31m' }]);
  });
});

describe('AWS credentials and the CloudFront endpoint', () => {
  it('missing credentials name AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, before anything is sent', () => {
    assert.throws(() => readAwsCredentials({}, ['media']), (e: unknown) => e instanceof UserError
      && /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/.test(e.message) && /configure-aws-credentials/.test(e.hint ?? ''));
    assert.throws(() => readAwsCredentials({ AWS_ACCESS_KEY_ID: 'AKID' }, ['media']), /AWS_SECRET_ACCESS_KEY is not set.*both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.deepEqual(readAwsCredentials({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S\n' }, ['m']), { accessKeyId: 'A', secretAccessKey: 'S' });
    assert.equal(readAwsCredentials({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' }, ['m']).sessionToken, 'T');
  });

  it('a malformed secret is refused without echoing it', () => {
    assert.throws(() => readAwsCredentials({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'se cret' }, ['m']), (e: unknown) => e instanceof Error && !e.message.includes('se cret'));
  });

  it('AWS_ENDPOINT_URL_CLOUDFRONT, then AWS_ENDPOINT_URL, else cloudfront.amazonaws.com; http only on loopback', () => {
    assert.equal(cloudfrontApiUrl({}).href, 'https://cloudfront.amazonaws.com/');
    assert.equal(cloudfrontApiUrl({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_CLOUDFRONT: 'http://127.0.0.1:2' }).port, '2');
    assert.equal(cloudfrontApiUrl({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }).port, '1');
    assert.throws(() => cloudfrontApiUrl({ AWS_ENDPOINT_URL_CLOUDFRONT: 'http://cf.internal' }), /refusing plain http AWS_ENDPOINT_URL_CLOUDFRONT/);
  });

  it('writes X-Amz-Date from the run\'s clock', () => assert.equal(amzDate(NOW), '20260101T120000Z'));
});

describe('CloudFront against the stand-in', () => {
  let standin: CloudFrontStandin;
  let faults: ((operation: string, n: number) => CloudFrontFault | undefined) | undefined;
  const clockNow = { now: () => NOW };
  before(async () => {
    standin = await startCloudFrontStandin({ clock: clockNow, fault: ({ operation, seq }) => faults?.(operation, seq) });
  });
  after(() => standin.close());

  const zone: ProviderZone = { name: 'media', id: CLOUDFRONT_TEST_DISTRIBUTION, concurrency: 1 };
  const invalidationIds: string[] = [];
  async function session(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = AWS_TEST_CREDENTIALS, planId = PLAN_ID): Promise<ProviderSession<CloudFrontBody>> {
    return openCloudFrontSession({ apiUrl: new URL(standin.url), credentials, planId, connections: 4, requestTimeoutMs: 5000, onInvalidation: (_z, id, status) => invalidationIds.push(`${id} ${status}`) });
  }
  async function sendAll(s: ProviderSession<CloudFrontBody>, jobs: ProviderJob<CloudFrontBody>[], clock = recordingClock()): Promise<ProviderSendResult[]> {
    const limiter = s.limiter(zone, 'files', clock.now());
    const take = async (): Promise<boolean> => {
      while (limiter.tryTake(1, clock.now()) > 0) await new Promise((resolve) => setTimeout(resolve, 2));
      return true;
    };
    const context: ProviderSendContext = { clock, random: () => 0.5, policy: DEFAULT_RETRY_POLICY, beforeRetry: take };
    return Promise.all(jobs.map(async (job) => (await take(), s.send(zone, job, context))));
  }
  const reset = (): void => {
    standin.invalidations.length = 0;
    standin.log.length = 0;
    invalidationIds.length = 0;
  };

  it('creates a signed invalidation (the stand-in checks the signature: us-east-1, cloudfront, session token) and reports its id', async () => {
    reset();
    const s = await session();
    try {
      const [result] = await sendAll(s, [{ index: 0, action: 'purge', body: { paths: ['/a?x=1&y=2', '/img/*'] } }]);
      assert.equal(result.kind, 'done', JSON.stringify(result));
      const [inv] = standin.invalidations;
      assert.deepEqual(inv.paths, ['/a?x=1&y=2', '/img/*']);
      assert.equal(inv.callerReference, callerReference(PLAN_ID, 0));
      assert.equal((result as { result: { id: string } }).result.id, inv.id);
      assert.deepEqual(invalidationIds, [`${inv.id} InProgress`]);
      assert.equal(standin.log[0].scope, 'us-east-1/cloudfront');
      assert.match(standin.log[0].signedHeaders!, /host;x-amz-date;x-amz-security-token/);
    } finally {
      await s.close();
    }
  });

  it('a wrong secret is refused by the stand-in\'s own signature check, and no secret appears in the failure', async () => {
    reset();
    const s = await session({ ...AWS_TEST_CREDENTIALS, secretAccessKey: 'wrong-secret-value-0123456789' });
    try {
      const [result] = await sendAll(s, [{ index: 0, action: 'purge', body: { paths: ['/a'] } }]);
      assert.equal(result.kind, 'failed');
      assert.deepEqual((result as unknown as { errors: unknown[] }).errors.map((e) => (e as { code: string }).code), ['SignatureDoesNotMatch']);
      assert.equal(JSON.stringify(result).includes('wrong-secret-value'), false);
      assert.equal(standin.invalidations.length, 0);
    } finally {
      await s.close();
    }
  });

  it('a resend after a lost answer is the same invalidation (CallerReference), not a second one', async () => {
    reset();
    let lost = 0;
    faults = (operation) => (operation === 'create' && lost++ === 0 ? { kind: 'lose-answer' } : undefined);
    const s = await session();
    try {
      const [result] = await sendAll(s, [{ index: 3, action: 'purge', body: { paths: ['/x', '/y'] } }]);
      assert.equal(result.kind, 'done');
      assert.equal(result.attempts, 2);
      assert.equal(standin.invalidations.length, 1);
      assert.equal((result as { result: { id: string } }).result.id, standin.invalidations[0].id);
    } finally {
      faults = undefined;
      await s.close();
    }
    // A later run of the same plan (a resume) sends it again: still the one invalidation.
    const again = await session();
    try {
      const [result] = await sendAll(again, [{ index: 3, action: 'purge', body: { paths: ['/x', '/y'] } }]);
      assert.equal((result as { result: { id: string } }).result.id, standin.invalidations[0].id);
      assert.equal(standin.invalidations.length, 1);
    } finally {
      await again.close();
    }
  });

  it('the same CallerReference with other paths fails (InvalidationBatchAlreadyExists), never creating a second invalidation', async () => {
    reset();
    const s = await session();
    try {
      await sendAll(s, [{ index: 0, action: 'purge', body: { paths: ['/one'] } }]);
      const [other] = await sendAll(s, [{ index: 0, action: 'purge', body: { paths: ['/two'] } }]);
      assert.equal(other.kind, 'failed');
      assert.match((other as { message: string }).message, /already holds an invalidation with this CallerReference/);
      assert.equal(standin.invalidations.length, 1);
    } finally {
      await s.close();
    }
  });

  it('keeps within 15 wildcard paths in progress: polls GetInvalidation until the first batch completes, then sends the next', async () => {
    reset();
    const clock = recordingClock();
    const wild = (n: number, from: number): string[] => Array.from({ length: n }, (_, i) => `/w${from + i}/*`);
    const s = await session();
    try {
      const results = await sendAll(s, [
        { index: 0, action: 'purge', body: { paths: wild(15, 0) } },
        { index: 1, action: 'purge', body: { paths: wild(2, 15) } },
      ], clock);
      assert.deepEqual(results.map((r) => r.kind), ['done', 'done']);
      assert.equal(standin.log.filter((l) => l.code === 'TooManyInvalidationsInProgress').length, 0, 'CloudFront never had to refuse');
      const [first, second] = standin.invalidations;
      assert.ok(first.polls >= 2 && first.status === 'Completed');
      const order = standin.log.map((l) => `${l.method} ${l.path.endsWith('/invalidation') ? 'create' : 'get'}`);
      assert.deepEqual(order, ['POST create', 'GET get', 'GET get', 'POST create']);
      assert.deepEqual(clock.sleeps, [20_000], 'one poll interval between the two polls');
      assert.ok(invalidationIds.includes(`${first.id} Completed`) && invalidationIds.includes(`${second.id} InProgress`));
    } finally {
      await s.close();
    }
  });

  it('waits when CloudFront says too many are in progress (someone else\'s), then sends', async () => {
    reset();
    const foreign = standin.seed(CLOUDFRONT_TEST_DISTRIBUTION, Array.from({ length: 3000 }, (_, i) => `/f${i}`));
    const clock = recordingClock();
    let refusals = 0;
    const s = await session();
    try {
      faults = (operation) => {
        if (operation === 'create' && standin.log.filter((l) => l.code === 'TooManyInvalidationsInProgress').length >= 2) standin.complete(foreign.id);
        if (operation === 'create') refusals++;
        return undefined;
      };
      const [result] = await sendAll(s, [{ index: 0, action: 'purge', body: { paths: ['/mine'] } }], clock);
      assert.equal(result.kind, 'done');
      assert.equal(result.attempts, 3);
      assert.equal(refusals, 3);
      assert.equal(clock.sleeps.length, 2, 'a wait after each refusal');
    } finally {
      faults = undefined;
      await s.close();
    }
  });
});
