// The sitemap reader of `sitemap:` groups (docs/purge-yaml.md, "Sitemap groups"): `<urlset>`
// entries with their `<lastmod>`, `.xml.gz`, sitemap indexes followed to local files by their
// URL's path, nested indexes, cycles refused, entries deduplicated (the first wins), and every
// problem a SitemapError at file:line:column (1-based, columns in characters). Files are written
// to a temporary directory per test; the reader is called directly.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readSitemap, SitemapError, type SitemapRead } from '../src/sources/sitemap.js';

const NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A directory holding the given files (paths relative to it); returns its path. */
function site(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'purgeplan-sitemap-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const urlset = (...urls: string[]): string => `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="${NS}">\n${urls.join('\n')}\n</urlset>\n`;
const url = (loc: string, lastmod?: string): string => `  <url><loc>${loc}</loc>${lastmod === undefined ? '' : `<lastmod>${lastmod}</lastmod>`}</url>`;
const index = (...locs: string[]): string => `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="${NS}">\n${locs.map((loc) => `  <sitemap><loc>${loc}</loc></sitemap>`).join('\n')}\n</sitemapindex>\n`;

async function rejection(file: string): Promise<SitemapError> {
  try {
    await readSitemap(file);
  } catch (error) {
    assert.ok(error instanceof SitemapError, `a SitemapError, not ${String(error)}`);
    return error;
  }
  assert.fail(`${file} was read without an error`);
}

async function assertPositioned(file: string, expected: { file?: string; line: number; column: number; message: RegExp }): Promise<void> {
  const error = await rejection(file);
  assert.deepEqual({ file: error.file, line: error.line, column: error.column }, { file: expected.file ?? file, line: expected.line, column: expected.column }, error.message);
  assert.match(error.message, expected.message);
  assert.doesNotMatch(error.message, /^\d+:\d+/, 'the message is the problem alone, without a position');
}

describe('readSitemap: a <urlset>', () => {
  it('gives each <url> its <loc> and <lastmod>, trimmed of XML whitespace, entities and CDATA decoded, in document order', async () => {
    const dir = site({
      'sitemap.xml': urlset(
        url('\n    https://www.example.com/a?x=1&amp;y=2\n  ', ' 2024-05-01T10:00:00+00:00 '),
        url('<![CDATA[https://www.example.com/b]]>'),
        url('https://www.example.com/c\u00a0', ''),
      ),
    });
    const read = await readSitemap(join(dir, 'sitemap.xml'));
    assert.deepEqual(read, {
      entries: [
        { loc: 'https://www.example.com/a?x=1&y=2', lastmod: '2024-05-01T10:00:00+00:00' },
        { loc: 'https://www.example.com/b' },
        { loc: 'https://www.example.com/c\u00a0' }, // a no-break space is not XML whitespace; an empty <lastmod> is none
      ],
      withoutLastmod: 2,
      files: [join(dir, 'sitemap.xml')],
    } satisfies SitemapRead);
  });

  it('reads sitemaps.org elements under a prefix or without a namespace, and not extensions in their own namespace (<image:loc>)', async () => {
    const dir = site({
      'prefixed.xml': `<sm:urlset xmlns:sm="${NS}"><sm:url><sm:loc>https://x.test/p</sm:loc><sm:lastmod>2024</sm:lastmod></sm:url></sm:urlset>`,
      'bare.xml': '<urlset><url><loc>https://x.test/bare</loc></url></urlset>',
      'extensions.xml': `<urlset xmlns="${NS}" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <image:image><image:loc>https://x.test/photo.jpg</image:loc></image:image>
    <loc>https://x.test/page</loc>
    <xhtml:link rel="alternate" hreflang="ja" href="https://x.test/ja/page"/>
  </url>
  <url xmlns="urn:elsewhere"><loc>https://x.test/not-an-entry</loc></url>
</urlset>`,
    });
    assert.deepEqual((await readSitemap(join(dir, 'prefixed.xml'))).entries, [{ loc: 'https://x.test/p', lastmod: '2024' }]);
    assert.deepEqual((await readSitemap(join(dir, 'bare.xml'))).entries, [{ loc: 'https://x.test/bare' }]);
    assert.deepEqual((await readSitemap(join(dir, 'extensions.xml'))).entries, [{ loc: 'https://x.test/page' }]);
  });

  it('deduplicates entries by loc, the first one winning with its lastmod; withoutLastmod counts the entries kept', async () => {
    const dir = site({ 'sitemap.xml': urlset(url('https://x.test/a'), url('https://x.test/b', '2024-01-01'), url('https://x.test/a', '2024-02-02'), url('https://x.test/b')) });
    const read = await readSitemap(join(dir, 'sitemap.xml'));
    assert.deepEqual(read.entries, [{ loc: 'https://x.test/a' }, { loc: 'https://x.test/b', lastmod: '2024-01-01' }]);
    assert.equal(read.withoutLastmod, 1);
  });

  it('an empty <urlset> has no entries', async () => {
    const dir = site({ 'sitemap.xml': urlset() });
    assert.deepEqual(await readSitemap(join(dir, 'sitemap.xml')), { entries: [], withoutLastmod: 0, files: [join(dir, 'sitemap.xml')] });
  });

  it('skips a UTF-8 byte order mark, and reads characters cut by chunk boundaries whole', async () => {
    // The file is read in 64 KiB chunks: put a two-byte, a three-byte and a four-byte character across each boundary.
    const pad = (bytes: number): string => `<!--${'x'.repeat(bytes - 7)}-->`;
    const head = `\ufeff<urlset xmlns="${NS}">`;
    const entries: string[] = [];
    let text = head;
    for (const [i, char] of ['é', '€', '😀'].entries()) {
      const loc = `<url><loc>https://x.test/${char}${i}</loc></url>`;
      const boundary = 65536 * (i + 1);
      const before = boundary - Buffer.byteLength(text) - Buffer.byteLength('<url><loc>https://x.test/') - 1;
      text += pad(before) + loc;
      entries.push(`https://x.test/${char}${i}`);
    }
    text += '</urlset>';
    const dir = site({ 'sitemap.xml': Buffer.from(text, 'utf8') });
    assert.deepEqual((await readSitemap(join(dir, 'sitemap.xml'))).entries.map((entry) => entry.loc), entries);
  });
});

describe('readSitemap: .xml.gz', () => {
  it('reads a gzip-compressed sitemap, told by its magic bytes whatever its name', async () => {
    const xml = urlset(url('https://x.test/a', '2024-01-01'), url('https://x.test/b'));
    const dir = site({ 'sitemap.xml.gz': gzipSync(xml), 'compressed-named.xml': gzipSync(xml), 'plain-named.xml.gz': xml });
    for (const name of ['sitemap.xml.gz', 'compressed-named.xml', 'plain-named.xml.gz']) {
      const read = await readSitemap(join(dir, name));
      assert.deepEqual(read.entries, [{ loc: 'https://x.test/a', lastmod: '2024-01-01' }, { loc: 'https://x.test/b' }], name);
      assert.equal(read.withoutLastmod, 1, name);
    }
  });

  it('a damaged gzip file is a positioned error', async () => {
    const dir = site({ 'sitemap.xml.gz': gzipSync(urlset(url('https://x.test/a'))).subarray(0, 20) });
    await assertPositioned(join(dir, 'sitemap.xml.gz'), { line: 1, column: 1, message: /not valid gzip/ });
  });
});

describe('readSitemap: a <sitemapindex>', () => {
  it('follows each child to the local file at its URL path under the index directory; the children are not entries', async () => {
    const dir = site({
      'public/sitemap.xml': index('https://www.example.com/sub/sitemap-posts.xml.gz', 'https://www.example.com/sitemap-pages.xml'),
      'public/sub/sitemap-posts.xml.gz': gzipSync(urlset(url('https://www.example.com/posts/a/', '2024-01-01'), url('https://www.example.com/posts/b/'))),
      'public/sitemap-pages.xml': urlset(url('https://www.example.com/'), url('https://www.example.com/posts/a/', '1999-01-01')),
    });
    const top = join(dir, 'public', 'sitemap.xml');
    assert.deepEqual(await readSitemap(top), {
      entries: [
        { loc: 'https://www.example.com/posts/a/', lastmod: '2024-01-01' },
        { loc: 'https://www.example.com/posts/b/' },
        { loc: 'https://www.example.com/' },
      ],
      withoutLastmod: 2,
      files: [top, join(dir, 'public', 'sub', 'sitemap-posts.xml.gz'), join(dir, 'public', 'sitemap-pages.xml')],
    });
  });

  it('falls back to shorter tails of the path, down to the file name, when the whole path is not there (a site served under a prefix)', async () => {
    const dir = site({
      'public/sitemap.xml': index('https://x.test/docs/v2/sitemap-0.xml', 'https://x.test/docs/sitemaps/sitemap-1.xml'),
      'public/sitemap-0.xml': urlset(url('https://x.test/docs/v2/a')),
      'public/sitemaps/sitemap-1.xml': urlset(url('https://x.test/docs/b')),
    });
    const read = await readSitemap(join(dir, 'public', 'sitemap.xml'));
    assert.deepEqual(read.entries.map((entry) => entry.loc), ['https://x.test/docs/v2/a', 'https://x.test/docs/b']);
    assert.deepEqual(read.files.slice(1), [join(dir, 'public', 'sitemap-0.xml'), join(dir, 'public', 'sitemaps', 'sitemap-1.xml')]);
  });

  it('prefers the whole path to a tail, and reads a percent-encoded file name decoded', async () => {
    const dir = site({
      'sitemap.xml': index('https://x.test/a/s%20p.xml'),
      'a/s p.xml': urlset(url('https://x.test/whole')),
      's p.xml': urlset(url('https://x.test/tail')),
    });
    assert.deepEqual((await readSitemap(join(dir, 'sitemap.xml'))).entries, [{ loc: 'https://x.test/whole' }]);
  });

  it('follows nested indexes (paths under the nested index directory, then the top one); a child listed twice is read once', async () => {
    const dir = site({
      'sitemap.xml': index('https://x.test/sitemaps/index-2.xml', 'https://x.test/sitemaps/index-2.xml'),
      'sitemaps/index-2.xml': index('https://x.test/sitemaps/posts.xml', 'https://x.test/pages.xml'),
      'sitemaps/posts.xml': urlset(url('https://x.test/p', '2024')),
      'pages.xml': urlset(url('https://x.test/')),
    });
    const read = await readSitemap(join(dir, 'sitemap.xml'));
    assert.deepEqual(read.entries, [{ loc: 'https://x.test/p', lastmod: '2024' }, { loc: 'https://x.test/' }]);
    assert.deepEqual(read.files, ['sitemap.xml', 'sitemaps/index-2.xml', 'sitemaps/posts.xml', 'pages.xml'].map((name) => join(dir, name)));
  });

  it('counts entries without <lastmod> over all child sitemaps, after deduplication', async () => {
    const dir = site({
      'sitemap.xml': index('https://x.test/one.xml', 'https://x.test/two.xml.gz'),
      'one.xml': urlset(url('https://x.test/a'), url('https://x.test/b', '2024')),
      'two.xml.gz': gzipSync(urlset(url('https://x.test/a', '2025'), url('https://x.test/c'), url('https://x.test/d'))),
    });
    const read = await readSitemap(join(dir, 'sitemap.xml'));
    assert.equal(read.entries.length, 4);
    assert.equal(read.withoutLastmod, 3); // a (first seen without), c, d
  });

  it('a missing child is an error at its <loc> in the index, naming where it looked', async () => {
    const dir = site({ 'public/sitemap.xml': index('https://x.test/a.xml', 'https://x.test/sub/missing.xml'), 'public/a.xml': urlset() });
    const top = join(dir, 'public', 'sitemap.xml');
    await assertPositioned(top, { line: 4, column: 12, message: /no local file for the child sitemap "https:\/\/x\.test\/sub\/missing\.xml" \(looked for .*public\/sub\/missing\.xml, .*public\/missing\.xml\)/ });
  });

  it('refuses a cycle, at the <loc> that closes it: an index listing itself, or two listing each other', async () => {
    const dir = site({
      'self.xml': index('https://x.test/other.xml', 'https://x.test/self.xml'),
      'other.xml': urlset(),
      'a.xml': index('https://x.test/b.xml'),
      'b.xml': index('https://x.test/c.xml', 'https://x.test/a.xml'),
      'c.xml': urlset(),
    });
    await assertPositioned(join(dir, 'self.xml'), { line: 4, column: 12, message: /lists itself/ });
    await assertPositioned(join(dir, 'a.xml'), { file: join(dir, 'b.xml'), line: 4, column: 12, message: /a\.xml.*cycle/ });
  });

  it('refuses indexes nested deeper than 8', async () => {
    const files: Record<string, string> = {};
    for (let level = 0; level < 10; level++) files[`i${level}.xml`] = index(`https://x.test/i${level + 1}.xml`);
    files['i10.xml'] = urlset();
    const dir = site(files);
    await assertPositioned(join(dir, 'i0.xml'), { file: join(dir, 'i8.xml'), line: 3, column: 12, message: /nested more than 8 deep/ });
    // Eight levels are read.
    files['i8.xml'] = urlset(url('https://x.test/deep'));
    const shallow = site(files);
    assert.deepEqual((await readSitemap(join(shallow, 'i0.xml'))).entries, [{ loc: 'https://x.test/deep' }]);
  });

  it('keeps children inside the sitemap directory: an encoded ../ or a symbolic link leading out is refused', async () => {
    const outside = site({ 'secret.xml': urlset(url('https://x.test/secret')) });
    const dir = site({
      'public/dots.xml': index('https://x.test/a/..%2F..%2Fsecret.xml'),
      'public/link.xml': index('https://x.test/linked.xml'),
    });
    symlinkSync(join(outside, 'secret.xml'), join(dir, 'public', 'linked.xml'));
    await assertPositioned(join(dir, 'public', 'dots.xml'), { line: 3, column: 12, message: /does not name a file/ });
    await assertPositioned(join(dir, 'public', 'link.xml'), { line: 3, column: 12, message: /leads out of/ });
  });

  it('a child whose <loc> is not a URL, or names no file, is an error at it', async () => {
    const dir = site({ 'no-url.xml': index('http://['), 'no-file.xml': index('https://x.test/') });
    await assertPositioned(join(dir, 'no-url.xml'), { line: 3, column: 12, message: /is not a URL/ });
    await assertPositioned(join(dir, 'no-file.xml'), { line: 3, column: 12, message: /names no file/ });
  });
});

describe('readSitemap: problems, each at file:line:column', () => {
  const rows: { name: string; xml: string | Buffer; line: number; column: number; message: RegExp }[] = [
    { name: 'a mismatched close tag', xml: '<urlset>\n  <url><loc>a</loc></urx>\n</urlset>', line: 2, column: 25, message: /unexpected close tag/ },
    { name: 'an unclosed root', xml: '<urlset>\n<url><loc>a</loc></url>', line: 2, column: 23, message: /unclosed tag: urlset/ },
    { name: 'an undefined entity', xml: '<urlset>\n<url><loc>a&bogus;</loc></url></urlset>', line: 2, column: 18, message: /undefined entity/ },
    { name: 'an empty file', xml: '', line: 1, column: 1, message: /root element/ },
    { name: 'text after the root', xml: '<urlset/>\nstray', line: 2, column: 5, message: /outside of root node/ },
    { name: 'a root that is not a sitemap, after blank lines', xml: '\n\n   <rss\n  version="2.0"></rss>', line: 3, column: 4, message: /the root element is <rss>; a sitemap is a <urlset> or a <sitemapindex>/ },
    { name: 'a <url> without <loc>', xml: '<urlset>\n  <url\n  ><lastmod>2024</lastmod></url></urlset>', line: 2, column: 3, message: /a <url> without <loc>/ },
    { name: 'a <sitemap> without <loc>', xml: '<sitemapindex>\n <sitemap></sitemap></sitemapindex>', line: 2, column: 2, message: /a <sitemap> without <loc>/ },
    { name: 'an empty <loc>', xml: '<urlset>\n<url><loc>  </loc></url></urlset>', line: 2, column: 6, message: /an empty <loc>/ },
    { name: 'a second <loc>, columns counted in characters', xml: '<urlset>\n<url><loc>😀é</loc><loc>b</loc></url></urlset>', line: 2, column: 19, message: /a second <loc> in one <url>/ },
    { name: 'invalid UTF-8', xml: Buffer.concat([Buffer.from('<urlset>\n<url><loc>café'), Buffer.from([0xff]), Buffer.from('</loc></url></urlset>')]), line: 2, column: 15, message: /not valid UTF-8/ },
    { name: 'a file cut inside a character', xml: Buffer.concat([Buffer.from('<urlset/>\n'), Buffer.from([0xe2, 0x82])]), line: 2, column: 1, message: /ends inside a character/ },
    { name: 'an unbound prefix', xml: '<urlset>\n<x:url/></urlset>', line: 2, column: 8, message: /unbound namespace prefix/ },
    { name: 'a <loc> too long', xml: `<urlset>\n<url><loc>https://x.test/${'a'.repeat(9000)}</loc></url></urlset>`, line: 2, column: 6, message: /a <loc> longer than 8192 characters/ },
    // saxes holds a construct whole until it ends: one over 1 MiB is refused, where it starts.
    { name: 'a text over 1 MiB', xml: `<urlset>\n<url><loc>${' '.repeat(2 * 1024 * 1024)}</loc></url></urlset>`, line: 2, column: 11, message: /a text, comment or tag longer than 1 MiB/ },
    { name: 'a comment over 1 MiB, even with < inside', xml: `<urlset>\n  <!--${'<a> '.repeat(600 * 1024)}-->\n</urlset>`, line: 2, column: 3, message: /longer than 1 MiB/ },
    { name: 'a start tag over 1 MiB', xml: `<urlset>\n <url ${Array.from({ length: 120_000 }, (_, i) => `a${i}="x"`).join(' ')}></url></urlset>`, line: 2, column: 2, message: /longer than 1 MiB/ },
    { name: 'elements nested too deep', xml: `<urlset>\n${'<a>'.repeat(100)}${'</a>'.repeat(100)}</urlset>`, line: 2, column: 190, message: /elements nested more than 64 deep/ },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const dir = site({ 'sitemap.xml': row.xml });
      await assertPositioned(join(dir, 'sitemap.xml'), row);
    });
  }

  it('refuses a DOCTYPE at its start, entities and all (an entity bomb is never expanded)', async () => {
    const lol = ['<!ENTITY lol "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`)].join('\n');
    const dir = site({
      'bomb.xml': `<?xml version="1.0"?>\n<!DOCTYPE urlset [\n${lol}\n]>\n<urlset><url><loc>&lol9;</loc></url></urlset>`,
      'after-comment.xml': '<?xml version="1.0"?><!-- generated --><!DOCTYPE urlset>\n<urlset/>',
      'gz.xml.gz': gzipSync(`\n <!DOCTYPE urlset SYSTEM "file:///etc/passwd">\n<urlset/>`),
    });
    await assertPositioned(join(dir, 'bomb.xml'), { line: 2, column: 1, message: /a sitemap has no DOCTYPE/ });
    await assertPositioned(join(dir, 'after-comment.xml'), { line: 1, column: 40, message: /DOCTYPE/ });
    await assertPositioned(join(dir, 'gz.xml.gz'), { line: 2, column: 2, message: /DOCTYPE/ });
  });

  it('a gzip bomb of whitespace stops at the first megabyte', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from(`<urlset xmlns="${NS}">`), Buffer.alloc(16 * 1024 * 1024, 0x20)]));
    assert.ok(bomb.length < 1024 * 1024);
    const dir = site({ 'sitemap.xml.gz': bomb });
    const error = await rejection(join(dir, 'sitemap.xml.gz'));
    assert.match(error.message, /longer than 1 MiB/);
  });

  it('a missing sitemap, a missing directory and a directory are errors naming the path', async () => {
    const dir = site({ 'public/placeholder': '' });
    await assertPositioned(join(dir, 'public', 'sitemap.xml'), { line: 1, column: 1, message: /cannot read the sitemap: no such file/ });
    await assertPositioned(join(dir, 'nowhere', 'sitemap.xml'), { line: 1, column: 1, message: /cannot read the sitemap/ });
    await assertPositioned(join(dir, 'public'), { line: 1, column: 1, message: /cannot read the sitemap: EISDIR/ });
  });

  it('reading twice gives the same result', async () => {
    const dir = site({ 'sitemap.xml': index('https://x.test/a.xml'), 'a.xml': urlset(url('https://x.test/1', '2024'), url('https://x.test/2')) });
    assert.deepEqual(await readSitemap(join(dir, 'sitemap.xml')), await readSitemap(join(dir, 'sitemap.xml')));
  });
});

describe('readSitemap: scale', () => {
  it('reads a 50,000-entry sitemap (the sitemaps.org maximum), plain and gzip-compressed, behind an index', async () => {
    const urls = Array.from({ length: 50_000 }, (_, i) => url(`https://www.example.com/posts/a-long-post-slug-number-${i}/`, i % 10 === 0 ? undefined : `2024-05-${String((i % 28) + 1).padStart(2, '0')}T10:00:00+00:00`));
    const xml = urlset(...urls);
    assert.ok(Buffer.byteLength(xml) > 5_000_000);
    const dir = site({ 'sitemap.xml': index('https://www.example.com/big.xml', 'https://www.example.com/big.xml.gz'), 'big.xml': xml, 'big.xml.gz': gzipSync(urlset(...urls.slice(0, 100), url('https://www.example.com/extra/'))) });
    const plain = await readSitemap(join(dir, 'big.xml'));
    assert.equal(plain.entries.length, 50_000);
    assert.equal(plain.withoutLastmod, 5_000);
    assert.deepEqual(plain.entries[49_999], { loc: 'https://www.example.com/posts/a-long-post-slug-number-49999/', lastmod: '2024-05-20T10:00:00+00:00' });
    const both = await readSitemap(join(dir, 'sitemap.xml'));
    assert.equal(both.entries.length, 50_001);
    assert.deepEqual(both.entries[50_000], { loc: 'https://www.example.com/extra/' });
    assert.equal(both.withoutLastmod, 5_001);
  });
});
