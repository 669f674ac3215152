// One form per `files` body (Cloudflare's published schema and SDK types): a body is all plain
// URL strings or all `{url, headers}` objects. A request mixing items with and without headers
// sends the header-less ones as `{"url": …}` with no `headers` key; bodies of one form keep their
// bytes. Checked on what the Cloudflare stand-in receives from the built CLI, and on the plan.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const CONFIG = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
cache_keys:
  lang: { lang: true }
groups:
  cors:
    urls: ["https://www.example.com/api/{a,b}.json"]
    variants: { headers: { origin: ["https://app.example.com"] } }
  plain:
    urls: ["https://www.example.com/plain/{1..2}/"]
  localized:
    cache_key: lang
    urls: ["https://www.example.com/intro/"]
    variants: { lang: { values: [ja, en], absent: false } }
`;

type Body = { files?: unknown[] };
const forms = (files: readonly unknown[]) => [...new Set(files.map((f) => (typeof f === 'string' ? 'string' : 'object')))];

describe('files bodies: one form per body', () => {
  let standin: Standin;
  let site: Site;
  before(async () => {
    standin = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'pro', account_id: 'acc1' }] });
    site = new Site().write('purge.yaml', CONFIG);
  });
  after(async () => {
    await standin.close();
    site.remove();
  });

  it('plan --json: a body mixing items with and without headers is all objects, the header-less ones {url}', async () => {
    const result = await site.run(['plan', '--json', '--group', 'cors']);
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as { requests: { body: Body }[] };
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      { url: 'https://www.example.com/api/a.json' },
      { url: 'https://www.example.com/api/a.json', headers: { origin: 'https://app.example.com' } },
      { url: 'https://www.example.com/api/b.json' },
      { url: 'https://www.example.com/api/b.json', headers: { origin: 'https://app.example.com' } },
    ] }]);
    assert.match(result.stdout, /"files":\[\{"url":"https:\/\/www\.example\.com\/api\/a\.json"\},\{"url":/);
  });

  it('bodies of one form keep their bytes: strings stay strings, objects stay objects', async () => {
    const plain = await site.run(['plan', '--json', '--group', 'plain']);
    assert.match(plain.stdout, /"body":\{"files":\["https:\/\/www\.example\.com\/plain\/1\/","https:\/\/www\.example\.com\/plain\/2\/"\]\}/);
    const localized = await site.run(['plan', '--json', '--group', 'localized']);
    assert.match(localized.stdout, /"body":\{"files":\[\{"url":"https:\/\/www\.example\.com\/intro\/","headers":\{"accept-language":"en"\}\},\{"url":"https:\/\/www\.example\.com\/intro\/","headers":\{"accept-language":"ja"\}\}\]\}/);
  });

  it('apply sends every files body in one form; a mixed request sends {url} for the header-less items', async () => {
    const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
    assert.equal(result.code, 0, result.stderr);
    const bodies = standin.accepted.map((a) => a.body as Body).filter((b) => b.files !== undefined);
    assert.ok(bodies.length > 0);
    for (const body of bodies) assert.equal(forms(body.files!).length, 1, JSON.stringify(body));
    const entries = bodies.flatMap((b) => b.files!);
    // Items with and without headers share a request (30 files per request on pro): plain URLs are objects there.
    assert.ok(entries.some((e) => typeof e === 'object' && !('headers' in (e as object))), 'a header-less item sent as {url}');
    for (const e of entries) if (typeof e === 'object') assert.deepEqual(Object.keys(e as object).filter((k) => k !== 'url' && k !== 'headers'), []);
    assert.deepEqual(entries.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).sort(), [
      '{"url":"https://www.example.com/api/a.json","headers":{"origin":"https://app.example.com"}}',
      '{"url":"https://www.example.com/api/a.json"}',
      '{"url":"https://www.example.com/api/b.json","headers":{"origin":"https://app.example.com"}}',
      '{"url":"https://www.example.com/api/b.json"}',
      '{"url":"https://www.example.com/intro/","headers":{"accept-language":"en"}}',
      '{"url":"https://www.example.com/intro/","headers":{"accept-language":"ja"}}',
      '{"url":"https://www.example.com/plain/1/"}',
      '{"url":"https://www.example.com/plain/2/"}',
    ]);
  });

  it('a saved plan with a mixed body is shown and applied as saved (the rebuilt plan is the same document)', async () => {
    const saved = await site.run(['plan', '--all', '--out', 'mixed.plan']);
    assert.equal(saved.code, 0, saved.stderr);
    const shown = await site.run(['show', 'mixed.plan', '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, site.read('mixed.plan'));
    const explained = await site.run(['explain', 'https://www.example.com/plain/1/', '--plan', 'mixed.plan']);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /purged/i);
    const before = standin.accepted.length;
    const applied = await site.run(['apply', 'mixed.plan', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    const sent = standin.accepted.slice(before).map((a) => a.body as Body);
    const planned = (JSON.parse(site.read('mixed.plan')) as { requests: { body: Body }[] }).requests.map((r) => r.body);
    assert.deepEqual(sent, planned);
  });
});
