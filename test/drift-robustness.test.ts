// `purgeplan drift` and `import` (docs/commands.md#drift, docs/commands.md, docs/commands.md) against hostile or broken answers: rules
// nested deeper than any stack, answers that are not Cloudflare's "no Cache Rules", descriptions
// and error messages carrying line breaks, escape sequences or the token itself. Each gives a
// clear message and the right exit code through the CLI, never a stack trace nor a silent default.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startStandin } from './support/cloudflare-standin.js';
import type { Fault, FaultContext, Standin } from './support/cloudflare-standin.js';
import { runOnce, TOKEN, ZONE_ID } from './support/site.js';

const PHASE = 'http_request_cache_settings';
const ZONE = { id: ZONE_ID, name: 'example.com', plan: 'enterprise' as const, account_id: 'acc1' };
const ZONE2_ID = '9a7806061c88ada191ed06f989cc3dac';
const ZONE2 = { id: ZONE2_ID, name: 'example.org', plan: 'enterprise' as const, account_id: 'acc1' };
const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise }
groups:
  posts:
    urls: ["https://www.example.com/posts/{1..3}/"]
`;

type Json = Record<string, unknown>;
let seq = 0;
function rule(description: string, expression: string, cacheKey: Json): Json {
  seq++;
  const id = `${String(seq).padStart(2, '0')}deadbeef${'0'.repeat(22)}`;
  return { id, version: '1', enabled: true, description, expression, action: 'set_cache_settings', action_parameters: { cache: true, cache_key: cacheKey } };
}
const ruleset = (...rules: Json[]): Json => ({ id: 'rs1', name: 'default', kind: 'zone', phase: PHASE, version: '3', rules });
const GEO = { custom_key: { user: { geo: true } } };

let standin: Standin;
const rulesets: Record<string, Record<string, unknown>> = {};
let fault: ((ctx: FaultContext) => Fault | undefined) | undefined;
const serve = (value: Json) => { rulesets[ZONE_ID] = { [PHASE]: value }; };

const run = (args: string[], yaml = CONFIG) => runOnce(standin.url, yaml, args);

function assertClean(result: { stdout: string; stderr: string }): void {
  const all = result.stdout + result.stderr;
  assert.doesNotMatch(all, /internal error/);
  assert.doesNotMatch(all, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(all, /\u001b/, 'no escape sequence from the zone reaches the terminal');
  assert.ok(!all.includes(TOKEN), 'the token is never printed');
}

before(async () => {
  standin = await startStandin({ tokens: [TOKEN], zones: [ZONE, ZONE2], rulesets, fault: (ctx) => fault?.(ctx) });
});
after(async () => {
  await standin.close();
});

describe('drift: rules nested deeper than a stack', () => {
  it('20,000 parentheses or nested lower() are unreadable with a position, not a crash', async () => {
    for (const expression of [
      `${'('.repeat(20_000)}http.host eq "www.example.com"${')'.repeat(20_000)}`,
      `${'lower('.repeat(20_000)}http.host${')'.repeat(20_000)} eq "www.example.com"`,
    ]) {
      serve(ruleset(rule('Deep', expression, GEO)));
      const result = await run(['drift']);
      assertClean(result);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /warning: zones\.www: the expression of Cache Rule "Deep" .* is unreadable at character \d+: nested more than 128 levels deep/);
      assert.equal((await run(['drift', '--strict'])).code, 2);
    }
  });

  it('a regular expression with 2,000 nested groups is unreadable (Rust stops at 250)', async () => {
    serve(ruleset(rule('Deep regex', `http.request.uri.path matches "${'('.repeat(2000)}x${')'.repeat(2000)}"`, GEO)));
    const result = await run(['drift']);
    assertClean(result);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /is unreadable at character 282: regular expression: groups nested more than 250 deep/);
  });

  it('chains of 50,000 terms and 20,001 nots are read and evaluated', async () => {
    serve(ruleset(rule('Long', `${'http.request.uri.path contains "/posts/" and '.repeat(50_000)}ssl`, GEO)));
    const long = await run(['drift', '--json']);
    assertClean(long);
    assert.equal(long.code, 2, long.stderr);
    assert.ok((JSON.parse(long.stdout) as { findings: Json[] }).findings.some((f) => f.kind === 'drift' && f.dimension === 'geo'));
    serve(ruleset(rule('Nots', `${'not '.repeat(20_001)}ssl`, GEO)));
    const nots = await run(['drift']);
    assertClean(nots);
    assert.equal(nots.code, 0, nots.stdout); // not^odd ssl: false on https URLs
    serve(ruleset(rule('Nots', `${'! '.repeat(20_000)}ssl or ${'http.host eq "x" or '.repeat(20_000)}false`, GEO)));
    assert.equal((await run(['drift'])).code, 2);
  });

  it('import reads them too', async () => {
    serve(ruleset(rule('Deep', `${'('.repeat(20_000)}true${')'.repeat(20_000)}`, GEO)));
    const result = await run(['import']);
    assertClean(result);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /its expression is unreadable \(nested more than 128 levels deep\)/);
  });
});

describe('drift: only Cloudflare\'s 404 with code 10003 means "no Cache Rules"', () => {
  it('a 404 without code 10003 (a wrong --api-url, a proxy page) is an error, never the default key', async () => {
    serve(ruleset(rule('Geo', 'true', GEO)));
    for (const errors of [[], [{ code: 7003, message: 'Could not route to /zones/x/rulesets, perhaps your object identifier is invalid?' }]]) {
      fault = (ctx) => (ctx.path.includes('/rulesets/') ? { kind: 'status', status: 404, errors } : undefined);
      try {
        for (const command of ['drift', 'import']) {
          const result = await run([command]);
          assertClean(result);
          assert.equal(result.code, 1, `${command} ${JSON.stringify(errors)}: ${result.stdout}${result.stderr}`);
          assert.match(result.stderr, /error: could not read the Cache Rules of zone www .*HTTP 404/);
          assert.match(result.stderr, /hint: only Cloudflare's code 10003 means a zone without Cache Rules/);
          assert.doesNotMatch(result.stdout, /No drift|no Cache Rules|cache_keys:/);
        }
        const json = await run(['drift', '--json']);
        assert.equal(json.code, 1);
        assert.match((JSON.parse(json.stdout) as { error: { message: string } }).error.message, /HTTP 404/);
      } finally {
        fault = undefined;
      }
    }
  });

  it('a success whose result is not a ruleset is an error, not an empty rule list', async () => {
    fault = (ctx) => (ctx.path.includes('/rulesets/') ? { kind: 'status', status: 200 } : undefined); // {"success":true,"result":null}
    try {
      const result = await run(['drift']);
      assertClean(result);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /could not read the Cache Rules of zone www .*the answer holds no ruleset \(its result is empty\)/);
    } finally {
      fault = undefined;
    }
    serve({ ...ruleset(), rules: { 0: rule('Geo', 'true', GEO) } });
    const odd = await run(['drift']);
    assert.equal(odd.code, 1, odd.stdout);
    assert.match(odd.stderr, /not a ruleset with a list of rules/);
    // A ruleset without a `rules` field has no rules.
    const { rules: _none, ...empty } = ruleset();
    serve(empty);
    assert.equal((await run(['drift'])).code, 0);
  });
});

describe('drift and import: what the zone says cannot forge output', () => {
  it('an API error carrying escape sequences or the token prints neither', async () => {
    fault = (ctx) => (ctx.path.includes('/rulesets/') ? { kind: 'status', status: 403, errors: [{ code: 10000, message: `Authentication error \u001b[2J\u001b[31mfor ${TOKEN}` }] } : undefined);
    try {
      const result = await run(['drift']);
      assertClean(result);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Authentication error \\u001b\[2J/);
    } finally {
      fault = undefined;
    }
  });

  it('a description with a line break or an escape sequence cannot forge a line of YAML', async () => {
    const forged = rule('Pages\n  evil: {}\n\u001b[31mred', 'true', { custom_key: { header: { contains: { 'accept-encoding': ['br'] } }, user: { geo: true } } });
    serve(ruleset(forged));
    const result = await run(['import']);
    assertClean(result);
    assert.equal(result.code, 0, result.stderr);
    const block = parse(result.stdout) as { cache_keys: Record<string, unknown>; groups: Record<string, Json> };
    assert.deepEqual(Object.keys(block.cache_keys), ['pages-evil-31mred']);
    assert.deepEqual(block.groups, { posts: { cache_key: 'pages-evil-31mred' } });
    assert.match(result.stdout, /# Cache Rule "Pages\\u000a {2}evil: \{\}\\u000a\\u001b\[31mred"/);
    assert.match(result.stderr, /warning: Cache Rule "Pages\\u000a/);
    const drift = await run(['drift']);
    assertClean(drift);
    assert.equal(drift.code, 2);
  });

  it('descriptions, ids and names from the zone are quoted with their quotes and backslashes escaped', async () => {
    const description = 'my "special" rule \\ C:\\cache';
    const special = { ...rule(description, 'true', { custom_key: { header: { include: ['x-"tenant\\', 'x-plain'], contains: { 'x-"odd': ['a'] } } } }), id: 'id "1") or ("x' };
    serve(ruleset(special));
    const quoted = '"my \\"special\\" rule \\\\ C:\\\\cache"';
    const drift = await run(['drift']);
    assertClean(drift);
    assert.equal(drift.code, 2, drift.stdout);
    assert.ok(drift.stdout.includes(`Cache Rule ${quoted} (id "id \\"1\\") or (\\"x")`), drift.stdout);
    assert.ok(drift.stdout.includes('keys on header "x-\\"odd" only'), drift.stdout);
    assert.ok(!drift.stdout.includes('"my "special" rule'), drift.stdout);
    // The quoted text is one JSON string: reading it back gives the description.
    const at = drift.stdout.indexOf('Cache Rule "') + 'Cache Rule '.length;
    assert.equal(JSON.parse(drift.stdout.slice(at, drift.stdout.indexOf(' (id ', at))), description);
    const json = await run(['drift', '--json']);
    const report = JSON.parse(json.stdout) as { findings: { rules: { description: string; id: string }[] }[] };
    assert.ok(report.findings.some((f) => f.rules.some((r) => r.description === description && r.id === special.id)));
    const imported = await run(['import']);
    assertClean(imported);
    assert.equal(imported.code, 0, imported.stderr);
    assert.ok(imported.stdout.includes(`  # Cache Rule ${quoted} (id "id \\"1\\") or (\\"x")`), imported.stdout);
    assert.ok(imported.stderr.includes(`warning: Cache Rule ${quoted}`), imported.stderr);
    assert.ok(imported.stderr.includes('header.contains ("x-\\"odd")'), imported.stderr);
    // Valid YAML whose values read back as the zone sent them.
    const block = parse(imported.stdout) as { cache_keys: Record<string, { headers: { include: string[] } }> };
    assert.deepEqual(Object.keys(block.cache_keys), ['my-special-rule-c-cache']);
    assert.deepEqual(block.cache_keys['my-special-rule-c-cache'].headers.include, ['x-"tenant\\', 'x-plain']);
  });

  it('group names YAML 1.1 reads as booleans are quoted in the printed groups', async () => {
    serve(ruleset(rule('Pages', 'true', GEO)));
    const yaml = CONFIG.replace('  posts:\n', '  "y":\n').concat('  "N":\n    urls: ["https://www.example.com/n/"]\n');
    const result = await run(['import'], yaml);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}"y":$/m);
    assert.match(result.stdout, /^ {2}"N":$/m);
    assert.deepEqual(Object.keys((parse(result.stdout, { version: '1.1' }) as { groups: Json }).groups), ['y', 'N']);
  });

  it('two rules with the same description get distinct profile names that keep the description whole', async () => {
    const anonymous = rule('', 'http.request.uri.path contains "/3/"', { custom_key: { user: { device_type: true } } });
    const fallback = `rule-${String(anonymous.id).slice(0, 8)}`;
    serve(ruleset(
      rule('Blog 2024', 'http.request.uri.path contains "/1/"', GEO),
      rule('Blog 2024', 'http.request.uri.path contains "/2/"', { custom_key: { user: { lang: true } } }),
      anonymous,
    ));
    const yaml = CONFIG.replace('    urls: ["https://www.example.com/posts/{1..3}/"]', '    urls: ["https://www.example.com/posts/1/"]\n  two:\n    urls: ["https://www.example.com/posts/2/"]\n  three:\n    urls: ["https://www.example.com/posts/3/"]');
    const result = await run(['import'], yaml);
    assert.equal(result.code, 0, result.stderr);
    const block = parse(result.stdout) as { cache_keys: Record<string, unknown>; groups: Record<string, Json> };
    assert.deepEqual(Object.keys(block.cache_keys).sort(), ['blog-2024', 'blog-2024-2', fallback]);
    assert.deepEqual(block.groups, { posts: { cache_key: 'blog-2024' }, two: { cache_key: 'blog-2024-2' }, three: { cache_key: fallback } });
  });
});

describe('drift: a group routed by host (docs/purge-yaml.md) is compared with the key it is planned with', () => {
  // Line numbers: 6 pages, 7 device_type, 9 posts.
  const ROUTED = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: pages }
  org: { id: ${ZONE2_ID}, name: example.org, plan: enterprise }
cache_keys:
  pages:
    device_type: true
groups:
  posts:
    urls: ["https://www.example.com/posts/{1..3}/", "https://www.example.org/about/"]
`;
  it('the zone\'s profile, named and positioned as such, not "no cache_key"', async () => {
    serve(ruleset(rule('Pages', 'http.host eq "www.example.com"', { cache_by_device_type: true })));
    const same = await run(['drift'], ROUTED);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    serve(ruleset(rule('Pages', 'http.host eq "www.example.com"', { custom_key: { user: { geo: true } } })));
    const result = await run(['drift', '--json'], ROUTED);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    const drifts = (JSON.parse(result.stdout) as { findings: Json[] }).findings.filter((f) => f.kind === 'drift');
    assert.deepEqual(drifts.map((f) => [f.zone, f.dimension, f.profile, f.line]), [['www', 'geo', 'pages', 6], ['www', 'device_type', 'pages', 7]]);
    assert.ok(drifts.every((f) => /^cache_keys\.pages: /.test(String(f.message))), JSON.stringify(drifts));
    const human = await run(['drift'], ROUTED);
    assert.match(human.stdout, /^purge\.yaml:7:5: error: cache_keys\.pages: device_type is true, but Cache Rule "Pages" .* gives false/m);
    assert.match(human.stdout, /hint: set cache_keys\.pages\.device_type: false/);
  });

  it('import names a routed group once, however many zones its URLs go to', async () => {
    serve(ruleset(rule('Pages', 'http.host eq "www.example.com"', { cache_by_device_type: true })));
    const result = await run(['import'], ROUTED);
    assert.equal(result.code, 0, result.stderr);
    // www gives "pages", org its default key: one cache_key on the group cannot match both.
    const block = parse(result.stdout) as { groups: Record<string, unknown> | null };
    assert.equal(block.groups, null, result.stdout);
    assert.match(result.stdout, /^ {2}# posts: different keys by zone \(zone www → pages; zone org → cloudflare-default\): set zones\.NAME\.cache_key instead$/m);
    assert.match(result.stderr, /warning: groups\.posts: routed by host, its URLs get different cache keys by zone/);
    // When the zones agree, the group gets one entry.
    const geo = rule('Pages', 'true', { custom_key: { user: { geo: true } } });
    serve(ruleset(geo));
    rulesets[ZONE2_ID] = { [PHASE]: ruleset(geo) };
    try {
      const one = await run(['import'], ROUTED);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual((parse(one.stdout) as { groups: unknown }).groups, { posts: { cache_key: 'pages' } });
    } finally {
      delete rulesets[ZONE2_ID];
    }
  });

  it('import --zone checks a routed group against the keys of its other zones, as the full import does', async () => {
    // www's rule gives "pages"; org's rules are not read, and purge.yaml gives org's URLs
    // Cloudflare's default key: a cache_key on the group would change them too.
    serve(ruleset(rule('Pages', 'http.host eq "www.example.com"', { cache_by_device_type: true })));
    const full = await run(['import'], ROUTED);
    for (const [args, zone] of [[['import', '--zone', 'www'], 'www'], [['import', '--zone', 'org'], 'org']] as const) {
      const result = await run([...args], ROUTED);
      assert.equal(result.code, 0, result.stderr);
      const block = parse(result.stdout) as { groups: Record<string, unknown> | null };
      assert.equal(block.groups, null, `${zone}: ${result.stdout}`);
      assert.match(result.stderr, /warning: groups\.posts: routed by host, its URLs get different cache keys by zone/, zone);
      assert.match(result.stderr, /as purge\.yaml declares it \(its rules not read\)/, zone);
      assert.match(result.stdout, new RegExp(`^ {2}# posts: different keys by zone .*: set zones\\.${zone}\\.cache_key: \\S+ instead$`, 'm'), result.stdout);
    }
    assert.match(full.stderr, /warning: groups\.posts: routed by host/);
    // The group's own cache_key applies in every zone: the same check.
    const own = ROUTED.replace('  posts:\n', '  posts:\n    cache_key: pages\n');
    serve(ruleset(rule('Geo', 'http.host eq "www.example.com"', { custom_key: { user: { geo: true } } })));
    const ownKey = await run(['import', '--zone', 'www'], own);
    assert.equal(ownKey.code, 0, ownKey.stderr);
    assert.match(ownKey.stderr, /groups\.posts: routed by host, .*zone org → cache_keys\.pages as purge\.yaml declares it/);
    assert.equal((parse(ownKey.stdout) as { groups: unknown }).groups, null);
    // When org declares the key www's rules give, the suggestion stands and nothing is said.
    serve(ruleset(rule('Pages', 'http.host eq "www.example.com"', { cache_by_device_type: true })));
    const agreeing = ROUTED.replace(`org: { id: ${ZONE2_ID}, name: example.org, plan: enterprise }`, `org: { id: ${ZONE2_ID}, name: example.org, plan: enterprise, cache_key: pages }`);
    const quiet = await run(['import', '--zone', 'www'], agreeing);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /routed by host/);
    assert.deepEqual((parse(quiet.stdout) as { groups: unknown }).groups, { posts: { cache_key: 'pages' } });
    // Only the zone asked for is read.
    const before = standin.log.length;
    await run(['import', '--zone', 'www'], agreeing);
    assert.ok(standin.log.slice(before).every((r) => !r.path.includes(ZONE2_ID)), JSON.stringify(standin.log.slice(before).map((r) => r.path)));
  });
});
