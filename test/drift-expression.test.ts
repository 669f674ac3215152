// The Rules-language subset of spec §10: a table of expressions (from Cloudflare's operators,
// values and fields pages and the SDK fixtures) evaluated on URLs, then what is outside the subset
// (unreadable, with its position) and what depends on the request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, urlFields } from '../src/drift/evaluate.js';
import type { Outcome } from '../src/drift/evaluate.js';
import { ExpressionError, parseExpression, positionIn } from '../src/drift/expression.js';
import { compileRegex, RegexError } from '../src/drift/regex.js';
import { parseWildcard, wildcardMatches } from '../src/drift/wildcard.js';

const URL_A = 'https://www.example.com/articles/2008/page.HTML?s=value&utm_source=x';

function run(expression: string, url = URL_A): Outcome {
  return evaluate(parseExpression(expression), urlFields(url));
}

describe('drift expressions: the fields a URL determines', () => {
  it('gives each field its value', () => {
    assert.deepEqual(urlFields('https://Sub.Example.com:8443/a/b.tar.GZ?x=1#frag'), {
      'http.host': 'sub.example.com',
      'http.request.full_uri': 'https://sub.example.com:8443/a/b.tar.GZ?x=1',
      'http.request.uri': '/a/b.tar.GZ?x=1',
      'http.request.uri.path': '/a/b.tar.GZ',
      'http.request.uri.query': 'x=1',
      'http.request.uri.path.extension': 'gz',
      ssl: true,
    });
    assert.equal(urlFields('http://example.com/').ssl, false);
    assert.equal(urlFields('http://example.com/dir.d/file')['http.request.uri.path.extension'], '');
  });
});

describe('drift expressions: every operator, both notations', () => {
  const rows: [string, Outcome, string?][] = [
    // Operators page examples.
    ['http.request.uri.path eq "/articles/2008/page.HTML"', true],
    ['http.request.uri.path == "/articles/2008/page.HTML"', true],
    ['http.request.uri.path eq "/articles/2008/page.html"', false], // eq is case-sensitive
    ['http.host ne "example.com"', true],
    ['http.host != "www.example.com"', false],
    ['http.request.uri.query lt "t"', true],
    ['http.request.uri.query < "s"', false],
    ['http.request.uri.query le "s=value&utm_source=x"', true],
    ['http.request.uri.query <= "s"', false],
    ['http.request.uri.query gt "s"', true],
    ['http.request.uri.query > "t"', false],
    ['http.request.uri.query ge "s=value&utm_source=x"', true],
    ['http.request.uri.query >= "t"', false],
    ['http.request.uri.path contains "/articles/"', true],
    ['http.request.uri.path contains "/Articles/"', false],
    ['http.request.uri.path matches "^/articles/200[7-8]/"', true],
    ['http.request.uri.path ~ "^/articles/200[7-8]/$"', false],
    ['http.request.uri.path matches r"\\.HTML$"', true],
    ['http.request.uri.path matches "(?i)\\.html$"', true],
    ['http.host in {"example.com" "www.example.com"}', true],
    ['http.host in {"example.com" "example.net"}', false],
    ['http.request.uri.path wildcard "/ARTICLES/*"', true], // wildcard ignores case
    ['http.request.uri.path strict wildcard "/ARTICLES/*"', false], // strict wildcard does not
    ['http.request.uri.path strict wildcard "/articles/*/page.HTML"', true],
    ['http.request.full_uri wildcard "https://www.example.com/articles/*"', true],
    ['http.request.full_uri wildcard "*.example.com/*/page.html"', false], // full_uri includes the query
    ['http.request.uri wildcard "/articles/*?s=*"', true],
    ['http.request.uri.path.extension eq "html"', true],
    ['http.request.uri.path.extension in {"jpg" "png"}', false],
    ['ssl', true],
    ['not ssl', false],
    ['! ssl', false],
    ['true', true],
    ['false', false],
    // Functions.
    ['starts_with(http.request.uri.path, "/articles/")', true],
    ['ends_with(http.request.uri.path, ".html")', false],
    ['ends_with(lower(http.request.uri.path), ".html")', true],
    ['lower(http.request.uri.path) contains "/articles/2008/page.html"', true],
    ['len(http.request.uri.query) gt 10', true],
    ['len(http.host) in {3..10 15}', true],
    ['len(http.host) in {3..10}', false],
    // Logic and precedence: not > and > xor > or.
    ['http.host eq "www.example.com" and ssl', true],
    ['http.host eq "www.example.com" && not ssl', false],
    ['http.host eq "x" or ssl', true],
    ['http.host eq "x" || http.host eq "y"', false],
    ['ssl xor true', false],
    ['ssl ^^ false', true],
    ['false and false or true', true], // (false and false) or true
    ['false and (false or true)', false],
    ['true or true and false', true], // true or (true and false)
    ['true xor true or true', true], // (true xor true) or true
    ['true or true xor true', true], // true or (true xor true)
    ['true xor true and false', true], // true xor (true and false)
    ['not true and false', false], // (not true) and false
    ['not (true and false)', true],
    ['((http.host eq "www.example.com"))', true],
    // Strings: escapes in quoted strings, raw strings with #.
    ['http.request.uri.query contains "s=\\x76alue"', true], // \xHH
    ['http.request.uri.query contains "s=\\166alue"', true], // \ooo
    ['http.request.uri.path contains "a\\"b"', false],
    ['http.request.uri.path contains r#"a"b"#', false],
    ['http.request.uri.path eq r"/articles/2008/page.HTML"', true],
    // SDK fixture expression (cloudflare-typescript): a host check in parentheses.
    ['(http.host eq "www.example.com")', true],
  ];
  for (const [expression, expected] of rows) {
    it(`${expression} → ${String(expected)}`, () => assert.equal(run(expression), expected));
  }
});

describe('drift expressions: terms a URL does not decide depend on the request', () => {
  const rows: [string, Outcome][] = [
    ['http.cookie contains "beta"', 'depends'],
    ['http.request.headers["accept-language"][0] eq "ja"', 'depends'],
    ['ip.geoip.country in {"JP" "US"}', 'depends'],
    ['ip.src in {198.51.100.1 198.51.100.3..198.51.100.7 192.0.2.0/24 2001:0db8::/32}', 'depends'],
    ['cf.threat_score gt 10', 'depends'],
    ['http.user_agent contains "Mobile" and http.host eq "www.example.com"', 'depends'],
    // Decided anyway when the URL part settles it.
    ['http.user_agent contains "Mobile" and http.host eq "other.example.com"', false],
    ['http.cookie contains "a" or ssl', true],
    ['not http.cookie contains "a"', 'depends'],
    ['http.cookie contains "a" xor ssl', 'depends'],
    ['cf.bot_management.verified_bot', 'depends'],
    ['lower(http.user_agent) contains "bot"', 'depends'],
  ];
  for (const [expression, expected] of rows) {
    it(`${expression} → ${String(expected)}`, () => assert.equal(run(expression), expected));
  }
});

describe('drift expressions: outside the subset is unreadable, with its position', () => {
  const rows: [string, number, RegExp][] = [
    ['', 0, /empty/],
    ['http.host eq', 12, /expected a value/],
    ['http.host eq "a" and', 20, /ends where a term was expected/],
    ['(http.host eq "a"', 17, /expected "\)"/],
    ['http.host eq "a")', 16, /unexpected "\)"/],
    ['http.host eq "a', 13, /string not closed/],
    ['http.host eq "a\\nb"', 15, /invalid escape/],
    ['http.host in $office_hosts', 13, /named lists/],
    ['any(http.request.headers["x"][*] == "a")', 0, /function any\(\)/],
    ['url_decode(http.request.uri.path) eq "/a"', 0, /function url_decode\(\)/],
    ['http.host eq "a" # comment', 17, /unexpected character "#"/],
    ['http.request.uri.path wildcard "/a/**"', 31, /"\*\*"/],
    ['http.request.uri.path wildcard "/a\\\\b"', 31, /invalid escape/],
    ['http.request.uri.path strict "/a"', 29, /expected "wildcard"/],
    ['http.request.uri.path matches "(?=a)b"', 31, /look-around/],
    ['http.request.uri.path matches r"(a)\\1"', 35, /backreferences/],
    ['http.request.uri.path matches "\\p{Greek}"', 31, /Unicode classes/],
    ['http.request.uri.path', 21, /needs a comparison/],
    ['ends_with(http.request.uri.path, 3)', 33, /string literal/],
    ['http.host eq "a" and\n  http.host eq', 35, /expected a value/],
    // Types, as Cloudflare checks them: never a silent false.
    ['http.host eq 1', 13, /http\.host is a string: it cannot be compared with an integer/],
    ['http.request.uri.path contains 5', 31, /cannot be compared with an integer/],
    ['http.host eq 192.0.2.1', 13, /cannot be compared with an IP address/],
    ['len(http.host) eq "a"', 18, /len\(http\.host\) is an integer: it cannot be compared with a string/],
    ['len(http.host) contains 3', 15, /contains takes a string on its left, not an integer/],
    ['len(http.host) matches "a"', 15, /matches takes a string/],
    ['len(http.host) wildcard "a"', 15, /wildcard takes a string/],
    ['ssl eq 1', 4, /ssl is a boolean: use it alone or with not/],
    ['http.host in {"a" 3}', 13, /the set holds an integer/],
    ['len(http.host) in {"a"}', 18, /the set holds a string/],
    ['len(ssl) gt 1', 0, /len\(\) takes a string, not a boolean/],
    ['lower(len(http.host)) eq "a"', 0, /lower\(\) takes a string, not an integer/],
    ['ends_with(len(http.host), "a")', 0, /ends_with\(\) takes a string, not an integer/],
  ];
  for (const [expression, offset, message] of rows) {
    it(`${JSON.stringify(expression)} at ${offset}`, () => {
      assert.throws(() => parseExpression(expression), (error: unknown) => {
        assert.ok(error instanceof ExpressionError, String(error));
        assert.match(error.message, message);
        assert.equal(error.offset, offset);
        return true;
      });
    });
  }
  it('positions in a multi-line expression are line and column', () => {
    assert.deepEqual(positionIn('a and\n  http.host eq', 20), { line: 2, col: 15 });
  });
});

describe('drift expressions: matches runs in linear time', () => {
  it('a pattern that backtracks exponentially elsewhere answers at once', () => {
    const regex = compileRegex('^(a+)+$');
    const input = `${'a'.repeat(20_000)}b`;
    const started = performance.now();
    assert.equal(regex.test(input), false);
    assert.equal(compileRegex('(a|a)*c').test('a'.repeat(20_000)), false);
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
    assert.equal(regex.test('aaaa'), true);
  });
  it('refuses patterns longer than the cap and repetitions that expand too far', () => {
    assert.throws(() => compileRegex('a'.repeat(5000)), RegexError);
    assert.throws(() => compileRegex('(a{1000}){1000}'), /too large/);
  });
  it('reads classes, escapes, anchors, counted repetition and alternation', () => {
    const cases: [string, string, boolean][] = [
      ['^/articles/200[7-8]/$', '/articles/2008/', true],
      ['[^a-z]', 'abc', false],
      ['\\d{4}', 'year 2008', true],
      ['^a{2,3}$', 'aaaa', false],
      ['^a{2,}$', 'aaaa', true],
      ['^(www|store|blog)\\.example\\.com', 'blog.example.com', true],
      ['\\bpage\\b', 'a page here', true],
      ['\\bpage\\b', 'pages', false],
      ['(?i:ABC)d', 'abcd', true],
      ['(?P<year>\\d+)/', '2008/', true],
      ['[\\w-]+\\.html$', 'my-page.html', true],
      ['a.c', 'a\nc', false],
      ['(?s)a.c', 'a\nc', true],
      ['x*', '', true],
    ];
    for (const [pattern, input, expected] of cases) assert.equal(compileRegex(pattern).test(input), expected, `${pattern} on ${JSON.stringify(input)}`);
  });
});

describe('drift expressions: wildcard', () => {
  it('matches the whole value; \\* and \\\\ are literal', () => {
    const w = (pattern: string, ci = true) => {
      const parsed = parseWildcard(pattern, ci);
      assert.ok(!('problem' in parsed));
      return parsed;
    };
    assert.equal(wildcardMatches(w('https://example.com/a/*'), 'https://example.com/a/'), true);
    assert.equal(wildcardMatches(w('https://example.com/a/*'), 'https://example.com/ab/'), false);
    assert.equal(wildcardMatches(w('*.example.com/*/page.html'), 'http://sub.example.com/folder/page.html'), true);
    assert.equal(wildcardMatches(w('*.example.com/*/page.html'), 'https://example.com/ab/page.html'), false);
    assert.equal(wildcardMatches(w('/a\\*b'), '/a*b'), true);
    assert.equal(wildcardMatches(w('/a\\*b'), '/axb'), false);
    assert.equal(wildcardMatches(w('/a\\\\b'), '/a\\b'), true);
    assert.equal(wildcardMatches(w('*a*a*', false), 'aa'), true);
    assert.equal(wildcardMatches(w('*ab*ab', false), 'ab'), false);
    assert.equal(wildcardMatches(w('/A*', false), '/a'), false);
  });
});

describe('drift expressions: nesting is capped, chains are not', () => {
  it('128 levels of parentheses or functions are read, 129 are an error at the 129th', () => {
    assert.equal(run(`${'('.repeat(128)}ssl${')'.repeat(128)}`), true);
    assert.throws(() => parseExpression(`${'('.repeat(129)}ssl${')'.repeat(129)}`), (e: unknown) => e instanceof ExpressionError && e.offset === 128 && /nested more than 128/.test(e.message));
    assert.equal(run(`${'lower('.repeat(128)}http.host${')'.repeat(128)} eq "www.example.com"`), true);
    assert.throws(() => parseExpression(`${'lower('.repeat(129)}http.host${')'.repeat(129)} eq "a"`), /nested more than 128/);
  });
  it('regular expressions nest groups 250 deep, as Rust\'s regex', () => {
    assert.equal(compileRegex(`${'('.repeat(250)}a${')'.repeat(250)}`).test('a'), true);
    assert.throws(() => compileRegex(`${'(?:'.repeat(251)}a${')'.repeat(251)}`), (e: unknown) => e instanceof RegexError && e.offset === 750);
  });
  it('long chains keep precedence and three-valued logic', () => {
    assert.equal(run(`${'false or '.repeat(10_000)}true and false`), false);
    assert.equal(run(`${'true xor '.repeat(9_999)}true`), false); // 10,000 trues
    assert.equal(run(`${'true xor '.repeat(10_000)}true`), true);
    assert.equal(run(`${'true and '.repeat(10_000)}http.cookie contains "a"`), 'depends');
    assert.equal(run(`http.cookie contains "a" and ${'true and '.repeat(10_000)}false`), false);
    assert.equal(run(`http.cookie contains "a" or ${'false or '.repeat(10_000)}ssl`), true);
    assert.equal(run(`${'not '.repeat(10_000)}ssl`), true);
    assert.equal(run(`${'not '.repeat(10_001)}http.cookie contains "a"`), 'depends');
  });
});
