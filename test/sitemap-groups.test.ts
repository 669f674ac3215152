// Sitemap groups end to end (docs/purge-yaml.md, "Groups from the deploy"): the <loc> entries of
// a sitemap (indexes followed, .xml.gz read) are the group's URLs; after an apply, an entry is
// due when added, removed or its <lastmod> changed; entries without <lastmod> are counted once in
// a warning; malformed XML is an error at file:line:col, nothing sent. Against the stand-in.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, withStandinSite, ZONE_ID } from './support/site.js';

const env = { CLOUDFLARE_API_TOKEN: TOKEN };

function config(sitemap = 'public/sitemap.xml'): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  docs:
    zone: www
    sitemap: ${sitemap}
`;
}

function urlset(entries: readonly [string, string?][]): string {
  const body = entries.map(([loc, lastmod]) => `  <url><loc>${loc}</loc>${lastmod ? `<lastmod>${lastmod}</lastmod>` : ''}</url>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</urlset>\n`;
}

const purged = (standin: Standin, from = 0): string[] => standin.accepted.slice(from).flatMap((a) => ((a.body as { files?: string[] }).files ?? [])).sort();

interface PlanJson {
  groups: { status: string; source?: { kind: string; count: number; without_lastmod?: number; baseline: { kind: string } }; changes?: { added: string[]; changed: string[]; removed: string[] } }[];
  requests: { body: { files?: string[] } }[];
}
const urlsOf = (plan: PlanJson): string[] => plan.requests.flatMap((r) => r.body.files ?? []).sort();

describe('sitemap groups', () => {
  it('purges every entry first, then those added, removed or whose lastmod changed', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      site.write('public/sitemap.xml', urlset([
        ['https://www.example.com/a/', '2024-01-01'], ['https://www.example.com/b/', '2024-01-01'],
        ['https://www.example.com/c/'], ['https://www.example.com/d/', '2024-01-01'],
      ]));
      const first = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(purged(standin).length, 4);
      assert.match(first.stderr, /purge\.yaml:7:14: warning: groups\.docs\.sitemap: 1 entry of public\/sitemap\.xml has no <lastmod>, so it is purged only when added or removed/);

      site.write('public/sitemap.xml', urlset([
        ['https://www.example.com/a/', '2024-02-01'], // lastmod changed
        ['https://www.example.com/b/', '2024-01-01'], // unchanged
        ['https://www.example.com/c/'], // no lastmod: never due unless added or removed
        ['https://www.example.com/e/'], // added
      ])); // d removed
      const plan = await site.run(['plan', '--json']);
      assert.equal(plan.code, 0, plan.stderr);
      const doc = JSON.parse(plan.stdout) as PlanJson;
      assert.equal(doc.groups[0]!.status, 'content');
      assert.deepEqual(doc.groups[0]!.changes, { added: ['https://www.example.com/e/'], changed: ['https://www.example.com/a/'], removed: ['https://www.example.com/d/'] });
      assert.equal(doc.groups[0]!.source?.without_lastmod, 2);
      assert.match(plan.stderr, /2 entries of public\/sitemap\.xml have no <lastmod>/);
      assert.deepEqual(urlsOf(doc), ['https://www.example.com/a/', 'https://www.example.com/d/', 'https://www.example.com/e/']);

      const before = standin.accepted.length;
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 0);
      assert.deepEqual(purged(standin, before), urlsOf(doc));
      const after = JSON.parse((await site.run(['plan', '--json'])).stdout) as PlanJson;
      assert.equal(after.groups[0]!.status, 'unchanged');
    });
  });

  it('follows a sitemap index to its gzip children, and does not purge the children themselves', async () => {
    await withStandinSite({}, config(), async (site) => {
      site.write('public/sitemap.xml', `<?xml version="1.0"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <sitemap><loc>https://www.example.com/posts.xml.gz</loc></sitemap>\n</sitemapindex>\n`);
      writeFileSync(join(site.dir, 'public/posts.xml.gz'), gzipSync(urlset([['https://www.example.com/p/1', '2024-01-01'], ['https://www.example.com/p/2', '2024-01-01']])));
      const plan = JSON.parse((await site.run(['plan', '--json'])).stdout) as PlanJson;
      assert.deepEqual(urlsOf(plan), ['https://www.example.com/p/1', 'https://www.example.com/p/2']);
      assert.equal(plan.groups[0]!.source?.count, 2);
    });
  });

  it('resolves relative entries against base_url, and skips them (warning) without one', async () => {
    await withStandinSite({}, config('{ file: public/sitemap.xml, base_url: "https://www.example.com/docs/" }'), async (site) => {
      site.write('public/sitemap.xml', urlset([['/a/', '2024-01-01'], ['b', '2024-01-01'], ['https://www.example.com/c', '2024-01-01']]));
      const plan = JSON.parse((await site.run(['plan', '--json'])).stdout) as PlanJson;
      assert.deepEqual(urlsOf(plan), ['https://www.example.com/a/', 'https://www.example.com/c', 'https://www.example.com/docs/b']);
      site.write('purge.yaml', config());
      const without = await site.run(['plan', '--json']);
      assert.equal(without.code, 0);
      assert.deepEqual(urlsOf(JSON.parse(without.stdout) as PlanJson), ['https://www.example.com/c']);
      assert.match(without.stderr, /skipped 2 entries whose <loc> is not an absolute http\(s\) URL: "\/a\/", "b"/);
    });
  });

  it('warns once, with their count, about entries outside the zone', async () => {
    await withStandinSite({}, config(), async (site) => {
      site.write('public/sitemap.xml', urlset([['https://www.example.com/a', '2024-01-01'], ['https://other.example.org/b', '2024-01-01'], ['https://other.example.org/c', '2024-01-01']]));
      const result = await site.run(['plan']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /purge\.yaml:7:14: warning: groups\.docs\.sitemap: 2 entries are not in zone "www" \(example\.com\), e\.g\. "https:\/\/other\.example\.org\/b"/);
    });
  });

  it('compares with --build-base when given', async () => {
    await withStandinSite({}, config(), async (site) => {
      site.write('public/sitemap.xml', urlset([['https://www.example.com/a/', '2024-02-01'], ['https://www.example.com/b/', '2024-01-01']]));
      const base = new Site().write('public/sitemap.xml', urlset([['https://www.example.com/a/', '2024-01-01'], ['https://www.example.com/b/', '2024-01-01']]));
      try {
        const plan = JSON.parse((await site.run(['plan', '--json', '--build-base', base.dir])).stdout) as PlanJson;
        assert.equal(plan.groups[0]!.source?.baseline.kind, 'build-base');
        assert.deepEqual(urlsOf(plan), ['https://www.example.com/a/']);
      } finally {
        base.remove();
      }
    });
  });

  it('malformed XML is an error at file:line:col, and nothing is sent', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      site.write('public/sitemap.xml', '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n  <url><loc>https://www.example.com/a</lo></url>\n</urlset>\n');
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^public\/sitemap\.xml:3:\d+: error: /m);
      assert.equal(standin.accepted.length, 0);
      assert.doesNotMatch(result.stderr, /internal error/);
    });
  });

  it('a missing sitemap is an error at its entry', async () => {
    await withStandinSite({}, config(), async (site) => {
      const result = await site.run(['plan']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /purge\.yaml:7:14: error: groups\.docs\.sitemap: "public\/sitemap\.xml" does not exist/);
    });
  });

  it('the pull-request comment lists the changed entries', async () => {
    await withStandinSite({}, config(), async (site, standin) => {
      site.write('public/sitemap.xml', urlset([['https://www.example.com/a/', '2024-01-01']]));
      assert.equal((await site.run(['apply', '--record-only', '--auto-approve', '--api-url', standin.url], { env: {} })).code, 0);
      site.write('public/sitemap.xml', urlset([['https://www.example.com/a/', '2024-01-02'], ['https://www.example.com/[b]', '2024-01-01']]));
      const markdown = await site.run(['plan', '--markdown']);
      assert.equal(markdown.code, 0, markdown.stderr);
      assert.match(markdown.stdout, /content changed: 1 added, 1 changed, 0 removed · 2 entries of public\/sitemap\.xml, against the state \.purgeplan\/state\.json/);
      assert.match(markdown.stdout, /```diff\n\+ https:\/\/www\.example\.com\/\[b\]\n± https:\/\/www\.example\.com\/a\/\n {2}variants: none \(each URL is sent without headers\)\n```/);
    });
  });
});
