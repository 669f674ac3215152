// How a build's files map to URLs (docs/purge-yaml.md, "Mapping details"), the snapshot the state
// keeps of a build, and what a hostile build or purge.yaml gets: names that cannot form a URL,
// symbolic links out of the directory, a missing directory, two URL sources. Each rule as a row.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileUrls } from '../src/expand/listed.js';
import { normalizeUrl } from '../src/expand/normalize.js';
import { DEFAULT_CACHE_KEY } from '../src/config/types.js';
import { packSnapshot, snapshotBytes, snapshotDigest, unpackSnapshot } from '../src/reconcile/snapshot.js';
import { Site, ZONE_ID } from './support/site.js';

const base = 'https://www.example.com/';
const mapped = (path: string, index: string | null = 'index.html', cleanUrls: false | true | 'both' = false): string[] =>
  fileUrls(path, { baseUrl: base, index, cleanUrls }).flatMap((raw) => {
    const result = normalizeUrl(raw, DEFAULT_CACHE_KEY, null);
    if ('problem' in result) throw new Error(result.problem);
    return result.urls;
  });

describe('mapping a build file to its URLs', () => {
  const rows: [string, string, string | null, false | true | 'both', string[]][] = [
    ['the root index file is the base URL', 'index.html', 'index.html', false, [base]],
    ['an index file is its directory URL', 'a/b/index.html', 'index.html', false, [`${base}a/b/`]],
    ['an index file is its directory URL only, whatever clean_urls says (true)', 'a/index.html', 'index.html', true, [`${base}a/`]],
    ['an index file is its directory URL only, whatever clean_urls says (both)', 'a/index.html', 'index.html', 'both', [`${base}a/`]],
    ['index: another name', 'docs/default.htm', 'default.htm', false, [`${base}docs/`]],
    ['index: false maps index.html as any file', 'a/index.html', null, false, [`${base}a/index.html`]],
    ['clean_urls false keeps .html', 'a/x.html', 'index.html', false, [`${base}a/x.html`]],
    ['clean_urls true drops .html', 'a/x.html', 'index.html', true, [`${base}a/x`]],
    ['clean_urls both gives both', 'a/x.html', 'index.html', 'both', [`${base}a/x`, `${base}a/x.html`]],
    ['clean_urls applies to .html only', 'a/x.htm', 'index.html', true, [`${base}a/x.htm`]],
    ['other files keep their path', 'assets/app.1a2b.js', 'index.html', true, [`${base}assets/app.1a2b.js`]],
    ['# ? % in names are %23 %3F %25', 'a#b?c%d.txt', 'index.html', false, [`${base}a%23b%3Fc%25d.txt`]],
    ['a backslash is a character, not a separator', 'a\\b.txt', 'index.html', false, [`${base}a%5Cb.txt`]],
    ['spaces, quotes and <> as the WHATWG serializer writes them', 'a b"<c>.txt', 'index.html', false, [`${base}a%20b%22%3Cc%3E.txt`]],
    ['non-ASCII as UTF-8, upper-case hex', 'café/über.html', 'index.html', true, [`${base}caf%C3%A9/%C3%BCber`]],
    ['an encoded-looking name stays as written', '%2e%2e.html', 'index.html', false, [`${base}%252e%252e.html`]],
    ['a file named .html keeps its name under clean_urls', 'a/.html', 'index.html', true, [`${base}a/.html`]],
  ];
  for (const [name, path, index, clean, expected] of rows) {
    it(name, () => assert.deepEqual(mapped(path, index, clean), expected));
  }

  it('a base_url with a path maps below it', () => {
    assert.deepEqual(fileUrls('x/index.html', { baseUrl: 'https://www.example.com/docs/', index: 'index.html', cleanUrls: false }), ['https://www.example.com/docs/x/']);
  });
});

describe('the snapshot of a build in the state', () => {
  it('reads back what it wrote: keys sharing prefixes, non-ASCII keys, digests', () => {
    const keys = ['a/b/index.html', 'a/b/x.html', 'a/c.html', 'café/über.html', 'z'];
    const digests = new Uint8Array(keys.length * 8).map((_, i) => (i * 37) & 0xff);
    const bytes = snapshotBytes({ keys, digests });
    const back = unpackSnapshot(packSnapshot(bytes));
    assert.ok(back);
    assert.deepEqual(back.snapshot.keys, keys);
    assert.deepEqual([...back.snapshot.digests], [...digests]);
    assert.equal(back.digest, snapshotDigest(bytes));
  });

  it('refuses a damaged table instead of guessing', () => {
    const bytes = snapshotBytes({ keys: ['a', 'b'], digests: new Uint8Array(16) });
    const packed = packSnapshot(bytes);
    assert.equal(unpackSnapshot('not base64 deflate'), null);
    assert.equal(unpackSnapshot(packSnapshot(bytes.subarray(0, bytes.length - 3))), null, 'cut short');
    assert.equal(unpackSnapshot(packSnapshot(snapshotBytes({ keys: ['b', 'a'], digests: new Uint8Array(16) }))), null, 'keys out of order');
    assert.ok(unpackSnapshot(packed));
  });

  it('takes about 20 bytes a file for a site of many similar paths', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `posts/${String(i).padStart(5, '0')}/index.html`).sort();
    const digests = new Uint8Array(keys.length * 8).map(() => Math.floor(Math.random() * 256));
    const packed = packSnapshot(snapshotBytes({ keys, digests }));
    assert.ok(packed.length / keys.length < 20, `${packed.length / keys.length} bytes a file`);
  });
});

function config(build: string, extra = ''): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  site:
    zone: www
    build: ${build}
${extra}`;
}

describe('hostile builds and configurations', () => {
  it('skips names that cannot form a URL and links leading out of the directory, naming them, and lists the rest', async () => {
    const site = new Site().write('purge.yaml', config('{ dir: public, base_url: "https://www.example.com" }'));
    const outside = new Site().write('secret.txt', 'secret');
    try {
      site.write('public/ok.html', 'ok').write('public/bad\u0001name.html', 'x').write('public/in/page.html', 'in');
      writeFileSync(Buffer.concat([Buffer.from(join(site.dir, 'public/')), Buffer.from([0x66, 0xff, 0x2e, 0x68])]), 'invalid utf-8');
      symlinkSync(join(outside.dir, 'secret.txt'), join(site.dir, 'public/leak.txt'));
      symlinkSync(outside.dir, join(site.dir, 'public/leakdir'));
      symlinkSync(join(site.dir, 'public/in'), join(site.dir, 'public/alias'));
      symlinkSync(join(site.dir, 'public'), join(site.dir, 'public/in/loop'));
      symlinkSync(join(site.dir, 'nowhere'), join(site.dir, 'public/dangling'));
      execFileSync('mkfifo', [join(site.dir, 'public/pipe')]);
      const result = await site.run(['plan', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { groups: { changes: { added: string[] } }[] };
      assert.deepEqual(plan.groups[0]!.changes.added, ['alias/page.html', 'in/page.html', 'ok.html'], 'a link inside the directory is followed');
      assert.match(result.stderr, /warning: groups\.site\.build\.dir: skipped 2 entries \(names that cannot form a URL: control characters, or bytes that are not UTF-8\): "public\/bad\\u0001name\.html", "public\/f\\xff\.h"/);
      assert.match(result.stderr, /skipped 2 entries \(symbolic links leading out of the directory\): "public\/leak\.txt", "public\/leakdir"/);
      assert.match(result.stderr, /skipped 2 entries \(symbolic links looping back to a directory above them\): "public\/alias\/loop", "public\/in\/loop"/);
      assert.match(result.stderr, /skipped 1 entry \(symbolic links leading nowhere\): "public\/dangling"/);
      assert.match(result.stderr, /skipped 1 entry \(not regular files: pipes, sockets, devices\): "public\/pipe"/);
      assert.ok(!result.stdout.includes('secret'), 'nothing of the linked file');
      const strict = await site.run(['plan', '--strict']);
      assert.equal(strict.code, 1, 'warnings fail under --strict');
      assert.equal(strict.stdout, '');
    } finally {
      site.remove();
      outside.remove();
    }
  });

  const errors: [string, string, RegExp][] = [
    ['a missing directory is an error at dir', config('{ dir: public, base_url: "https://www.example.com/" }'), /purge\.yaml:7:19: error: groups\.site\.build\.dir: "public" does not exist/],
    ['build with urls is an error: one URL source', config('{ dir: public, base_url: "https://www.example.com/" }', '    urls: ["https://www.example.com/x"]'), /purge\.yaml:8:5: error: groups\.site: a group has one URL source \(urls, build or sitemap\), and this one has urls and build/],
    ['build with sitemap is an error', config('{ dir: public, base_url: "https://www.example.com/" }', '    sitemap: public/sitemap.xml'), /purge\.yaml:8:5: error: groups\.site: a group has one URL source .* build and sitemap/],
    ['a dir leaving the directory of purge.yaml', config('{ dir: ../elsewhere, base_url: "https://www.example.com/" }'), /purge\.yaml:7:19: error: groups\.site\.build\.dir: "\.\.\/elsewhere" leaves the directory of purge\.yaml/],
    ['an absolute dir', config('{ dir: /etc, base_url: "https://www.example.com/" }'), /error: groups\.site\.build\.dir: "\/etc" is an absolute path/],
    ['a base_url with a query', config('{ dir: public, base_url: "https://www.example.com/?a=1" }'), /error: groups\.site\.build\.base_url: "https:\/\/www\.example\.com\/\?a=1" has a query string/],
    ['a base_url that is not http(s)', config('{ dir: public, base_url: "ftp://www.example.com/" }'), /error: groups\.site\.build\.base_url: .* is not an http or https URL/],
    ['base_url is required', config('{ dir: public }'), /error: groups\.site\.build.*base_url/],
    ['an index with a slash', config('{ dir: public, base_url: "https://www.example.com/", index: a/index.html }'), /error: groups\.site\.build\.index: "a\/index\.html" is not a file name/],
    ['clean_urls takes false, true or both', config('{ dir: public, base_url: "https://www.example.com/", clean_urls: yes }'), /error: groups\.site\.build\.clean_urls/],
  ];
  for (const [name, yaml, expected] of errors) {
    it(`${name}; nothing is planned`, async () => {
      const site = new Site().write('purge.yaml', yaml);
      try {
        const result = await site.run(['plan']);
        assert.equal(result.code, 1, result.stdout);
        assert.match(result.stderr, expected);
        assert.doesNotMatch(result.stderr, /internal error|at .*\.js:\d+/);
        assert.equal(result.stdout, '');
      } finally {
        site.remove();
      }
    });
  }

  it('a dir that is a symbolic link leading out of the directory of purge.yaml is refused', async () => {
    const site = new Site().write('purge.yaml', config('{ dir: public, base_url: "https://www.example.com/" }'));
    const outside = new Site().write('x.html', 'x');
    try {
      symlinkSync(outside.dir, join(site.dir, 'public'));
      const result = await site.run(['plan']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /purge\.yaml:7:19: error: groups\.site\.build\.dir: "public" is a symbolic link leading out of the directory it must be in/);
    } finally {
      site.remove();
      outside.remove();
    }
  });

  it('due files past --max-items are an error before they are expanded; nothing is planned', async () => {
    const site = new Site().write('purge.yaml', config('{ dir: public, base_url: "https://www.example.com/", clean_urls: both }'));
    try {
      for (let i = 0; i < 4; i++) site.write(`public/p${i}.html`, String(i));
      const result = await site.run(['plan', '--max-items', '7']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /purge\.yaml:5:3: error: groups\.site: the plan would purge about 8 items with the files and entries that are due, more than --max-items 7/);
      assert.equal(result.stdout, '');
      assert.equal((await site.run(['plan', '--max-items', '8'])).code, 0);
    } finally {
      site.remove();
    }
  });

  it('validate reports the same rules without reading the build', async () => {
    const site = new Site().write('purge.yaml', config('{ dir: ../x, base_url: "https://www.example.com/" }'));
    try {
      const result = await site.run(['validate']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /groups\.site\.build\.dir: "\.\.\/x" leaves the directory of purge\.yaml/);
      mkdirSync(join(site.dir, 'public'));
      site.write('purge.yaml', config('{ dir: public, base_url: "https://www.example.com" }'));
      assert.equal((await site.run(['validate'])).code, 0);
    } finally {
      site.remove();
    }
  });
});
