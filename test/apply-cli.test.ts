// `purgeplan apply` through the built CLI against the Cloudflare stand-in (docs/commands.md#apply, docs/commands.md):
// what a release pipeline sees. The engine's own cases are in apply-run.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StandinOptions } from './support/cloudflare-standin.js';
import { TOKEN, withStandinSite, ZONE_ID } from './support/site.js';

function config(pages = 40): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  pages:
    urls: ["https://www.example.com/p/{1..${pages}}"]
  tagged:
    tags: [release]
`;
}

const withSite = withStandinSite;

const sentFiles = (standin: { accepted: { body: { files?: string[] } }[] }) => standin.accepted.flatMap((a) => a.body.files ?? []);

/** Every file under the site, read as text: where a leaked token would be. */
function everyFile(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

describe('apply: refusals happen before anything is sent', () => {
  it('a missing or empty token names the variable; nothing is sent', async () => {
    await withSite({}, config(), async (site, standin) => {
      for (const env of [{}, { CLOUDFLARE_API_TOKEN: '' }]) {
        const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
        assert.equal(result.code, 1);
        assert.match(result.stderr, /CLOUDFLARE_API_TOKEN/);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
      }
      assert.equal(standin.log.length, 0);
    });
  });

  it('a token_env of its own is read and named', async () => {
    await withSite({}, config().replace('plan: pro }', 'plan: pro, token_env: SHOP_CF_TOKEN }'), async (site, standin) => {
      const missing = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /SHOP_CF_TOKEN/);
      const ok = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { SHOP_CF_TOKEN: TOKEN } });
      assert.equal(ok.code, 0, ok.stderr);
    });
  });

  it('without a terminal and without --auto-approve, apply refuses', async () => {
    await withSite({}, config(), async (site, standin) => {
      const result = await site.run(['apply', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN }, input: 'yes\n' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--auto-approve/);
      assert.equal(standin.log.length, 0);
    });
  });

  it('a plain-http API URL is refused unless it is loopback', async () => {
    await withSite({}, config(), async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', 'http://api.example.com/client/v4'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /http/i);
      const viaEnv = await site.run(['apply', '--auto-approve'], { env: { CLOUDFLARE_API_TOKEN: TOKEN, PURGEPLAN_API_URL: 'http://10.0.0.1/client/v4' } });
      assert.equal(viaEnv.code, 1);
      assert.equal(standin.log.length, 0);
    });
  });

  it('a wrong token fails at verification with Cloudflare\'s answer, and never shows the token', async () => {
    await withSite({}, config(), async (site, standin) => {
      const wrong = 'cfut_wrongwrongwrongwrongwrongwrongwrongwrong99';
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: wrong } });
      assert.equal(result.code, 1);
      assert.equal(standin.accepted.length, 0);
      assert.ok(!(result.stdout + result.stderr).includes(wrong), 'the token is not printed');
      assert.ok(!everyFile(site.dir).includes(wrong), 'the token is in no file');
    });
  });
});

describe('token verification', () => {
  it('an API without the verify endpoint (404): the first purge decides, and the rest follow', async () => {
    const fault: StandinOptions['fault'] = (ctx) => (ctx.path.endsWith('/user/tokens/verify') ? { kind: 'status', status: 404, errors: [{ code: 7000, message: 'No route for that URI' }] } : undefined);
    await withSite({ fault }, config(), async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(sentFiles(standin).length, 40);
    });
  });

  it('the same API refusing the token at the first purge: nothing more is sent, exit 1', async () => {
    const fault: StandinOptions['fault'] = (ctx) => (ctx.path.endsWith('/user/tokens/verify') ? { kind: 'status', status: 404 }
      : ctx.method === 'POST' ? { kind: 'status', status: 403, errors: [{ code: 10000, message: 'Authentication error' }] } : undefined);
    await withSite({ fault }, config(), async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stdout + result.stderr, /10000/);
      assert.equal(standin.log.filter((r) => r.method === 'POST').length, 1, 'only the first purge went out');
    });
  });
});

describe('apply PLANFILE', () => {
  it('sends exactly the saved plan without asking, then records the state', async () => {
    await withSite({}, config(), async (site, standin) => {
      const saved = await site.run(['plan', '--out', 'release.plan']);
      assert.equal(saved.code, 0, saved.stderr);
      assert.match(saved.stdout, /purgeplan apply release\.plan/);
      const plan = JSON.parse(site.read('release.plan')) as { requests: { body: unknown }[] };
      const shown = await site.run(['show', 'release.plan', '--json']);
      assert.equal(shown.stdout, site.read('release.plan'));
      const result = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(standin.accepted.map((a) => a.body), plan.requests.map((r) => r.body));
      assert.match(result.stdout, /id=[0-9a-f]{32}/);
      assert.ok(site.read('.purgeplan/state.json').includes('"pages"'));
      assert.ok(!everyFile(site.dir).includes(TOKEN), 'the token is in no plan, state or journal');
    });
  });

  it('refuses a stale plan: the configuration changed, or another apply changed the state', async () => {
    await withSite({}, config(), async (site, standin) => {
      assert.equal((await site.run(['plan', '--out', 'a.plan'])).code, 0);
      site.write('purge.yaml', config(41));
      let result = await site.run(['apply', 'a.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /stale/);
      assert.equal(standin.log.length, 0);

      assert.equal((await site.run(['plan', '--out', 'b.plan'])).code, 0);
      // A different plan made against the same state (same inputs, other groups).
      assert.equal((await site.run(['plan', '--group', 'pages', '--out', 'c.plan'])).code, 0);
      assert.equal((await site.run(['apply', 'b.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } })).code, 0);
      const sent = standin.log.length;
      result = await site.run(['apply', 'c.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /stale.*state/);
      assert.equal(standin.log.length, sent, 'nothing more was sent');

      // Re-running the plan that made the state is not stale; its apply completed, so its journal
      // can no longer make anything skip (docs/commands.md): it is sent again in full.
      result = await site.run(['apply', 'b.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(standin.accepted.filter((a) => a.body.files).length, 4);
    });
  });

  it('Ctrl-C stops new requests, saves, exits 130; re-running sends only the rest', async () => {
    // Slow answers so that the interrupt lands mid-run; 30 files a request on the pro plan.
    await withSite({ fault: (ctx) => (ctx.purgeSeq !== undefined ? { kind: 'delay', ms: 150 } : undefined) }, config(300), async (site, standin) => {
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      const total = (JSON.parse(site.read('release.plan')) as { requests: unknown[] }).requests.length;
      assert.equal(total, 11);
      const first = await site.run(['apply', 'release.plan', '--api-url', standin.url, '--concurrency', '1'], {
        env: { CLOUDFLARE_API_TOKEN: TOKEN },
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (standin.accepted.length >= 3) {
              clearInterval(timer);
              child.kill('SIGINT');
            }
          }, 10);
        },
      });
      assert.equal(first.code, 130, first.stderr);
      const afterFirst = standin.accepted.length;
      assert.ok(afterFirst >= 3 && afterFirst < total, `interrupted after ${afterFirst} of ${total}`);
      const journal = site.read('.purgeplan/state.json.journal').trim().split('\n').map((line) => JSON.parse(line) as { type: string });
      assert.equal(journal.filter((line) => line.type === 'request').length, afterFirst, 'every accepted request is journaled');

      const second = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(second.code, 0, second.stderr);
      const files = sentFiles(standin);
      assert.equal(files.length, 300, 'every URL purged');
      assert.equal(new Set(files).size, 300, 'nothing resent');
      assert.equal(standin.accepted.filter((a) => a.body.tags).length, 1);
    });
  });
});

describe('apply output', () => {
  it('--json prints one JSON event per line, ending with a summary', async () => {
    await withSite({}, config(), async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--json', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string });
      assert.equal(events[0].type, 'start');
      assert.equal(events[events.length - 1].type, 'summary');
      assert.equal(events.filter((e) => e.type === 'request_done').length, standin.accepted.length);
    });
  });

  it('--json: a refusal before planning ends with a summary of the same fields as a run\'s', async () => {
    await withSite({}, config(), async (site, standin) => {
      const sent = await site.run(['apply', '--auto-approve', '--json', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      const refused = await site.run(['apply', '--auto-approve', '--json', '--api-url', standin.url, '--connect-to', 'www.example.com:443:127.0.0.1:1'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(refused.code, 1);
      const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
      const summary = last(refused.stdout);
      assert.deepEqual(summary, {
        type: 'summary', ok: false, interrupted: false, requests: 0, done: 0, skipped: 0, failed: 0, not_sent: 0,
        rate_limited: 0, elapsed_ms: 0, completed_groups: [], failures: [], error: '--connect-to directs the requests of --verify and --warm: give --verify N or --warm too, or --wait-for URL (its polls too)',
      });
      assert.deepEqual(Object.keys(summary).filter((key) => key !== 'error'), Object.keys(last(sent.stdout)));
    });
  });

  it('a 4xx on one request is reported with Cloudflare\'s code and message; the others still go; exit 1', async () => {
    const fault: StandinOptions['fault'] = (ctx) => ((ctx.body as { tags?: unknown } | undefined)?.tags ? { kind: 'status', status: 400, errors: [{ code: 1020, message: 'Invalid tag in request' }] } : undefined);
    await withSite({ fault }, config(), async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 1);
      assert.match(result.stdout + result.stderr, /1020/);
      assert.match(result.stdout + result.stderr, /Invalid tag in request/);
      assert.equal(sentFiles(standin).length, 40);
    });
  });

  it('429s and 500s on the way: every item arrives exactly once, exit 0', async () => {
    const fault: StandinOptions['fault'] = (ctx) => (ctx.purgeSeq === 1 ? { kind: 'status', status: 429, retryAfterSeconds: 1 } : ctx.purgeSeq === 2 ? { kind: 'status', status: 500 } : ctx.purgeSeq === 3 ? { kind: 'reset' } : undefined);
    await withSite({ fault }, config(100), async (site, standin) => {
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const files = sentFiles(standin);
      assert.equal(files.length, 100);
      assert.equal(new Set(files).size, 100);
    });
  });
});
