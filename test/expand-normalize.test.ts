// docs/purge-yaml.md: URL normalization, the cache key's view of a URL. Each row runs one URL through the
// whole pipeline (purge.yaml -> plan) and asserts the URLs of the files body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CACHE_KEY } from '../src/config/types.js';
import type { CacheKey, Scheme } from '../src/config/types.js';
import { normalizeUrl, normalizeUrlByParser } from '../src/expand/normalize.js';
import { filesOf, keyedConfig, planOf } from './support/config-builder.js';

type Json = Record<string, unknown>;

function urlsOf(url: string, queryString: Json | null = null, zone: Json = {}): string[] {
  const { plan } = planOf(keyedConfig(queryString ? { query_string: queryString } : null, { urls: [url] }, zone));
  return filesOf(plan).map((entry) => (typeof entry === 'string' ? entry : entry.url));
}

interface Row {
  readonly rule: string;
  readonly url: string;
  readonly query?: Json;
  readonly zone?: Json;
  readonly expected: readonly string[];
}

function table(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const row of rows) {
      it(row.rule, () => assert.deepEqual(urlsOf(row.url, row.query ?? null, row.zone ?? {}), row.expected));
    }
  });
}

table('normalize (docs/purge-yaml.md): WHATWG serialization', [
  { rule: 'scheme and host are lower-cased', url: 'HTTPS://WWW.Example.COM/Path', expected: ['https://www.example.com/Path'] },
  { rule: 'an IDN host becomes punycode', url: 'https://bücher.example.com/a', expected: ['https://xn--bcher-kva.example.com/a'] },
  { rule: 'an upper-case IDN host becomes lower-case punycode', url: 'https://BÜCHER.example.com/', expected: ['https://xn--bcher-kva.example.com/'] },
  { rule: 'the default port 443 of https is removed', url: 'https://www.example.com:443/a', expected: ['https://www.example.com/a'] },
  { rule: 'the default port 80 of http is removed', url: 'http://www.example.com:80/a', expected: ['http://www.example.com/a'] },
  { rule: 'a non-default port is kept', url: 'https://www.example.com:8443/a', expected: ['https://www.example.com:8443/a'] },
  { rule: "port 80 is kept on https (it is not https's default)", url: 'https://www.example.com:80/a', expected: ['https://www.example.com:80/a'] },
  { rule: "port 443 is kept on http (it is not http's default)", url: 'http://www.example.com:443/a', expected: ['http://www.example.com:443/a'] },
  { rule: 'an empty path becomes /', url: 'https://www.example.com', expected: ['https://www.example.com/'] },
  { rule: 'an empty path becomes / before a query', url: 'https://www.example.com?a=1', expected: ['https://www.example.com/?a=1'] },
  { rule: 'non-ASCII in the path is percent-encoded (UTF-8)', url: 'https://www.example.com/café', expected: ['https://www.example.com/caf%C3%A9'] },
  { rule: 'non-ASCII in the query is percent-encoded (UTF-8)', url: 'https://www.example.com/s?q=日本', expected: ['https://www.example.com/s?q=%E6%97%A5%E6%9C%AC'] },
  { rule: 'the path keeps its case', url: 'https://www.example.com/Foo/BAR', expected: ['https://www.example.com/Foo/BAR'] },
  { rule: 'a trailing slash is kept', url: 'https://www.example.com/foo/', expected: ['https://www.example.com/foo/'] },
  { rule: 'no trailing slash is added', url: 'https://www.example.com/foo', expected: ['https://www.example.com/foo'] },
  { rule: 'existing percent-encoded bytes are kept, in their case', url: 'https://www.example.com/a%2Fb%20c%2fd', expected: ['https://www.example.com/a%2Fb%20c%2fd'] },
]);

table('normalize (docs/purge-yaml.md): the fragment is removed', [
  { rule: 'after a path', url: 'https://www.example.com/a#top', expected: ['https://www.example.com/a'] },
  { rule: 'after a query', url: 'https://www.example.com/a?x=1#top', expected: ['https://www.example.com/a?x=1'] },
  { rule: 'an empty fragment', url: 'https://www.example.com/a#', expected: ['https://www.example.com/a'] },
]);

table('normalize (docs/purge-yaml.md) and docs/purge-yaml.md: the query string per the cache key', [
  { rule: 'no mode: the query is kept byte-exact, order included', url: 'https://www.example.com/a?b=1&a=%20&c=d+e&a', expected: ['https://www.example.com/a?b=1&a=%20&c=d+e&a'] },
  { rule: 'no mode: a=0&b=1 stays as written', url: 'https://www.example.com/foo?a=0&b=1', expected: ['https://www.example.com/foo?a=0&b=1'] },
  { rule: 'no mode: b=1&a=0 stays as written', url: 'https://www.example.com/foo?b=1&a=0', expected: ['https://www.example.com/foo?b=1&a=0'] },
  { rule: 'no mode: an empty query is removed with its ?', url: 'https://www.example.com/a?', expected: ['https://www.example.com/a'] },
  { rule: 'no mode: an empty query before a fragment is removed with its ?', url: 'https://www.example.com/a?#f', expected: ['https://www.example.com/a'] },
  { rule: 'ignore drops the query', query: { ignore: true }, url: 'https://www.example.com/a?x=1&y=2', expected: ['https://www.example.com/a'] },
  { rule: 'include keeps only the listed names, in their written order', query: { include: ['id', 'page'] }, url: 'https://www.example.com/a?utm=1&page=2&id=3&pages=4', expected: ['https://www.example.com/a?page=2&id=3'] },
  { rule: 'include of names that are absent leaves no query and no ?', query: { include: ['id'] }, url: 'https://www.example.com/a?x=1', expected: ['https://www.example.com/a'] },
  { rule: 'exclude drops every pair with a listed name', query: { exclude: ['utm_source', 'utm_medium'] }, url: 'https://www.example.com/a?utm_source=x&b=1&utm_medium=m&utm_source=y&a=2', expected: ['https://www.example.com/a?b=1&a=2'] },
  { rule: 'exclude matches a bare name too', query: { exclude: ['debug'] }, url: 'https://www.example.com/a?debug&a=1', expected: ['https://www.example.com/a?a=1'] },
  { rule: 'exclude of every pair leaves no query and no ?', query: { exclude: ['utm_source'] }, url: 'https://www.example.com/a?utm_source=x', expected: ['https://www.example.com/a'] },
  { rule: 'sort orders by name', query: { sort: true }, url: 'https://www.example.com/foo?b=1&a=0', expected: ['https://www.example.com/foo?a=0&b=1'] },
  { rule: 'sort orders by name, then by value', query: { sort: true }, url: 'https://www.example.com/a?b=2&a=1&b=1&a=0', expected: ['https://www.example.com/a?a=0&a=1&b=1&b=2'] },
  { rule: 'sort compares values as strings', query: { sort: true }, url: 'https://www.example.com/a?a=2&a=10', expected: ['https://www.example.com/a?a=10&a=2'] },
  { rule: 'sort is stable: a= and a (same name, same empty value) keep their order', query: { sort: true }, url: 'https://www.example.com/a?x=1&a=&a', expected: ['https://www.example.com/a?a=&a&x=1'] },
  { rule: 'sort is stable the other way round', query: { sort: true }, url: 'https://www.example.com/a?x=1&a&a=', expected: ['https://www.example.com/a?a&a=&x=1'] },
  { rule: 'sort keeps %20 as %20', query: { sort: true }, url: 'https://www.example.com/a?b=%20&a=x', expected: ['https://www.example.com/a?a=x&b=%20'] },
  { rule: 'sort keeps + as +', query: { sort: true }, url: 'https://www.example.com/a?b=c+d&a=x', expected: ['https://www.example.com/a?a=x&b=c+d'] },
  { rule: 'sort keeps a bare a as a (no = added)', query: { sort: true }, url: 'https://www.example.com/a?b=1&a', expected: ['https://www.example.com/a?a&b=1'] },
  { rule: 'sort drops empty pairs left by &&', query: { sort: true }, url: 'https://www.example.com/a?b=1&&a=2&', expected: ['https://www.example.com/a?a=2&b=1'] },
  { rule: 'sort + exclude: excluded names go, the rest is sorted', query: { sort: true, exclude: ['utm_source'] }, url: 'https://www.example.com/a?utm_source=z&b=1&a=1', expected: ['https://www.example.com/a?a=1&b=1'] },
  { rule: 'sort + include: only listed names, sorted', query: { sort: true, include: ['b', 'a'] }, url: 'https://www.example.com/a?c=3&b=2&a=1', expected: ['https://www.example.com/a?a=1&b=2'] },
  { rule: 'include keeps %20 and bare names byte-exact', query: { include: ['a', 'b'] }, url: 'https://www.example.com/a?b=%20&z=1&a', expected: ['https://www.example.com/a?b=%20&a'] },
]);

table('normalize (docs/purge-yaml.md): schemes', [
  { rule: 'without schemes a URL keeps its own scheme (http)', url: 'http://www.example.com/a', expected: ['http://www.example.com/a'] },
  { rule: 'schemes: [https, http] emits both', zone: { schemes: ['https', 'http'] }, url: 'https://www.example.com/a', expected: ['http://www.example.com/a', 'https://www.example.com/a'] },
  { rule: 'schemes: [https] rewrites an http URL', zone: { schemes: ['https'] }, url: 'http://www.example.com/a', expected: ['https://www.example.com/a'] },
  // Issue 20: a port other than the scheme's default serves that one protocol, so `schemes` never
  // rewrite such a URL into an entry no request makes (http://x:8080 under https).
  { rule: 'schemes: [https] keeps http://…:8080 as written (not https://…:8080)', zone: { schemes: ['https'] }, url: 'http://www.example.com:8080/a', expected: ['http://www.example.com:8080/a'] },
  { rule: 'schemes: [http] keeps https://…:8443 as written', zone: { schemes: ['http'] }, url: 'https://www.example.com:8443/a', expected: ['https://www.example.com:8443/a'] },
  { rule: 'schemes: [https, http] keep a non-default port under its own scheme only', zone: { schemes: ['https', 'http'] }, url: 'https://www.example.com:8443/a?x=1', expected: ['https://www.example.com:8443/a?x=1'] },
  { rule: 'schemes: [http, https] keep http://…:3000 as http only', zone: { schemes: ['http', 'https'] }, url: 'http://www.example.com:3000/a', expected: ['http://www.example.com:3000/a'] },
  { rule: 'schemes: [http, https] keep https://…:80 as https only (80 is not https\'s default)', zone: { schemes: ['http', 'https'] }, url: 'https://www.example.com:80/a', expected: ['https://www.example.com:80/a'] },
  { rule: 'schemes: [https, http] keep http://…:443 as http only (443 is not http\'s default)', zone: { schemes: ['https', 'http'] }, url: 'http://www.example.com:443/a', expected: ['http://www.example.com:443/a'] },
  { rule: 'schemes: [https] keep http://…:443 as http only', zone: { schemes: ['https'] }, url: 'http://www.example.com:443/a', expected: ['http://www.example.com:443/a'] },
  { rule: 'schemes: a default port is no port: https://…:443 goes under every scheme', zone: { schemes: ['https', 'http'] }, url: 'https://www.example.com:443/a', expected: ['http://www.example.com/a', 'https://www.example.com/a'] },
  { rule: 'schemes: a default port is no port: http://…:80 under [https] is rewritten', zone: { schemes: ['https'] }, url: 'http://www.example.com:80/a', expected: ['https://www.example.com/a'] },
  { rule: 'schemes: an IPv6 host with a port keeps its scheme', zone: { schemes: ['https'] }, url: 'http://[::1]:8080/a', expected: ['http://[::1]:8080/a'] },
]);

describe('normalize: URLs that normalize alike are one item', () => {
  it('case of scheme and host, default port, fragment: one URL', () => {
    const { plan } = planOf(keyedConfig(null, { urls: ['https://www.example.com/a', 'HTTPS://WWW.EXAMPLE.COM:443/a#x', 'https://www.example.com/a#y'] }));
    assert.deepEqual(filesOf(plan), ['https://www.example.com/a']);
  });

  it('path case and trailing slash make different items', () => {
    const { plan } = planOf(keyedConfig(null, { urls: ['https://www.example.com/a', 'https://www.example.com/A', 'https://www.example.com/a/'] }));
    assert.deepEqual(filesOf(plan), ['https://www.example.com/A', 'https://www.example.com/a', 'https://www.example.com/a/']);
  });
});

// The plain-URL path of normalizeUrl skips the WHATWG parser for URLs it would leave unchanged;
// it must give exactly what the parser gives, for every URL, key and scheme list.
describe('normalize: the plain-URL path agrees with the WHATWG parser', () => {
  const keys: CacheKey[] = [
    DEFAULT_CACHE_KEY,
    { ...DEFAULT_CACHE_KEY, querySort: true },
    { ...DEFAULT_CACHE_KEY, queryIgnore: true },
    { ...DEFAULT_CACHE_KEY, queryInclude: ['a', 'page'] },
    { ...DEFAULT_CACHE_KEY, queryExclude: ['utm_source'], querySort: true },
  ];
  const schemeLists: (readonly Scheme[] | null)[] = [null, ['http', 'https'], ['https'], ['http']];
  const hosts = [
    'www.example.com', 'example.com', 'Example.COM', 'a-b.example.com', 'xn--bcher-kva.example', 'xn--a.example',
    '1.2.3.4', 'a.0x1f', 'example.123', 'ex_ample.com', 'münchen.de', 'a..b', 'example.com.', '-a.example.com',
    'a-.example.com', 'x', 'user:pw@example.com', 'example.com:80', 'example.com:443', 'example.com:8080', '[::1]', '',
  ];
  const schemes = ['https', 'http', 'HTTPS', 'Http', 'ftp', 'wss'];
  const pathParts = ['a', 'news', 'article-00001', '.', '..', '.a', 'a.', '%2e', '%2E', '.%2e', '%', '%zz', '%41', "it's",
    'a b', 'é', '"', '<', '{x}', '|', '\\', '\t', '~user', '(1)', 'a;b=c', 'a:b', '@', '!', '*', '+', ',', '$', '&', '=', ''];
  const queryParts = ['a=1', 'b=2', 'page=1', 'lang=en', 'utm_source=x', 'a', '=', '', 'a=1&a=0', "q='x'", 'q=a b', 'q="x"',
    'q=é', 'q=%20', 'q=?', 'q=/', 'x=[1]', 'x={y}', 'x=|'];
  let seed = 0x2545f491;
  const random = (n: number) => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const pick = <T>(list: readonly T[]) => list[random(list.length)]!;

  it('gives the same URLs, host or problem for 30,000 generated URLs', () => {
    let plain = 0;
    for (let n = 0; n < 30_000; n++) {
      const segments = Array.from({ length: random(4) }, () => pick(pathParts));
      const path = random(10) === 0 ? '' : `/${segments.join('/')}${random(3) === 0 ? '/' : ''}`;
      const query = random(3) === 0 ? `?${Array.from({ length: random(4) }, () => pick(queryParts)).join('&')}` : '';
      const fragment = random(15) === 0 ? '#top' : '';
      const raw = `${pick(schemes)}://${pick(hosts)}${path}${query}${fragment}`;
      const key = pick(keys);
      const schemeList = pick(schemeLists);
      const byParser = normalizeUrlByParser(raw, key, schemeList);
      assert.deepEqual(normalizeUrl(raw, key, schemeList), byParser, raw);
      if ('urls' in byParser && byParser.urls[0] === raw) plain++;
    }
    // The generator reaches the plain path often, not only the parser's.
    assert.ok(plain > 1_000, `${plain} URLs came out as written`);
  });

  it('takes typical site URLs as written', () => {
    for (const raw of ['https://www.example.com/news/article-00001-some-words/', 'https://www.example.com/news/a/?lang=en&page=1', 'http://example.com/a%20b/']) {
      assert.deepEqual(normalizeUrl(raw, { ...DEFAULT_CACHE_KEY, querySort: true }, null), { urls: [raw], host: new URL(raw).hostname });
    }
  });
});
