// What a server answers is untrusted text (docs/commands.md, "apply" and "comment github|gitlab"):
// Cloudflare's error messages, purge ids, a token's status and zone ids, GitHub's and GitLab's
// error messages, the edge's cf-cache-status. None of it may reach the terminal, the journal or
// a --json event with its control characters (ESC sequences, OSC 8 hyperlinks, BEL, a CR that
// overwrites the line, C1 CSI) or bidi overrides raw. Through the built CLI, against loopback
// servers that answer with hostile text.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configYaml, runCli } from './support/config-builder.js';
import { startStandin } from './support/cloudflare-standin.js';
import { startGitHubStandin } from './support/github-standin.js';
import { logLine } from './support/logpush.js';
import { GITHUB_TOKEN, GITLAB_TOKEN, smallConfig } from './support/comment-fixtures.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';
import type { CliResult } from './support/site.js';

/** ESC sequences (colour, clear screen, OSC 8 hyperlink), BEL, backspace, a CR that overwrites, bidi override and isolate, C1 CSI. */
const HOSTILE = 'bad\u001b[31mred\u001b[2J\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007\u0008\rOK \u202egnp.exe\u2066x\u2069 \u009b2J @someone #1 [x](http://evil)';
/** Any raw character a terminal acts on or that reorders text. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Line breaks are fine between lines; a CR is not (it overwrites). */
const assertSafe = (what: string, text: string): void => {
  const match = UNSAFE.exec(text);
  assert.equal(match, null, `${what} holds U+${match?.[0].charCodeAt(0).toString(16).padStart(4, '0')} raw:\n${JSON.stringify(text)}`);
};
/** Every string in a parsed JSON value, for what a jq -r consumer would print. */
const stringsOf = (value: unknown): string[] => typeof value === 'string' ? [value]
  : Array.isArray(value) ? value.flatMap(stringsOf)
    : typeof value === 'object' && value !== null ? Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)]) : [];
const jsonLines = (text: string): unknown[] => text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
const assertJsonSafe = (what: string, text: string): void => {
  assertSafe(what, text);
  for (const value of jsonLines(text)) for (const s of stringsOf(value)) assertSafe(`a string in ${what}`, s);
};
/** Every file under a directory, as text (the state, the journal). */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, filesUnder(path));
    else out[path] = readFileSync(path, 'utf8');
  }
  return out;
}

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;
interface Fake { url: string; paths: string[]; close(): Promise<void> }
/** A loopback HTTP server answering JSON through `handler`, recording the paths asked. */
async function fakeServer(handler: Handler): Promise<Fake> {
  const paths: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    request.on('end', () => { paths.push(`${request.method} ${request.url}`); handler(request, body, response); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, paths, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
const answer = (response: ServerResponse, status: number, value: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
};

const config = (zone = `id: ${ZONE_ID}, name: example.com`) => `version: 1
zones:
  www: { ${zone}, plan: pro }
groups:
  pages:
    urls: ["https://example.com/a", "https://example.com/b"]
`;

/**
 * A Cloudflare API whose answers carry hostile text; `purge` answers the purge requests, `zone` the
 * zone read of apply's identity check (by default the zone example.com, its other fields hostile).
 */
async function hostileCloudflare(parts: { verify?: Handler; zones?: Handler; zone?: Handler; purge: Handler }): Promise<Fake> {
  return fakeServer((request, body, response) => {
    const path = request.url ?? '';
    if (path.startsWith('/client/v4/user/tokens/verify')) return (parts.verify ?? ((_q, _b, r) => answer(r, 200, { success: true, errors: [], messages: [], result: { id: 'tok', status: 'active' } })))(request, body, response);
    if (path.startsWith('/client/v4/zones?')) return (parts.zones ?? ((_q, _b, r) => answer(r, 200, { success: true, errors: [], result: [] })))(request, body, response);
    if (request.method === 'GET' && /^\/client\/v4\/zones\/[^/]+$/.test(path)) {
      return (parts.zone ?? ((_q, _b, r) => answer(r, 200, { success: true, errors: [], result: { id: ZONE_ID, name: 'example.com', status: HOSTILE } })))(request, body, response);
    }
    return parts.purge(request, body, response);
  });
}

async function applyAgainst(server: Fake, args: readonly string[] = [], yaml = config()): Promise<{ result: CliResult; files: Record<string, string> }> {
  const site = new Site().write('purge.yaml', yaml);
  try {
    const result = await site.run(['apply', '--auto-approve', '--max-retries', '0', '--api-url', `${server.url}/client/v4`, ...args], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
    const purgeplan = join(site.dir, '.purgeplan');
    let files: Record<string, string> = {};
    try { files = filesUnder(purgeplan); } catch { files = {}; }
    return { result, files };
  } finally {
    site.remove();
  }
}

describe('Cloudflare answers are escaped where they are read, for every reader', () => {
  it('error messages (and error_chain) of a refused purge: human output, --json events', async () => {
    const server = await hostileCloudflare({
      purge: (_q, _b, response) => answer(response, 400, { success: false, errors: [{ code: 1016, message: HOSTILE, error_chain: [{ code: 6111, message: `chain ${HOSTILE}` }] }], messages: [], result: null }),
    });
    try {
      const human = await applyAgainst(server);
      assert.equal(human.result.code, 1, human.result.stderr);
      assertSafe('stdout', human.result.stdout);
      assertSafe('stderr', human.result.stderr);
      // Still there to read, as escapes.
      assert.match(human.result.stdout, /1016 bad\\u001b\[31mred\\u001b\[2J\\u001b\]8;;http:\/\/evil\.example\/\\u0007click/);
      assert.match(human.result.stdout, /\\u000dOK \\u202egnp\.exe\\u2066x\\u2069 \\u009b2J/);

      const json = await applyAgainst(server, ['--json']);
      assert.equal(json.result.code, 1, json.result.stderr);
      assertJsonSafe('apply --json', json.result.stdout);
      assertSafe('stderr', json.result.stderr);
      const failed = jsonLines(json.result.stdout).find((e) => (e as { type: string }).type === 'request_failed') as { errors: { message: string }[] };
      assert.match(failed.errors[0]!.message, /^bad\\u001b\[31mred/);
      assert.match(failed.errors[0]!.message, /chain bad\\u001b/);
      for (const text of Object.values(json.files)) assertJsonSafe('a file of .purgeplan', text);
    } finally {
      await server.close();
    }
  });

  it('the id of an accepted purge: the progress line, --json and the journal', async () => {
    const server = await hostileCloudflare({ purge: (_q, _b, response) => answer(response, 200, { success: true, errors: [], messages: [], result: { id: `zone${HOSTILE}` } }) });
    try {
      const human = await applyAgainst(server);
      assert.equal(human.result.code, 0, human.result.stderr);
      assertSafe('stdout', human.result.stdout);
      assertSafe('stderr', human.result.stderr);
      assert.match(human.result.stdout, /id=zonebad\\u001b\[31mred/);
      const journals = Object.entries(human.files).filter(([path]) => path.endsWith('.journal'));
      assert.equal(journals.length, 1, Object.keys(human.files).join(', '));
      assertJsonSafe('the journal', journals[0]![1]);
      assert.match(journals[0]![1], /zonebad\\\\u001b/);

      const json = await applyAgainst(server, ['--json']);
      assert.equal(json.result.code, 0, json.result.stderr);
      assertJsonSafe('apply --json', json.result.stdout);
      const done = jsonLines(json.result.stdout).filter((e) => (e as { type: string }).type === 'request_done') as { id: string }[];
      assert.ok(done.length > 0 && done.every((e) => e.id.startsWith('zonebad\\u001b[31m')), JSON.stringify(done));
    } finally {
      await server.close();
    }
  });

  it("a token's status from tokens/verify", async () => {
    const server = await hostileCloudflare({
      verify: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: 'tok', status: `disabled${HOSTILE}` } }),
      purge: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: 'x' } }),
    });
    try {
      for (const args of [[], ['--json']]) {
        const { result } = await applyAgainst(server, args);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /the API token in CLOUDFLARE_API_TOKEN is disabledbad\\u001b\[31mred/);
        assertSafe('stderr', result.stderr);
        if (args.length > 0) assertJsonSafe('stdout', result.stdout);
        else assertSafe('stdout', result.stdout);
      }
      assert.ok(!server.paths.some((p) => p.includes('purge_cache')), 'nothing was purged');
    } finally {
      await server.close();
    }
  });

  it('zone ids and errors of a zone lookup by name', async () => {
    const ids = [`id1${HOSTILE}`, 'id2'];
    const lookup = await hostileCloudflare({
      zones: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: ids.map((id) => ({ id, name: 'example.com' })) }),
      purge: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: 'x' } }),
    });
    const refused = await hostileCloudflare({
      zones: (_q, _b, response) => answer(response, 403, { success: false, errors: [{ code: 9109, message: HOSTILE }], result: null }),
      purge: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: 'x' } }),
    });
    try {
      const several = await applyAgainst(lookup, [], config('name: example.com'));
      assert.equal(several.result.code, 1, several.result.stderr);
      assert.match(several.result.stderr, /2 zones are named example\.com/);
      assert.match(several.result.stderr, /id1bad\\u001b\[31mred/);
      assertSafe('stderr', several.result.stderr);
      assertSafe('stdout', several.result.stdout);

      const failed = await applyAgainst(refused, ['--json'], config('name: example.com'));
      assert.equal(failed.result.code, 1, failed.result.stderr);
      assert.match(failed.result.stderr, /could not look up zone example\.com.*9109 bad\\u001b\[31mred/);
      assertSafe('stderr', failed.result.stderr);
      assertJsonSafe('stdout', failed.result.stdout);
    } finally {
      await lookup.close();
      await refused.close();
    }
  });

  it('drift: the messages of a ruleset read', async () => {
    const server = await fakeServer((_q, _b, response) => answer(response, 400, { success: false, errors: [{ code: 7003, message: HOSTILE }], result: null }));
    const site = new Site().write('purge.yaml', config());
    try {
      for (const args of [[], ['--json']]) {
        const result = await site.run(['drift', '--max-retries', '0', '--api-url', `${server.url}/client/v4`, ...args], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
        assert.equal(result.code, 1, result.stderr);
        assert.match(`${result.stdout}${result.stderr}`, /bad\\u001b\[31mred/);
        assertSafe('stderr', result.stderr);
        assertSafe('stdout', result.stdout);
        if (args.length > 0) for (const s of stringsOf(JSON.parse(result.stdout))) assertSafe('a string in drift --json', s);
      }
    } finally {
      site.remove();
      await server.close();
    }
  });
});

describe('what drift reads as sent: a Cache Rule expression keeps its line breaks', () => {
  it('a multi-line expression still evaluates (drift --strict: no drift), while the rule id is escaped', async () => {
    const id = `r1${'\u001b[2J'}`;
    const ruleset = {
      id: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', name: 'default', kind: 'zone', phase: 'http_request_cache_settings', version: '1',
      rules: [{
        id, ref: id, version: '1', enabled: true, description: 'Posts', action: 'set_cache_settings',
        expression: '(http.host eq "example.com")\n  and\tstarts_with(http.request.uri.path, "/a")',
        action_parameters: { cache: true, cache_key: { cache_by_device_type: true } },
      }],
    };
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }], rulesets: { [ZONE_ID]: { http_request_cache_settings: ruleset } } });
    const site = new Site().write('purge.yaml', config());
    try {
      const same = await site.run(['drift', '--strict', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      // The rule keys on the device type, purge.yaml does not: drift, found by evaluating the expression.
      assert.equal(same.code, 2, `${same.stdout}${same.stderr}`);
      assert.doesNotMatch(`${same.stdout}${same.stderr}`, /unreadable/);
      assert.match(`${same.stdout}${same.stderr}`, /id "r1\\\\u001b\[2J"/);
      assertSafe('stdout', same.stdout);
      assertSafe('stderr', same.stderr);
    } finally {
      site.remove();
      await standin.close();
    }
  });
});

describe('--json documents carry no raw terminal control, whatever the strings hold', () => {
  it('drift --json with a rule description holding C1 controls, bidi overrides and a line separator', async () => {
    const ruleset = {
      id: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', name: 'default', kind: 'zone', phase: 'http_request_cache_settings', version: '1',
      rules: [{
        id: 'r1', ref: 'r1', version: '1', enabled: true, description: 'Posts \u009b2J \u202egnp.exe \u2066x\u2069 \u2028next \u007f', action: 'set_cache_settings',
        expression: '(http.host eq "example.com")',
        action_parameters: { cache: true, cache_key: { cache_by_device_type: true } },
      }],
    };
    const standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }], rulesets: { [ZONE_ID]: { http_request_cache_settings: ruleset } } });
    const site = new Site().write('purge.yaml', config());
    try {
      const result = await site.run(['drift', '--json', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
      assertSafe('drift --json', result.stdout);
      // Still the same document to a JSON parser: the escapes are JSON's own.
      const document = JSON.parse(result.stdout) as { drift: boolean };
      assert.equal(document.drift, true);
    } finally {
      site.remove();
      await standin.close();
    }
  });
});

describe('GitHub and GitLab error messages are escaped', () => {
  it('GitHub: a refused comment (422) and a read-only refusal (403 warning)', async () => {
    for (const status of [422, 403]) {
      const github = await startGitHubStandin({ tokens: [GITHUB_TOKEN], fault: (request) => (request.method === 'POST' && request.path.endsWith('/comments') ? { status, message: HOSTILE } : undefined) });
      const site = new Site().write('purge.yaml', smallConfig());
      try {
        const result = await site.run(['comment', 'github', '--all', '--pull-request', '7'], {
          env: { GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_GRAPHQL_URL: github.graphqlUrl, GITHUB_REPOSITORY: 'octo/site' },
        });
        assert.equal(result.code, status === 403 ? 0 : 1, result.stderr);
        assert.match(result.stderr, new RegExp(`GitHub answered ${status} to POST \\S+: bad\\\\u001b\\[31mred`));
        assertSafe('stderr', result.stderr);
        assertSafe('stdout', result.stdout);
      } finally {
        site.remove();
        await github.close();
      }
    }
  });

  it('GitLab: an error message, a JSON message object and a non-JSON error page', async () => {
    const bodies: [number, string][] = [
      [400, JSON.stringify({ message: HOSTILE })],
      [400, JSON.stringify({ message: { note: [HOSTILE] } })],
      [401, JSON.stringify({ error: HOSTILE })],
      [418, `<html>\n${HOSTILE}\n</html>`],
    ];
    for (const [status, text] of bodies) {
      const gitlab = await fakeServer((request, _b, response) => {
        if (request.method === 'GET' && /\/notes\?/.test(request.url ?? '')) return answer(response, 200, []);
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(text);
      });
      const site = new Site().write('purge.yaml', smallConfig());
      try {
        const result = await site.run(['comment', 'gitlab', '--all', '--merge-request', '3'], {
          env: { GITLAB_TOKEN, CI_API_V4_URL: `${gitlab.url}/api/v4`, CI_PROJECT_ID: '42' },
        });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`GitLab answered ${status} to POST \\S+: .*bad\\\\u001b\\[31mred`));
        assertSafe('stderr', result.stderr);
        assertSafe('stdout', result.stdout);
      } finally {
        site.remove();
        await gitlab.close();
      }
    }
  });
});

describe('the zone read of apply\'s identity check is escaped', () => {
  it('a zone name with ESC sequences and bidi overrides: the refusal on stderr and in --json', async () => {
    const server = await hostileCloudflare({
      zone: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: ZONE_ID, name: `evil${HOSTILE}.example` } }),
      purge: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: 'x' } }),
    });
    try {
      for (const args of [[], ['--json']]) {
        const { result } = await applyAgainst(server, args);
        assert.equal(result.code, 1);
        assertSafe('stdout', result.stdout);
        assertSafe('stderr', result.stderr);
        if (args.length > 0) assertJsonSafe('apply --json', result.stdout);
        assert.match(result.stderr, /zone www: id 023e… is evilbad\\u001b\[31mred/);
      }
      assert.equal(server.paths.filter((path) => path.startsWith('POST')).length, 0, 'nothing purged');
    } finally {
      await server.close();
    }
  });
});

describe('the edge: what apply --verify reads from its answers is escaped', () => {
  it('a cf-cache-status with C1 controls and bidi bytes reaches neither the report nor --json raw', async () => {
    // Node's HTTP server will not send such a header; a raw socket does, and undici takes bytes
    // 0x80-0xff (latin1): 0x9b is the C1 CSI, and U+202E arrives as its UTF-8 bytes.
    const edgeLog: string[] = [];
    const edge = createNetServer((socket) => {
      socket.once('data', (data) => {
        edgeLog.push(data.toString('latin1').split('\r\n')[0]!);
        socket.end(Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\ncf-cache-status: HIT', 'latin1'),
          Buffer.from([0x9b, 0x32, 0x4a, 0x85, 0xe2, 0x80, 0xae]),
          Buffer.from('\r\ncontent-length: 0\r\nconnection: close\r\n\r\n', 'latin1'),
        ]));
      });
    });
    await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
    const port = (edge.address() as AddressInfo).port;
    const server = await hostileCloudflare({ purge: (_q, _b, response) => answer(response, 200, { success: true, errors: [], result: { id: 'x' } }) });
    try {
      for (const args of [[], ['--json']]) {
        const { result } = await applyAgainst(server, ['--verify', '2', '--verify-settle', '0', '--connect-to', `example.com:80:127.0.0.1:${port}`, ...args],
          config().replace(/https:/g, 'http:'));
        assert.ok(edgeLog.length > 0, 'the edge was asked');
        assertSafe('stdout', result.stdout);
        assertSafe('stderr', result.stderr);
        if (args.length > 0) assertJsonSafe('apply --verify --json', result.stdout);
        assert.match(result.stdout, /HIT\\+u009b2J\\+u0085/);
      }
    } finally {
      await server.close();
      await new Promise((resolve) => edge.close(resolve));
    }
  });
});

/** What GitHub or GitLab would act on in markdown, outside code fences: a mention, a reference, a link, raw HTML. */
function activeMarkup(markdown: string): string[] {
  const found: string[] = [];
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^`{3,}/.test(line)) { fence = !fence; continue; }
    if (fence) continue;
    // A code span is literal text to GitHub and GitLab: no mention, reference, link or HTML in it.
    const text = line.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
    for (const m of text.matchAll(/(^|[^\w`])@[A-Za-z0-9][\w/-]*/g)) found.push(m[0].trim());
    for (const m of text.matchAll(/(^|[^\w&])#\d+/g)) found.push(m[0].trim());
    for (const m of text.matchAll(/(?<!\\)\[[^\]]*(?<!\\)\]\([^)]*\)/g)) found.push(m[0]);
    for (const m of text.matchAll(/<(?!\/?(details|summary|b|code)\b)[a-z][^>]*>/gi)) found.push(m[0]);
  }
  return found;
}

describe('the one markdown escaper: values from logs in coverage --markdown', () => {
  it('a missed Accept-Language value with a mention, a reference, a link and ESC is inert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purgeplan-markdown-'));
    try {
      writeFileSync(join(dir, 'purge.yaml'), configYaml({
        zones: { www: { id: ZONE_ID, name: 'example.com', plan: 'enterprise', cache_key: 'pages' } },
        cache_keys: { pages: { lang: true } },
        groups: { posts: { urls: ['https://www.example.com/posts/a/'], variants: { lang: ['ja'] } } },
      }));
      const value = '@someone #1 [x](http://evil) <img src=x> \u001b[2J \u202eevil';
      writeFileSync(join(dir, 'access.log'), `${logLine({ url: 'https://www.example.com/posts/a/', headers: { 'accept-language': value } })}\n`);
      const result = runCli(['coverage', '--logs', 'access.log', '--markdown'], dir);
      assert.equal(result.status, 2, result.stderr);
      assertSafe('coverage --markdown', result.stdout);
      assert.deepEqual(activeMarkup(result.stdout), []);
      // Still there to read.
      assert.match(result.stdout, /@&#8203;someone #&#8203;1 \\\[x\\\]\(http:&#8203;\/\/evil\) &lt;img src=x&gt; \\\\u001b\\\[2J \\\\u202eevil/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
