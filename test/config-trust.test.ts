// Issue 20 (items 4, 11, 19, 20, 21) through the built CLI, one fixture directory per scenario:
// two entries for one zone, a token_env that is no Cloudflare token variable (or a token itself),
// nesting deep enough to exhaust the call stack, values thousands of characters long, header and
// cookie values with spaces no request carries, an empty vars entry, and init's schema line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig, MAX_DEPTH } from '../src/config/load.js';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const CLI = fileURLToPath(new URL('../bin/purgeplan.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/validate/', import.meta.url));
const STACK_LINE = /^\s+at /m;

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function purgeplan(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  delete env.PURGEPLAN_DEBUG;
  if (!options.env?.CLOUDFLARE_API_TOKEN) delete env.CLOUDFLARE_API_TOKEN;
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? FIXTURES, encoding: 'utf8', env, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The `FILE:LINE:COL: severity: message` lines of a run, without hints or the closing summary. */
const problems = (result: Result) => result.stderr.split('\n').filter((line) => / (error|warning): /.test(line));

function assertRefused(result: Result): void {
  assert.equal(result.status, 1, result.stderr);
  assert.equal(result.stdout, '', 'nothing on stdout');
  assert.doesNotMatch(result.stderr, STACK_LINE, 'no stack trace');
  assert.doesNotMatch(result.stderr, /internal error|Maximum call stack/);
}

describe('two zones for one Cloudflare zone (same id, or same name in any case)', () => {
  it('a pasted id is an error at the second (and third) zone\'s id, naming the first; exit 1', () => {
    const file = 'duplicate-zone-id/purge.yaml';
    const result = purgeplan(['validate', '-c', file]);
    assertRefused(result);
    assert.deepEqual(problems(result).filter((line) => line.includes('already')), [
      `${file}:7:9: error: zones.shop.id: "023e105f4ecef8ad9ca31a8372d0c353" is already the id of zone "www" (zones.www.id): both would purge the same Cloudflare zone`,
      // Ids are hex: compared in any case (the upper-case one is also refused by the schema).
      `${file}:10:9: error: zones.blog.id: "023E105F4ECEF8AD9CA31A8372D0C353" is already the id of zone "www" (zones.www.id): both would purge the same Cloudflare zone`,
    ]);
    assert.match(result.stderr, /hint: copy this zone's own id from the Cloudflare dashboard/);
  });

  it('the same name in another case is an error at the second zone\'s name; plan sends nothing', () => {
    const file = 'duplicate-zone-name/purge.yaml';
    const result = purgeplan(['validate', '-c', file]);
    assertRefused(result);
    assert.deepEqual(problems(result), [
      `${file}:8:11: error: zones.shop.name: "Example.COM" is already the name of zone "www" (zones.www.name, compared in any case): both would be the same Cloudflare zone, and items routed by host would all go to zone "www"`,
    ]);
    assertRefused(purgeplan(['plan', '--json', '-c', file]));
  });
});

describe('token_env', () => {
  it('a well-known variable that holds no Cloudflare token is a warning at the value; --strict fails', () => {
    const file = 'token-env-not-cloudflare/purge.yaml';
    const result = purgeplan(['validate', '-c', file]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(problems(result), [
      `${file}:6:16: warning: zones.www.token_env: HOME is a system variable, not a Cloudflare API token: apply would send its value to Cloudflare as the token`,
      `${file}:10:16: warning: zones.shop.token_env: GITHUB_TOKEN is a GitHub token, not a Cloudflare API token: apply would send its value to Cloudflare as the token`,
      `${file}:14:16: warning: zones.docs.token_env: AWS_SECRET_ACCESS_KEY is an AWS credential or setting, not a Cloudflare API token: apply would send its value to Cloudflare as the token`,
    ], 'a long variable name such as CLOUDFLARE_API_TOKEN_FOR_PRODUCTION_ZONE_2 is fine');
    assert.equal(purgeplan(['validate', '--strict', '-c', file]).status, 1);
  });

  it('a token pasted as token_env (no known prefix, 40 or 32 characters) is an error that never quotes it, in every command', () => {
    const file = 'token-env-pasted-token/purge.yaml';
    const tokens = ['Xk9_aB3dEfGh1jKlMnOpQrStUvWxYz0123456789', 'aB3dEfGh1jKlMnOpQrStUvWxYz012345', 'a23e105f4ecef8ad9ca31a8372d0c353'];
    for (const args of [['validate'], ['plan'], ['plan', '--json'], ['apply', '--auto-approve', '--api-url', 'http://127.0.0.1:9'], ['drift', '--api-url', 'http://127.0.0.1:9']]) {
      const result = purgeplan([...args, '-c', file], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assertRefused(result);
      assert.deepEqual(problems(result), [
        `${file}:6:16: error: zones.www.token_env looks like an API token, not the name of an environment variable (the value is not shown)`,
        `${file}:10:16: error: zones.shop.token_env looks like an API token, not the name of an environment variable (the value is not shown)`,
        `${file}:14:16: error: zones.docs.token_env looks like an API token, not the name of an environment variable (the value is not shown)`,
      ], args.join(' '));
      for (const token of tokens) assert.ok(!result.stderr.includes(token) && !result.stdout.includes(token), `${args.join(' ')}: the token is never shown`);
    }
  });

  it('comment --token-env refuses a token in place of the name without showing it (before any planning)', () => {
    const token = 'ghp_Xk9aB3dEfGh1jKlMnOpQrStUvWxYz0123456';
    for (const forge of ['github', 'gitlab']) {
      const result = purgeplan(['comment', forge, '--all', '--token-env', token, '-c', 'duplicate-zone-name/purge.yaml'], { env: { GITHUB_REPOSITORY: 'octo/site', CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '3' } });
      assertRefused(result);
      assert.match(result.stderr, /^error: --token-env looks like a token, not the name of an environment variable \(the value is not shown\)$/m);
      assert.ok(!result.stderr.includes(token.slice(4)), 'the token is never shown');
    }
  });

  describe('drift reads the rules with that token: it shows the warning too', () => {
    let standin: Standin;
    before(async () => { standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'enterprise', account_id: 'acc1' }] }); });
    after(async () => { await standin.close(); });

    it('drift with token_env: GITHUB_TOKEN warns on stderr, at the value', async () => {
      const site = new Site().write('purge.yaml', `version: 1\nzones:\n  www:\n    id: ${ZONE_ID}\n    name: example.com\n    plan: enterprise\n    token_env: GITHUB_TOKEN\ngroups:\n  posts:\n    urls: [https://www.example.com/posts/]\n`);
      try {
        const result = await site.run(['drift', '--api-url', standin.url], { env: { GITHUB_TOKEN: TOKEN } });
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stderr, /^purge\.yaml:7:16: warning: zones\.www\.token_env: GITHUB_TOKEN is a GitHub token, not a Cloudflare API token/m);
        assert.match(result.stdout, /^No drift/m);
      } finally {
        site.remove();
      }
    });
  });
});

describe('deep nesting', () => {
  const rows = [
    // urls is level 4 (the root mapping is 1); level 65 is the 62nd "[" / the 62nd "- ".
    { scenario: 'flow collections ([[[[…, 5,000 deep)', file: 'nesting-too-deep-flow/purge.yaml', at: '7:72' },
    { scenario: 'block sequences (- - - -…, 5,000 deep)', file: 'nesting-too-deep-block/purge.yaml', at: '8:129' },
  ];
  for (const row of rows) {
    it(`${row.scenario}: a positioned message and exit 1 in validate, plan and fmt`, () => {
      for (const args of [['validate'], ['plan', '--json'], ['fmt', '--check']]) {
        const result = purgeplan(args[0] === 'fmt' ? [...args, row.file] : [...args, '-c', row.file]);
        assertRefused(result);
        assert.deepEqual(problems(result), [`${row.file}:${row.at}: error: YAML nesting deeper than ${MAX_DEPTH} levels: refused as a resource-exhaustion risk`], args.join(' '));
      }
    });
  }

  it(`${MAX_DEPTH} levels load; ${MAX_DEPTH + 1} are refused at the first collection too deep (in process)`, () => {
    const nested = (levels: number) => `a: ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}\n`;
    const atLimit = loadConfig('purge.yaml', new TextEncoder().encode(nested(MAX_DEPTH)));
    assert.deepEqual(atLimit.diagnostics, []);
    const beyond = loadConfig('purge.yaml', new TextEncoder().encode(nested(MAX_DEPTH + 1)));
    assert.equal(beyond.config, undefined);
    assert.deepEqual(beyond.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`), [`1:${4 + MAX_DEPTH - 1} YAML nesting deeper than ${MAX_DEPTH} levels: refused as a resource-exhaustion risk`]);
    // The checks after loading take the deepest file allowed.
    const result = purgeplan(['validate', '-c', 'nesting-at-limit/purge.yaml']);
    assertRefused(result);
    assert.deepEqual(problems(result), ['nesting-at-limit/purge.yaml:8:1: error: unknown key "extra" in the top level']);
  });
});

describe('long values are quoted by their start and their length', () => {
  it('every message about a 5,000-character value stays short, whoever wrote it', () => {
    const file = 'long-values/purge.yaml';
    const result = purgeplan(['validate', '-c', file]);
    assertRefused(result);
    const start = `"${'a'.repeat(80)}…"`;
    assert.deepEqual(problems(result), [
      `${file}:6:11: error: zones.www.plan: ${start} (5,000 characters) is not one of free, pro, business, enterprise`,
      `${file}:10:9: error: groups.posts.urls[0]: unclosed "{" at character 5025 of "https://www.example.com/${'a'.repeat(56)}…" (5,025 characters)`,
      `${file}:11:13: error: groups.posts.hosts[0]: host ${start} (5,000 characters) is not a valid host name`,
      `${file}:12:12: error: groups.posts.tags[0]: tag ${start} (5,000 characters) is longer than Cloudflare allows (at most 1024 characters)`,
      `${file}:13:7: error: unknown key ${start} (5,000 characters) in groups.posts`,
    ]);
    for (const line of result.stderr.split('\n')) assert.ok(line.length < 300, `a line of ${line.length} characters`);
  });
});

describe('header and cookie values with spaces no request carries', () => {
  const file = 'header-value-spaces/purge.yaml';
  it('surrounding spaces and Unicode spaces are warnings at the value, with the fix', () => {
    const result = purgeplan(['validate', '-c', file]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(problems(result), [
      `${file}:19:14: warning: groups.posts.variants.lang[0]: " ja " starts and ends with a space: HTTP removes the spaces around a header value, so no request carries it as written and this variant would purge no cached entry`,
      `${file}:19:29: warning: groups.posts.variants.lang[2]: "ja\\u3000" contains an ideographic space (U+3000), most likely pasted from a document: browsers send plain spaces in a header value, so this variant would likely purge no cached entry`,
      `${file}:19:36: warning: groups.posts.variants.lang[3]: "de " ends with a space: HTTP removes the spaces around a header value, so no request carries it as written and this variant would purge no cached entry`,
      `${file}:21:20: warning: groups.posts.variants.headers.x-tenant[0]: "acme\\u00a0corp" contains a no-break space (U+00A0), most likely pasted from a document: browsers send plain spaces in a header value, so this variant would likely purge no cached entry`,
      `${file}:23:14: warning: groups.posts.variants.cookies.ab[0]: " a" starts with a space: browsers remove the spaces around a cookie value, so no request carries it as written and this variant would purge no cached entry`,
    ]);
    assert.match(result.stderr, /lang\[0\]: .*\n {2}hint: write "ja"\n/);
    assert.match(result.stderr, /x-tenant\[0\]: .*\n {2}hint: retype it with plain spaces, or none: "acme corp"\n/);
    assert.equal(purgeplan(['validate', '--strict', '-c', file]).status, 1);
  });

  it('the values are still planned exactly as written', () => {
    const result = purgeplan(['plan', '--json', '-c', file]);
    assert.equal(result.status, 0, result.stderr);
    const sent = (JSON.parse(result.stdout) as { requests: { body: { files: ({ headers?: Record<string, string> } | string)[] } }[] }).requests
      .flatMap((request) => request.body.files).map((item) => (typeof item === 'string' ? {} : item.headers ?? {}));
    assert.ok(sent.some((headers) => headers['accept-language'] === ' ja '));
    assert.ok(sent.some((headers) => headers['x-tenant'] === 'acme\u00a0corp'));
    assert.ok(sent.some((headers) => headers.cookie === 'ab= a'));
  });
});

describe('an empty vars entry', () => {
  it('the hint says what is wrong and how to fix it, not the schema\'s description', () => {
    const file = 'empty-vars-value/purge.yaml';
    const result = purgeplan(['validate', '-c', file]);
    assertRefused(result);
    assert.deepEqual(result.stderr.split('\n').slice(0, 4), [
      `${file}:12:10: error: groups.posts.vars.slug[1] is empty: expected a string or a number`,
      '  hint: the "-" has nothing after it: write the value for {slug} after it, or remove the line',
      `${file}:13:11: error: groups.posts.vars.slug[2] is empty: expected a string or a number`,
      '  hint: YAML reads ~ as no value: write the value for {slug} instead (in quotes, "~", for that text), or remove the entry',
    ]);
    assert.doesNotMatch(result.stderr, /substituted for the placeholder/);
  });
});

describe('init: the schema line is relative to the written file', () => {
  const work = mkdtempSync(join(tmpdir(), 'purgeplan-init-schema-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const schemaLine = (file: string) => /^# yaml-language-server: \$schema=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1];

  it('without purgeplan installed: where installing in the current directory puts it', () => {
    const dir = mkdtempSync(join(work, 'bare-'));
    for (const [config, expected] of [['purge.yaml', './node_modules/purgeplan/schemas/purge.schema.json'], ['sub/purge.yaml', '../node_modules/purgeplan/schemas/purge.schema.json'], ['sites/docs/purge.yaml', '../../node_modules/purgeplan/schemas/purge.schema.json']]) {
      const result = purgeplan(['init', '-c', config], { cwd: dir });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(schemaLine(join(dir, config)), expected, config);
    }
  });

  it('with purgeplan installed: the path from the file reaches the installed schema, from any directory', () => {
    const project = mkdtempSync(join(work, 'project-'));
    const installed = join(project, 'node_modules/purgeplan/schemas/purge.schema.json');
    mkdirSync(dirname(installed), { recursive: true });
    writeFileSync(installed, '{}\n');
    mkdirSync(join(project, 'sites'));
    for (const [cwd, config] of [[project, 'sub/purge.yaml'], [project, 'a/b/c/purge.yaml'], [join(project, 'sites'), 'docs/purge.yaml'], [project, join(project, 'abs/purge.yaml')]]) {
      const result = purgeplan(['init', '-c', config], { cwd });
      assert.equal(result.status, 0, result.stderr);
      const written = resolve(cwd, config);
      const path = schemaLine(written);
      assert.ok(path !== undefined && !path.includes('\\'), `${config}: ${path}`);
      assert.equal(resolve(dirname(written), path), installed, `${config}: ${path}`);
      assert.ok(existsSync(resolve(dirname(written), path)));
      // And the file it wrote is valid as written.
      assert.equal(purgeplan(['validate', '--strict', '-c', config], { cwd }).status, 0);
    }
  });
});
