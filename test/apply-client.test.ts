// The HTTP client: base URL rules, envelope parsing, and that a token never leaks (docs/commands.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UserError } from '../src/errors.js';
import type { ApiOutcome } from '../src/cloudflare/client.js';
import { createClient, describeTransportError, isLoopbackHost, makeScrubber, parseApiUrl, parseEnvelope } from '../src/cloudflare/client.js';

const TOKEN = 'cfut_SeCrEt0123456789abcdefghijklmnopqrstuvwx';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => { for (const s of sockets) s.destroy(); });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4` };
}

describe('API base URL', () => {
  for (const url of ['https://api.cloudflare.com/client/v4', 'https://api.cloudflare.com/client/v4/', 'http://127.0.0.1:8080/client/v4', 'http://127.1.2.3/x', 'http://localhost:9/client/v4', 'http://[::1]:9/client/v4', 'http://[::ffff:127.0.0.1]/v4', 'HTTP://LOCALHOST/v4']) {
    it(`accepts ${url}`, () => {
      const parsed = parseApiUrl(url);
      assert.ok(!parsed.pathname.endsWith('/'));
    });
  }

  for (const [url, pattern] of [
    ['http://api.cloudflare.com/client/v4', /refusing plain http API URL "http:\/\/api.cloudflare.com\/client\/v4": the token would travel in clear text/],
    ['http://10.0.0.1/client/v4', /refusing plain http/],
    ['http://localhost.example.com/v4', /refusing plain http/],
    ['http://[::2]/v4', /refusing plain http/],
    ['ftp://127.0.0.1/v4', /must use https:/],
    ['api.cloudflare.com/client/v4', /not an absolute URL/],
    ['https://user:pw@api.cloudflare.com/client/v4', /must not carry credentials/],
    ['https://api.cloudflare.com/client/v4?x=1', /query string or fragment/],
  ] as const) {
    it(`refuses ${url}`, () => {
      assert.throws(() => parseApiUrl(url), (error: unknown) => error instanceof UserError && pattern.test(error.message));
    });
  }

  it('loopback hosts', () => {
    assert.deepEqual(['localhost', '127.0.0.1', '127.255.0.9', '[::1]', '[::ffff:7f00:1]', 'example.com', '128.0.0.1', '[::]'].map(isLoopbackHost), [true, true, true, true, true, false, false, false]);
  });
});

describe('envelope', () => {
  const scrub = makeScrubber([TOKEN]);
  it('reads success, errors (with error_chain) and result', () => {
    const envelope = parseEnvelope(JSON.stringify({
      success: false, messages: [], result: null,
      errors: [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }],
    }), scrub);
    assert.deepEqual(envelope, { success: false, result: null, errors: [{ code: 6003, message: 'Invalid request headers (6111: Invalid format for Authorization header)' }] });
  });

  it('is null for a body that is not a JSON object', () => {
    assert.equal(parseEnvelope('<html>502 Bad Gateway</html>', scrub), null);
    assert.equal(parseEnvelope('[]', scrub), null);
    assert.equal(parseEnvelope('', scrub), null);
  });

  it('scrubs a token echoed in an error message, raw, URL-encoded or JSON-escaped', () => {
    const envelope = parseEnvelope(JSON.stringify({ success: false, errors: [{ code: 1, message: `bad token ${TOKEN} / ${encodeURIComponent(TOKEN)}` }] }), scrub);
    assert.ok(!JSON.stringify(envelope).includes(TOKEN));
    assert.match(envelope!.errors[0].message, /bad token \[REDACTED\]/);
  });
});

describe('transport errors', () => {
  it('classifies by the codes of the error and its causes, and keeps no token', () => {
    const scrub = makeScrubber([TOKEN]);
    const withCause = (code: string, cause?: unknown): Error => Object.assign(new Error(`failed with Bearer ${TOKEN}`), { code, cause });
    assert.equal(describeTransportError(withCause('ECONNREFUSED'), scrub).reason, 'refused');
    assert.equal(describeTransportError(withCause('UND_ERR_SOCKET', withCause('ECONNRESET')), scrub).reason, 'reset');
    assert.equal(describeTransportError(withCause('UND_ERR_HEADERS_TIMEOUT'), scrub).reason, 'timeout');
    assert.equal(describeTransportError(withCause('EAI_AGAIN'), scrub).reason, 'network');
    const other = describeTransportError(withCause('UND_ERR_INVALID_ARG'), scrub);
    assert.equal(other.reason, 'other');
    assert.ok(!other.message.includes(TOKEN));
    assert.match(other.message, /\[REDACTED\]/);
  });
});

describe('client against a loopback server: the token never appears in what it reports', () => {
  /** Runs one request against a server with `handler` (or a closed port), always closing both. */
  async function exchange(handler: Parameters<typeof createServer>[1] | 'closed', token = TOKEN, requestTimeoutMs = 2000): Promise<ApiOutcome> {
    const { server, url } = await listen(handler === 'closed' ? () => {} : handler);
    if (handler === 'closed') await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = await createClient(parseApiUrl(url), { connections: 1, requestTimeoutMs, secrets: [token] });
    try {
      return await client.request('POST', '/zones/z/purge_cache', token, { tags: ['a'] });
    } finally {
      await client.close();
      server.close();
    }
  }

  const assertClean = (outcome: ApiOutcome, token = TOKEN): void => {
    const text = JSON.stringify(outcome);
    assert.ok(!text.includes(token), `token leaked: ${text}`);
  };

  it('sends Bearer auth and JSON, over one kept-alive connection', async () => {
    let connections = 0;
    const seen: { auth?: string; type?: string; body: string }[] = [];
    const { server, url } = await listen((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], body });
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-ratelimit-remaining', '3');
        res.end(JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'abc' } }));
      });
    });
    server.on('connection', () => connections++);
    const client = await createClient(parseApiUrl(url), { connections: 1, requestTimeoutMs: 2000, secrets: [TOKEN] });
    try {
      for (let i = 0; i < 3; i++) {
        const outcome = await client.request('POST', '/zones/z/purge_cache', TOKEN, { files: ['https://e.com/a&b'] });
        assertClean(outcome);
        assert.deepEqual(outcome.kind === 'response' && [outcome.status, outcome.headers['x-ratelimit-remaining'], outcome.envelope?.result], [200, '3', { id: 'abc' }]);
      }
      assert.deepEqual(seen[0], { auth: `Bearer ${TOKEN}`, type: 'application/json', body: '{"files":["https://e.com/a&b"]}' });
      assert.equal(connections, 1);
    } finally {
      await client.close();
      server.close();
    }
  });

  it('connection refused', async () => {
    const outcome = await exchange('closed');
    assertClean(outcome);
    assert.equal(outcome.kind === 'transport' && outcome.reason, 'refused');
  });

  it('connection reset', async () => {
    const outcome = await exchange((req) => (req.socket as Socket & { resetAndDestroy(): void }).resetAndDestroy());
    assertClean(outcome);
    assert.equal(outcome.kind === 'transport' && outcome.reason, 'reset');
  });

  it('timeout: the configured deadline, not the server, ends the exchange', async () => {
    // The server would answer after 10 s; the client's 150 ms deadline is a timer in this same
    // process, so it fires first whatever the load, and the answer never comes.
    let answered = false;
    const outcome = await exchange((req, res) => {
      const late = setTimeout(() => { answered = true; res.end('{}'); }, 10_000);
      req.socket.on('close', () => clearTimeout(late));
    }, TOKEN, 150);
    assertClean(outcome);
    assert.deepEqual(outcome.kind === 'transport' && [outcome.reason, outcome.message], ['timeout', 'no answer within 150 ms']);
    assert.equal(answered, false);
  });

  it('a server echoing the token in its errors', async () => {
    const outcome = await exchange((req, res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ success: false, errors: [{ code: 6003, message: `bad ${req.headers.authorization}` }] }));
    });
    assertClean(outcome);
    assert.deepEqual(outcome.kind === 'response' && outcome.envelope?.errors, [{ code: 6003, message: 'bad Bearer [REDACTED]' }]);
  });

  it('a proxy page instead of an envelope', async () => {
    const outcome = await exchange((_req, res) => { res.statusCode = 502; res.end('<html>bad gateway</html>'); });
    assert.deepEqual(outcome.kind === 'response' && [outcome.status, outcome.envelope], [502, null]);
  });

  it('a token undici refuses to put in a header', async () => {
    const bad = `${TOKEN}\r\nx-injected: 1`;
    const outcome = await exchange((_req, res) => res.end('{}'), bad);
    assertClean(outcome, bad);
    assertClean(outcome, TOKEN);
    assert.equal(outcome.kind, 'transport');
  });
});
