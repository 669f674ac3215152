// The README is the front door and the manual lives in docs/: the README stays short, neither names
// a path outside the repository (a user has only the repository), and every relative link in the
// README and docs/*.md leads to a file of the repository and, into a markdown file, to one of its
// headings (anchors as GitHub makes them).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = join(ROOT, 'README.md');
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(ROOT, 'docs', f));
const PAGES = [README, ...DOCS];
const read = (file: string): string => readFileSync(file, 'utf8');
const name = (file: string): string => relative(ROOT, file).split(sep).join('/');

/** The text of a markdown page with its fenced code blocks blanked (lines kept, so numbers stay). */
function withoutFences(text: string): string {
  let fenced = false;
  return text.split('\n').map((line) => {
    if (/^\s*(?:>\s*)?```/.test(line)) { fenced = !fenced; return ''; }
    return fenced ? '' : line;
  }).join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors of a page's headings, with GitHub's -1, -2 … for repeated ones. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const match of withoutFences(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

/** Every link target of a page, outside code, with its line. */
function links(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  withoutFences(text).split('\n').forEach((line, index) => {
    const prose = line.replace(/`[^`]*`/g, '``');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ target: match[1]!, line: index + 1 });
  });
  return out;
}

const inside = (path: string): boolean => {
  const rel = relative(ROOT, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
};

describe('the README is the front door', () => {
  it('is at most 16,000 characters (counted in UTF-8 bytes, the stricter count)', () => {
    const bytes = Buffer.byteLength(read(README), 'utf8');
    assert.ok(bytes <= 16_000, `README.md is ${bytes} bytes`);
  });

  it('links to every page of docs/', () => {
    const targets = new Set(links(read(README)).map((l) => l.target.split('#')[0]));
    for (const page of DOCS) assert.ok(targets.has(name(page)), `README.md links to ${name(page)}`);
  });
});

describe('the README and docs/ name no path outside the repository', () => {
  for (const page of PAGES) {
    it(name(page), () => {
      const text = read(page);
      const found: string[] = [];
      text.split('\n').forEach((line, index) => {
        const at = `${name(page)}:${index + 1}`;
        // A relative path climbing out of the repository (from the README, any `../`).
        for (const match of line.matchAll(/(?:\.\.\/)+[^\s`)"'\]]*/g)) {
          if (!inside(resolve(dirname(page), match[0]))) found.push(`${at}: ${match[0]}`);
        }
        // Section numbers of a document that is not in the repository, and its tools.
        if (/§/.test(line)) found.push(`${at}: a § section number`);
        if (/contract-check|shared\/(?:spec|tools)|\bthe spec\b/i.test(line)) found.push(`${at}: ${line.trim()}`);
        // A path on someone's machine.
        if (/(?:^|[\s`(])(?:\/work\/|\/home\/|\/Users\/|~\/)/.test(line)) found.push(`${at}: ${line.trim()}`);
      });
      assert.deepEqual(found, []);
    });
  }
});

describe('every relative link in the README and docs/ leads to the repository', () => {
  const headings = new Map(PAGES.map((page) => [page, anchors(read(page))]));
  for (const page of PAGES) {
    it(name(page), () => {
      const broken: string[] = [];
      const found = links(read(page));
      for (const { target, line } of found) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const at = `${name(page)}:${line}: ${target}`;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
        if (!inside(file)) { broken.push(`${at}: outside the repository`); continue; }
        const top = relative(ROOT, file).split(sep)[0];
        if (top === 'node_modules' || top === 'dist') { broken.push(`${at}: not part of the repository`); continue; }
        if (!existsSync(file)) { broken.push(`${at}: no such file`); continue; }
        if (anchor !== undefined && file.endsWith('.md')) {
          const known = headings.get(file) ?? anchors(read(file));
          if (!known.has(anchor)) broken.push(`${at}: no heading with this anchor`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }

  it('the anchors are GitHub\'s', () => {
    assert.equal(slug('`plan --json`'), 'plan---json');
    assert.equal(slug('`comment github|gitlab`'), 'comment-githubgitlab');
    assert.equal(slug('Canonical form (`purgeplan fmt`)'), 'canonical-form-purgeplan-fmt');
    assert.equal(slug('Drift and import: the declared key against the zone\'s Cache Rules'), 'drift-and-import-the-declared-key-against-the-zones-cache-rules');
    assert.deepEqual([...anchors('# A\n```\n# not a heading\n```\n## A\n### `zones.NAME`\n')], ['a', 'a-1', 'zonesname']);
  });
});
