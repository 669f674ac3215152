// Spec §2.2: URL normalization, the cache key's view of a URL. Each row runs one URL through the
// whole pipeline (purge.yaml -> plan) and asserts the URLs of the files body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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

table('normalize §2.2.1: WHATWG serialization', [
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

table('normalize §2.2.2: the fragment is removed', [
  { rule: 'after a path', url: 'https://www.example.com/a#top', expected: ['https://www.example.com/a'] },
  { rule: 'after a query', url: 'https://www.example.com/a?x=1#top', expected: ['https://www.example.com/a?x=1'] },
  { rule: 'an empty fragment', url: 'https://www.example.com/a#', expected: ['https://www.example.com/a'] },
]);

table('normalize §2.2.3 and §2.2.5: the query string per the cache key', [
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

table('normalize §2.2.4: schemes', [
  { rule: 'without schemes a URL keeps its own scheme (http)', url: 'http://www.example.com/a', expected: ['http://www.example.com/a'] },
  { rule: 'schemes: [https, http] emits both', zone: { schemes: ['https', 'http'] }, url: 'https://www.example.com/a', expected: ['http://www.example.com/a', 'https://www.example.com/a'] },
  { rule: 'schemes: [https] rewrites an http URL', zone: { schemes: ['https'] }, url: 'http://www.example.com/a', expected: ['https://www.example.com/a'] },
  { rule: 'schemes: a non-default port is kept under both schemes', zone: { schemes: ['https', 'http'] }, url: 'https://www.example.com:8443/a?x=1', expected: ['http://www.example.com:8443/a?x=1', 'https://www.example.com:8443/a?x=1'] },
  // Regression: the scheme setter used to mutate one URL object in turn, so a port dropped under
  // the first scheme was lost for the second.
  { rule: 'schemes: [http, https] on https://…:80 drops :80 only under http', zone: { schemes: ['http', 'https'] }, url: 'https://www.example.com:80/a', expected: ['http://www.example.com/a', 'https://www.example.com:80/a'] },
  { rule: 'schemes: [https, http] on http://…:443 drops :443 only under https', zone: { schemes: ['https', 'http'] }, url: 'http://www.example.com:443/a', expected: ['http://www.example.com:443/a', 'https://www.example.com/a'] },
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
