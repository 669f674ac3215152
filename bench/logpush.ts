// The benchmark's Logpush http_requests records and site, shared by `npm run bench` and the tests
// that run the DuckDB query over them: 20,000 pages x 3 device types x 5 languages (purge.yaml
// declares four: one is missed by construction), a fifth of the requests with a query to sort,
// a tenth cache misses. Deterministic: the same arguments give the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const PAGES = 20_000;
const DEVICES = ['desktop', 'mobile', 'tablet'];
/** As browsers send them: the key holds the first language (docs/coverage.md). */
const LANGUAGES = ['en-US,en;q=0.9', 'ja', 'de-DE,de;q=0.8', 'fr-FR', 'es-ES,es;q=0.9,en;q=0.5'];
const DECLARED = ['en-US', 'ja', 'de-DE', 'fr-FR'];

/** `records` Logpush lines, the `part`-th stream of them (each part its own seed). */
export function benchLog(records: number, part = 0): string {
  const lines: string[] = new Array(records);
  let seed = 42 + part * 7919;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < records; i++) {
    const page = next() % PAGES;
    const query = next() % 5 === 0 ? `?utm_term=x&page=${next() % 3}&a=1` : '';
    lines[i] = JSON.stringify({
      ClientRequestMethod: 'GET',
      ClientRequestScheme: 'https',
      ClientRequestHost: 'www.example.com',
      ClientRequestURI: `/articles/article-${String(page).padStart(5, '0')}/${query}`,
      ClientDeviceType: DEVICES[next() % 3],
      ClientCountry: 'us',
      RequestHeaders: { 'accept-language': LANGUAGES[next() % 5] },
      CacheCacheStatus: next() % 10 === 0 ? 'miss' : 'hit',
      EdgeResponseStatus: 200,
      EdgeStartTimestamp: 1764547200000000000 + (part * records + i) * 1000,
      RayID: (0x8f00000000000000n + BigInt(part * records + i)).toString(16),
    });
  }
  return `${lines.join('\n')}\n`;
}

/** purge.yaml (a key with device type and language) and the pages file, in `dir`. */
export function writeBenchSite(dir: string): void {
  writeFileSync(join(dir, 'pages.txt'), `${Array.from({ length: PAGES }, (_, i) => `article-${String(i).padStart(5, '0')}`).join('\n')}\n`);
  writeFileSync(join(dir, 'purge.yaml'), `version: 1
zones:
  www: { id: 023e105f4ecef8ad9ca31a8372d0c353, name: example.com, plan: enterprise, cache_key: pages }
cache_keys:
  pages: { query_string: { sort: true }, device_type: true, lang: true }
groups:
  articles:
    urls: ["https://www.example.com/articles/{page}/"]
    vars: { page: { file: pages.txt } }
    variants: { lang: [${DECLARED.join(', ')}] }
`);
}

/**
 * `records` records in `files` gzipped files under `dir`, in Logpush's date folders
 * (`DIR/20261201/20261201T000000Z_20261201T010000Z_0.log.gz`), two days of them.
 */
export function writeBenchTree(dir: string, records: number, files: number): string[] {
  const written: string[] = [];
  for (let part = 0; part < files; part++) {
    const day = `2026120${1 + (part % 2)}`;
    const hour = String(Math.floor(part / 2) % 24).padStart(2, '0');
    const folder = join(dir, day);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${day}T${hour}0000Z_${day}T${hour}5959Z_${part}.log.gz`);
    const size = Math.floor(records / files) + (part < records % files ? 1 : 0);
    writeFileSync(file, gzipSync(benchLog(size, part)));
    written.push(file);
  }
  return written;
}
