// The HTTP policy every client shares (src/http/policy.ts): which API URLs a token may go to,
// how a server's wait is read, what is scrubbed of a token, how a token is read, and the clocks.
// Table-driven: one row per case.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/errors.js';
import { flattenHeaders, isLoopbackHost, makeScrubber, monotonicClock, parseApiBaseUrl, parseWaitUntil, REDACTED, systemClock, tokenProblem } from '../src/http/policy.js';
import { readZoneTokens } from '../src/cloudflare/zones.js';

const NOW = Date.parse('2026-10-01T12:00:00Z');
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('loopback hosts (the only hosts http: may carry a token to)', () => {
  const rows: [string, boolean][] = [
    ['localhost', true],
    ['LocalHost', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['[::ffff:7f00:1]', true],
    ['[::ffff:7fff:ffff]', true],
    ['example.com', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['[::]', false],
    ['[::2]', false],
    ['[::ffff:a00:1]', false],
  ];
  for (const [host, loopback] of rows) it(`${host} → ${loopback}`, () => assert.equal(isLoopbackHost(host), loopback));
});

describe('API base URLs', () => {
  const naming = { name: 'GITHUB_API_URL' };
  const accepted: [string, string][] = [
    ['https://api.github.com', 'https://api.github.com'],
    ['https://ghe.example.com/api/v3/', 'https://ghe.example.com/api/v3'],
    ['http://127.1:8080/client/v4', 'http://127.0.0.1:8080/client/v4'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
    ['http://localhost/api/v4//', 'http://localhost/api/v4'],
  ];
  for (const [value, href] of accepted) {
    it(`accepts ${value}`, () => assert.equal(parseApiBaseUrl(value, naming).href.replace(/\/$/, ''), href));
  }
  const refused: [string, RegExp][] = [
    ['api.github.com', /^GITHUB_API_URL "api\.github\.com" is not an absolute URL$/],
    ['http://api.github.com', /^refusing plain http GITHUB_API_URL "http:\/\/api\.github\.com\/": the token would travel in clear text$/],
    ['http://localhost.example.com', /^refusing plain http GITHUB_API_URL/],
    ['http://10.0.0.1', /^refusing plain http GITHUB_API_URL/],
    ['ftp://api.github.com', /^GITHUB_API_URL "ftp:\/\/api\.github\.com\/" must use https:$/],
    ['https://user:secret@api.github.com', /^GITHUB_API_URL must not carry credentials \(user:password@\)$/],
    ['https://api.github.com/?token=x', /^GITHUB_API_URL "https:\/\/api\.github\.com\/" must not have a query string or fragment$/],
    ['https://api.github.com/#x', /must not have a query string or fragment/],
  ];
  for (const [value, pattern] of refused) {
    it(`refuses ${value}`, () => assert.throws(() => parseApiBaseUrl(value, naming), (error: unknown) => error instanceof UserError && pattern.test(error.message)));
  }
  it('never quotes credentials back', () => {
    assert.throws(() => parseApiBaseUrl('https://user:secret@api.example.com', naming), (error: unknown) => error instanceof UserError && !`${error.message}${error.hint ?? ''}`.includes('secret'));
  });
  it('gives the caller\'s hints', () => {
    const hinted = { name: 'API URL', notAbsoluteHint: 'use e.g. https://api.cloudflare.com/client/v4', credentialsHint: 'the token is read from token_env' };
    assert.throws(() => parseApiBaseUrl('nope', hinted), (error: unknown) => error instanceof UserError && error.hint === hinted.notAbsoluteHint);
    assert.throws(() => parseApiBaseUrl('https://a:b@x.example', hinted), (error: unknown) => error instanceof UserError && error.hint === hinted.credentialsHint);
    assert.throws(() => parseApiBaseUrl('http://x.example', hinted), (error: unknown) => error instanceof UserError && /loopback host/.test(error.hint ?? ''));
  });
});

describe('retry-after and rate-limit reset headers', () => {
  const rows: [string, string | undefined, number | null][] = [
    ['delay seconds', '7', NOW + 7_000],
    ['delay seconds with spaces', ' 7 ', NOW + 7_000],
    ['zero', '0', NOW],
    ['fractional seconds', '0.5', NOW + 500],
    ['epoch seconds', String(NOW / 1000 + 30), NOW + 30_000],
    ['IMF-fixdate', 'Thu, 01 Oct 2026 12:00:12 GMT', NOW + 12_000],
    ['IMF-fixdate, lower case', 'thu, 01 oct 2026 12:00:12 gmt', NOW + 12_000],
    ['IMF-fixdate, one-digit day', 'Thu, 1 Oct 2026 12:00:12 GMT', NOW + 12_000],
    ['RFC 850 date', 'Thursday, 01-Oct-26 12:00:12 GMT', NOW + 12_000],
    ['asctime date, read as GMT', 'Thu Oct  1 12:00:12 2026', NOW + 12_000],
    ['a date in the past', 'Thu, 01 Oct 2026 11:59:00 GMT', NOW - 60_000],
    ['absent', undefined, null],
    ['empty', '', null],
    ['a word', 'soon', null],
    ['a negative number', '-5', null],
    ['an exponent', '1e3', null],
    ['two dots', '1.2.3', null],
    ['a word and a number', 'foo 1', null],
    ['a date without a time', 'Thu, 01 Oct 2026', null],
    ['an ISO date', '2026-10-01T12:00:12Z', null],
  ];
  for (const [name, value, expected] of rows) it(`${name}: ${JSON.stringify(value)}`, () => assert.equal(parseWaitUntil(value, NOW), expected));
});

describe('secret scrubbing', () => {
  const TOKEN = 'cfut_SeCrEt/0123+456"789\\abc';
  const scrub = makeScrubber([TOKEN, '']);
  const rows: [string, string, string][] = [
    ['the token as given', `Bearer ${TOKEN} refused`, `Bearer ${REDACTED} refused`],
    ['URL-encoded', `GET /verify?t=${encodeURIComponent(TOKEN)}`, `GET /verify?t=${REDACTED}`],
    ['JSON-escaped', `{"token":${JSON.stringify(TOKEN)}}`, `{"token":"${REDACTED}"}`],
    ['twice', `${TOKEN}${TOKEN}`, `${REDACTED}${REDACTED}`],
    ['no token', 'connection refused (ECONNREFUSED)', 'connection refused (ECONNREFUSED)'],
  ];
  for (const [name, text, expected] of rows) it(name, () => assert.equal(scrub(text), expected));
  it('removes a token containing another whole', () => {
    const nested = makeScrubber(['abc', 'xxabcxx']);
    assert.equal(nested('key xxabcxx and abc'), `key ${REDACTED} and ${REDACTED}`);
  });
  it('an empty secret list changes nothing', () => assert.equal(makeScrubber([])('text'), 'text'));
});

describe('token values', () => {
  const rows: [string, string, string | undefined][] = [
    ['printable ASCII', 'cfut_abc-DEF.123', undefined],
    ['a trailing line break', 'abc\n', 'a line break'],
    ['a carriage return', 'a\rb', 'a line break'],
    ['a space', 'abc def', 'whitespace'],
    ['a tab', 'abc\tdef', 'whitespace'],
    ['an ESC', 'abc\u001bdef', 'a control character'],
    ['DEL', 'abc\u007f', 'a control character'],
    ['non-ASCII', 'abcé', 'a character outside printable ASCII'],
    ['empty', '', 'a character outside printable ASCII'],
  ];
  for (const [name, value, problem] of rows) it(name, () => assert.equal(tokenProblem(value), problem));

  it('zone tokens: trimmed, every missing variable named in one error, never echoed', () => {
    const zones = [{ name: 'www', tokenEnv: 'A' }, { name: 'api', tokenEnv: 'B' }, { name: 'cdn', tokenEnv: 'B' }, { name: 'img', tokenEnv: 'C' }];
    assert.deepEqual(readZoneTokens(zones.slice(0, 1), { A: ' tok-a\n' }, 'to read'), new Map([['www', 'tok-a']]));
    assert.throws(() => readZoneTokens(zones, { A: 'tok-a', C: '  ' }, 'Zone › Cache Rules › Read'), (error: unknown) =>
      error instanceof UserError
      && error.message === 'no API token: environment variable B (zones api, cdn), C (zone img) are not set or empty'
      && error.hint === 'export B=… with a Cloudflare API token allowed Zone › Cache Rules › Read');
    assert.throws(() => readZoneTokens(zones.slice(0, 1), { A: 'tok en-secret' }, 'to read'), (error: unknown) =>
      error instanceof UserError && /the API token in A contains spaces/.test(error.message) && !`${error.message}${error.hint}`.includes('secret'));
  });
});

describe('response headers', () => {
  it('names lower-case, repeated headers joined, absent ones left out', () => {
    assert.deepEqual(flattenHeaders({ 'Retry-After': '3', 'set-cookie': ['a=1', 'b=2'], 'x-none': undefined }), { 'retry-after': '3', 'set-cookie': 'a=1, b=2' });
  });
});

describe('clocks', () => {
  for (const [name, clock] of [['system (wall) clock', systemClock], ['monotonic clock', monotonicClock]] as const) {
    it(`${name}: an abort ends a sleep at once`, async () => {
      const controller = new AbortController();
      const sleeping = clock.sleep(3_600_000, controller.signal).then(() => 'woke');
      controller.abort();
      // The abort resolves the sleep in a microtask: before the next turn of the event loop.
      const first = await Promise.race([sleeping, new Promise((resolve) => setImmediate(() => resolve('still asleep')))]);
      assert.equal(first, 'woke');
    });
    it(`${name}: an aborted signal does not sleep`, async () => {
      const first = await Promise.race([clock.sleep(3_600_000, AbortSignal.abort()).then(() => 'woke'), new Promise((resolve) => setImmediate(() => resolve('still asleep')))]);
      assert.equal(first, 'woke');
    });
  }
});

describe('one home for the policy', () => {
  const sources = (folder: string) => readdirSync(join(SRC, folder)).filter((name) => name.endsWith('.ts')).map((name) => [name, readFileSync(join(SRC, folder, name), 'utf8')] as const);
  it('forge/ does not import cloudflare/ (both use http/)', () => {
    for (const [name, text] of sources('forge')) assert.doesNotMatch(text, /from '\.\.\/cloudflare\//, `forge/${name}`);
  });
  it('http/policy.ts imports nothing of ours but the error class', () => {
    const imports = [...readFileSync(join(SRC, 'http', 'policy.ts'), 'utf8').matchAll(/from '(\.[^']*)'/g)].map((match) => match[1]);
    assert.deepEqual(imports, ['../errors.js']);
  });
});
