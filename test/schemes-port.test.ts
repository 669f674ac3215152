// A zone's `schemes` and a URL written with its own port (docs/purge-yaml.md, `schemes`): a port
// other than the scheme's default serves that one protocol, so the URL keeps the scheme it was
// written with (http://x:8080 under `schemes: [https]` would be https://x:8080, an entry no request
// makes), and validate and plan warn at the URL's position. explain reads a request's entry with
// the same normalization, so it finds the planned URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CACHE_KEY } from '../src/config/types.js';
import type { Scheme } from '../src/config/types.js';
import { normalizeUrl } from '../src/expand/normalize.js';
import { Site, ZONE_ID } from './support/site.js';

const STACK_LINE = /^\s+at /m;

describe('normalizeUrl: a URL with its own port keeps its scheme under any `schemes`', () => {
  const rows: { url: string; schemes: Scheme[]; expected: string[]; kept: boolean }[] = [
    { url: 'http://www.example.com:8080/a', schemes: ['https'], expected: ['http://www.example.com:8080/a'], kept: true },
    { url: 'http://www.example.com:8080/a', schemes: ['http'], expected: ['http://www.example.com:8080/a'], kept: false },
    { url: 'http://www.example.com:8080/a', schemes: ['https', 'http'], expected: ['http://www.example.com:8080/a'], kept: true },
    { url: 'https://www.example.com:8443/a', schemes: ['http'], expected: ['https://www.example.com:8443/a'], kept: true },
    { url: 'https://www.example.com:8443/a', schemes: ['https'], expected: ['https://www.example.com:8443/a'], kept: false },
    { url: 'https://www.example.com:3000/a?q=1', schemes: ['http', 'https'], expected: ['https://www.example.com:3000/a?q=1'], kept: true },
    { url: 'HTTP://WWW.EXAMPLE.COM:65535/a', schemes: ['https'], expected: ['http://www.example.com:65535/a'], kept: true },
    { url: 'https://www.example.com:80/a', schemes: ['http'], expected: ['https://www.example.com:80/a'], kept: true },
    { url: 'http://www.example.com:443/a', schemes: ['https'], expected: ['http://www.example.com:443/a'], kept: true },
    // A default port is no port: the URL goes under every listed scheme.
    { url: 'https://www.example.com:443/a', schemes: ['http', 'https'], expected: ['http://www.example.com/a', 'https://www.example.com/a'], kept: false },
    { url: 'http://www.example.com:80/a', schemes: ['https'], expected: ['https://www.example.com/a'], kept: false },
  ];
  for (const { url, schemes, expected, kept } of rows) {
    it(`${url} with schemes [${schemes.join(', ')}]: ${expected.join(', ')}${kept ? ' (said)' : ''}`, () => {
      const result = normalizeUrl(url, DEFAULT_CACHE_KEY, schemes);
      assert.ok('urls' in result);
      assert.deepEqual(result.urls, expected);
      assert.equal(result.keptScheme !== undefined, kept);
    });
  }

  it('without `schemes` nothing is said: every URL keeps its scheme anyway', () => {
    const result = normalizeUrl('http://www.example.com:8080/a', DEFAULT_CACHE_KEY, null);
    assert.deepEqual(result, { urls: ['http://www.example.com:8080/a'], host: 'www.example.com' });
  });
});

const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, schemes: [https] }
  both:
    id: 9a7806061c88ada191ed06f989cc3dac
    name: example.org
    schemes: [https, http]
groups:
  api:
    zone: www
    urls:
      - "https://www.example.com/plain"
      - "http://www.example.com:8080/a"
      - "https://www.example.com:{8443,9443}/b"
      - "https://www.example.com:443/c"
  other:
    zone: both
    urls:
      - "http://api.example.org:3000/x"
      - "https://api.example.org/y"
  routed:
    urls:
      - "http://www.example.com:8081/r"
      - "https://api.example.org:8444/r"
`;

describe('validate and plan say where a URL keeps its scheme; the plan purges the real entry', () => {
  const site = new Site();
  before(() => { site.write('purge.yaml', CONFIG); });
  after(() => site.remove());

  const expectedWarnings = [
    /^purge\.yaml:13:9: warning: groups\.api\.urls\[1\]: "http:\/\/www\.example\.com:8080\/a" has its own port 8080, so it is purged as http:\/\/ only: zone "www"'s schemes \(https\) do not apply to it$/m,
    /^purge\.yaml:19:9: warning: groups\.other\.urls\[0\]: "http:\/\/api\.example\.org:3000\/x" has its own port 3000, so it is purged as http:\/\/ only: zone "both"'s schemes \(https, http\) do not apply to it$/m,
    /^purge\.yaml:23:9: warning: groups\.routed\.urls\[0\]: "http:\/\/www\.example\.com:8081\/r" has its own port 8081/m,
    /^purge\.yaml:24:9: warning: groups\.routed\.urls\[1\]: "https:\/\/api\.example\.org:8444\/r" has its own port 8444, so it is purged as https:\/\/ only: zone "both"'s schemes \(https, http\)/m,
  ];

  it('validate: valid, with a warning at each such URL (and none where the schemes are the URL\'s own)', async () => {
    const result = await site.run(['validate']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /purge\.yaml is valid: 3 groups, 2 zones \(4 warnings\)/);
    for (const warning of expectedWarnings) assert.match(result.stderr, warning);
    // https://…:8443 in a zone of schemes [https] keeps https anyway: nothing to say.
    assert.doesNotMatch(result.stderr, /8443|9443|:443/);
    assert.match(result.stderr, /hint: a port serves one protocol, so https:\/\/…:8080 is an entry no request makes/);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  it('validate --strict fails on them (they are warnings)', async () => {
    const result = await site.run(['validate', '--strict']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--strict fails on warnings/);
  });

  it('plan --json purges each port URL under its own scheme only, and warns on stderr', async () => {
    const result = await site.run(['plan', '--json']);
    assert.equal(result.code, 0, result.stderr);
    for (const warning of expectedWarnings) assert.match(result.stderr, warning);
    const plan = JSON.parse(result.stdout) as { requests: { zone: string; body: { files?: string[] } }[] };
    const files = (zone: string) => plan.requests.filter((r) => r.zone === zone).flatMap((r) => r.body.files ?? []).sort();
    assert.deepEqual(files('www'), [
      'http://www.example.com:8080/a',
      'http://www.example.com:8081/r',
      'https://www.example.com/c',
      'https://www.example.com/plain',
      'https://www.example.com:8443/b',
      'https://www.example.com:9443/b',
    ]);
    assert.deepEqual(files('both'), [
      'http://api.example.org/y',
      'http://api.example.org:3000/x',
      'https://api.example.org/y',
      'https://api.example.org:8444/r',
    ]);
    const all = [...files('www'), ...files('both')].join('\n');
    assert.doesNotMatch(all, /https:\/\/[^/]*:(8080|8081|3000)\//, 'no https entry on an http port');
    assert.doesNotMatch(all, /http:\/\/[^/]*:(8443|9443|8444)\//, 'no http entry on an https port');
  });

  it('explain finds the planned entry of a port URL, and not the one under the other scheme', async () => {
    const cases: [string, boolean][] = [
      ['http://www.example.com:8080/a', true],
      ['https://www.example.com:8080/a', false],
      ['https://api.example.org:8444/r', true],
      ['http://api.example.org:8444/r', false],
      ['http://api.example.org:3000/x', true],
      ['https://api.example.org:3000/x', false],
    ];
    for (const [url, purged] of cases) {
      const result = await site.run(['explain', url]);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.match(result.stdout, new RegExp(`^entry +${url.replace(/[.?/]/g, '\\$&')}$`, 'm'), result.stdout);
      if (purged) assert.match(result.stdout, /Purged by 1 item/, `${url}: ${result.stdout}`);
      else {
        assert.match(result.stdout, /Not purged/, `${url}: ${result.stdout}`);
        // The near miss's fix is not the zone's schemes (they do not apply to a URL with a port).
        assert.match(result.stdout, new RegExp(`fix: list "${url.replace(/[.?/]/g, '\\$&')}" in the group's urls \\(a URL with its own port keeps its scheme`), `${url}: ${result.stdout}`);
        assert.doesNotMatch(result.stdout, /to zones\.\w+\.schemes|add schemes:/, `${url}: ${result.stdout}`);
      }
    }
  });

  it('explain without a port still advises the zone\'s schemes', async () => {
    const result = await site.run(['explain', 'http://www.example.com/plain']);
    assert.doesNotMatch(result.stderr, STACK_LINE);
    assert.match(result.stdout, /Not purged/);
    assert.match(result.stdout, /fix: add "http" to zones\.www\.schemes/);
  });
});
