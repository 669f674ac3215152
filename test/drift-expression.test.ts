// The Rules-language subset of docs/commands.md#drift: a table of expressions (from Cloudflare's operators,
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
  it('a file name whose only dot leads it (a hidden file) has no extension, as in the Rules language', () => {
    const extension = (path: string) => urlFields(`https://example.com${path}`)['http.request.uri.path.extension'];
    assert.equal(extension('/.mp3'), '');
    assert.equal(extension('/dir/.htaccess'), '');
    assert.equal(extension('/dir/.hidden.MP3'), 'mp3');
    assert.equal(extension('/a.tar.gz'), 'gz');
    assert.equal(extension('/a.'), '');
    assert.equal(extension('/dir.d/'), '');
    assert.equal(run('http.request.uri.path.extension eq "mp3"', 'https://example.com/.mp3'), false);
    assert.equal(run('http.request.uri.path.extension eq ""', 'https://example.com/media/.mp3'), true);
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

describe('drift expressions: functions outside the subset and named lists make their term depend on the request', () => {
  // From Cloudflare's functions, values, fields and lists pages and real zones' rules: each is
  // read, its unknown terms are "depends", and a URL term still decides where it can.
  const rows: [string, Outcome][] = [
    ['any(http.request.headers["x-api-key"][*] eq "abc")', 'depends'],
    ['all(http.request.headers["content-type"][*] == "application/json")', 'depends'],
    ['any(url_decode(http.request.body.form.values[*])[*] contains "an xss attack")', 'depends'],
    ['(any(decode_base64(http.request.headers["client_id"][*])[*] eq "123abc"))', 'depends'],
    ['any(lower(http.request.headers.names[*])[*] contains "x-debug")', 'depends'],
    ['not any(http.request.headers["cookie"][*] contains "session")', 'depends'],
    ['lookup_json_string(http.request.body.raw, "company") == "cloudflare"', 'depends'],
    ['lookup_json_string(http.request.body.raw, 1, "network") == "cloudflare"', 'depends'],
    ['lookup_json_integer(http.request.body.raw, "network_ids", 0) eq 123', 'depends'],
    ['lookup_json_integer(http.request.body.raw, 1) eq -234', 'depends'],
    ['url_decode(http.request.uri.path) matches "(?u)\\p{Hangul}+"', 'depends'],
    ['url_decode(http.request.uri.query, "ur") contains "<script"', 'depends'],
    ['upper(http.host) eq "WWW.EXAMPLE.COM"', 'depends'],
    ['substring(http.request.uri.path, -4) eq ".php"', 'depends'],
    ['substring(http.request.body.raw, 0, -2) eq "asdfgh"', 'depends'],
    ['split(http.request.headers["x-categories"][0], ",", 64)[0] eq "groceries"', 'depends'],
    ['join(http.request.headers.names, ",") contains "x-"', 'depends'],
    ['concat("/archive", http.request.uri.path) eq "/archive/articles/"', 'depends'],
    ['to_string(ssl) eq "true"', 'depends'],
    ['cidr(ip.src, 24, 24) eq 113.10.0.0', 'depends'],
    ['cidr6(ip.src, 64) in {2001:db8::/32}', 'depends'],
    ['remove_bytes(http.host, "\\x2e\\x77") eq "examplecom"', 'depends'],
    ['regex_replace(http.request.uri.path, "^/a/", "/b/") eq "/b/x"', 'depends'],
    ['wildcard_replace(http.request.full_uri, r"https://*.example.com/*", "https://example.com/${1}/${2}") eq "x"', 'depends'],
    ['has_key(http.request.uri.args, "utm_source")', 'depends'],
    ['len(http.request.headers["x-forwarded-for"]) gt 1', 'depends'],
    ['ends_with(lower(http.request.headers["x"][0]), ".png")', 'depends'],
    ['starts_with(http.request.uri.path, concat("/", http.request.headers["x-tenant"][0]))', 'depends'],
    ['http.host eq "downloads.example.com"\nand not is_timed_hmac_valid_v0("mysecretkey", http.request.uri, 100000, http.request.timestamp.sec, 8)', false],
    ['is_timed_hmac_valid_v0(\n  "mysecretkey",\n  concat(\n    http.request.uri,\n    http.request.headers["timestamp"][0],\n    "-",\n    http.request.headers["mac"][0]),\n  100000,\n  http.request.timestamp.sec,\n  0\n)', 'depends'],
    ['http.request.uri.args["page"][0] eq "1"', 'depends'],
    ['http.request.cookies["ab"][0] in {"a" "b"}', 'depends'],
    ['http.request.accepted_languages[0] eq "ja"', 'depends'],
    ['any(http.request.uri.args.names[*] == "utm_source")', 'depends'],
    ['any(starts_with(http.request.headers.names[*], "x-")[*])', 'depends'],
    ['any(ends_with(http.request.headers.names[*], "-id")[*]) and http.host eq "other.example"', false],
    ['http.request.headers.names[*] == "Content-Type"', 'depends'],
    ['http.request.jwt.claims.aud["api-gw-id"][0] eq "x"', 'depends'],
    ['ip.src ne 2001:db8::1 and ip.src eq 203.0.113.1', 'depends'],
    // A pattern Rust's regex reads but drift's engine does not run: that term alone is undecided.
    ['http.request.uri.path matches "\\p{Greek}"', 'depends'],
    ['http.host eq "other.example" and http.request.uri.path matches "[[:alpha:]]+"', false],
    ['http.request.uri.path matches "(?x) ^/articles # comment"', 'depends'],
    ['http.request.uri.path matches "[a-z&&[^aeiou]]" or ssl', true],
    ['http.request.uri.path matches "(?U)^/articles/.+"', true],
    // Named lists: the list lives in the account, not in the rule.
    ['http.host in $hosts', 'depends'],
    ['ip.src in $office_ips', 'depends'],
    ['ip.src in $cf.open_proxies', 'depends'],
    ['not ip.src in $cf.botnetcc', 'depends'],
    ['http.request.uri.path in $legacy_paths', 'depends'],
    // Three-valued logic: false and unknown = false; true or unknown = true; not unknown = unknown.
    ['http.host eq "other.example" and any(http.request.headers["x"][*] == "a")', false],
    ['http.host eq "www.example.com" and any(http.request.headers["x"][*] == "a")', 'depends'],
    ['any(http.request.headers["x"][*] == "a") or http.host eq "www.example.com"', true],
    ['any(http.request.headers["x"][*] == "a") or http.host eq "other.example"', 'depends'],
    ['not (http.host eq "other.example" and lookup_json_string(http.request.body.raw, "a") eq "b")', true],
    ['http.host eq "other.example" and http.host in $hosts', false],
    ['http.host in $hosts or ssl', true],
    ['(http.host in {"other.example"} and ip.src in $office_ips) or (starts_with(http.request.uri.path, "/articles/") and not any(http.request.headers.names[*] == "x-preview"))', 'depends'],
    ['(http.host in {"other.example"} and ip.src in $office_ips) or (starts_with(http.request.uri.path, "/static/") and not any(http.request.headers.names[*] == "x-preview"))', false],
    ['any(http.request.headers["x"][*] == "a") xor ssl', 'depends'],
    // Request fields of every type, IPv6 ranges that start with a letter, integers.
    ['ip.src in {2400:cb00::/32 2606:4700::/32 fe80::1 ::1 198.51.100.0/24}', 'depends'],
    ['cf.edge.server_port in {80 443 8000..8999}', 'depends'],
    ['ip.geoip.asnum in {13335 209242} and http.host eq "www.example.com"', 'depends'],
    ['cf.threat_score gt 0x0a', 'depends'],
    ['cf.bot_management.score lt 030 and not cf.bot_management.verified_bot', 'depends'],
    ['cf.waf.score & 1', 'depends'],
    ['cf.tls_client_auth.cert_verified or http.host ne "www.example.com"', 'depends'],
    ['raw.http.request.uri.path contains "%2e"', 'depends'],
    ['http.request.method in {"GET" "HEAD"} and http.request.uri.path.extension eq "html"', 'depends'],
    ['http.request.method in {"GET" "HEAD"} and http.request.uri.path.extension eq "png"', false],
  ];
  for (const [expression, expected] of rows) {
    it(`${expression} → ${String(expected)}`, () => assert.equal(run(expression), expected));
  }
});

describe('drift expressions: integer literals as the Rules language reads them', () => {
  // www.example.com is 15 bytes long: 017 octal, 0xf hex.
  const rows: [string, Outcome][] = [
    ['len(http.host) eq 15', true],
    ['len(http.host) eq 017', true],
    ['len(http.host) eq 015', false], // 13: a leading 0 is octal, not decimal
    ['len(http.host) eq 0xf', true],
    ['len(http.host) eq 0xF', true],
    ['len(http.host) eq 0x15', false], // 21
    ['len(http.host) gt -1', true],
    ['len(http.host) gt -016', true], // a negative number is decimal: -16
    ['len(http.host) in {010..020}', true], // 8..16
    ['len(http.host) in {-5..-1 0}', false],
    ['len(http.host) in {0xe..0x10}', true],
    ['len(http.host) & 1', true], // bitwise and: 15 & 1
    ['len(http.host) bitwise_and 16', false],
    ['len(http.request.uri.query) eq 0', false],
    ['lower("ÀB") eq "Àb"', true], // lower() converts ASCII letters only
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
    ['http.host eq "a" # comment', 17, /unexpected character "#"/],
    ['http.request.uri.path wildcard "/a/**"', 31, /"\*\*"/],
    ['http.request.uri.path wildcard "/a\\\\b"', 31, /invalid escape/],
    ['http.request.uri.path strict "/a"', 29, /expected "wildcard"/],
    ['http.request.uri.path matches "(?=a)b"', 31, /look-around/],
    ['http.request.uri.path matches r"(a)\\1"', 35, /backreferences/],
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
    // Integers: octal has no 8 or 9, hex needs digits, 64 bits, ranges go up.
    ['len(http.host) eq 08', 19, /not an octal integer/],
    ['len(http.host) eq 0x', 18, /hexadecimal digits/],
    ['len(http.host) eq 9223372036854775808', 18, /out of range/],
    ['len(http.host) in {5..3}', 19, /ends before it starts/],
    ['http.host & 1', 10, /takes an integer on its left, not a string/],
    // Calls and indexes are read for their shape: a malformed one is unreadable.
    ['any(http.request.headers["x"][*] == "a"', 39, /expected "," or "\)"/],
    ['lookup_json_string(http.request.body.raw "a") eq "b"', 41, /expected "," or "\)"/],
    ['http.request.headers["x"', 24, /expected "\]"/],
    ['http.request.headers[x] eq "a"', 21, /expected an index/],
    ['http.host in $', 13, /unexpected character "\$"/],
    ['concat(http.host, ) eq "a"', 18, /expected a field, a function or "\(" but found "\)"/],
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
  /** Counts the engine's reads of its input: a backtracking engine reads characters over and over. */
  class CountingString extends String {
    reads = 0;
    override charCodeAt(index: number): number {
      this.reads++;
      return super.charCodeAt(index);
    }
  }

  it('a pattern that backtracks exponentially elsewhere reads each character once', () => {
    // Short enough that a backtracking engine would finish (its million reads failing here), not hang.
    const rows: [string, string, boolean][] = [['^(a+)+$', `${'a'.repeat(20)}b`, false], ['(a|a)*c', 'a'.repeat(20), false], ['^(a+)+$', 'aaaa', true]];
    for (const [pattern, text, expected] of rows) {
      const input = new CountingString(text);
      assert.equal(compileRegex(pattern).test(input as unknown as string), expected, pattern);
      assert.ok(input.reads >= 1 && input.reads <= text.length, `${pattern} on ${text.length} characters: ${input.reads} reads`);
    }
    // The same answers on inputs no backtracking engine could finish (how fast is the benchmark's business).
    assert.equal(compileRegex('^(a+)+$').test(`${'a'.repeat(20_000)}b`), false);
    assert.equal(compileRegex('(a|a)*c').test('a'.repeat(20_000)), false);
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
