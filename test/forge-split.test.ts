// docs/ci.md: a long plan becomes at most 10 comments, each under the forge's limit, cut at line
// boundaries without breaking a <details> block, a code fence or a table (closed and reopened).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureUtf8Bytes, splitMarkdown } from '../src/forge/split.js';

const header = (part: number, parts: number) => (parts === 1 ? '<!-- m -->' : `<!-- m -->\npart ${part} of ${parts}\n`);
const NOTE = '> cut: see the job output';

/** Every fence and <details> closed within each part; returns the count of each seen. */
export function assertBalanced(part: string): { fences: number; details: number } {
  let fence: string | null = null;
  let details = 0;
  let fences = 0;
  for (const line of part.split('\n')) {
    const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (match) {
      if (fence === null) { fence = match[1]!; fences++; continue; }
      if (match[1]![0] === fence[0] && match[1]!.length >= fence.length && match[2]!.trim() === '') { fence = null; continue; }
    }
    if (fence !== null) continue;
    details += (line.match(/<details\b/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    assert.ok(details >= 0, `a </details> without its <details> in:\n${part.slice(0, 300)}`);
  }
  assert.equal(fence, null, 'a code fence left open');
  assert.equal(details, 0, 'a <details> left open');
  return { fences, details };
}

function planLike(groups: number, linesPerGroup: number, lineLength = 60): string {
  const out = ['### purgeplan plan', '', '| Group | Items |', '|---|--:|'];
  for (let g = 0; g < groups; g++) out.push(`| g${g} | ${linesPerGroup} |`);
  out.push('');
  for (let g = 0; g < groups; g++) {
    out.push(`<details><summary><b>g${g}</b> — new</summary>`, '', '```diff');
    for (let i = 0; i < linesPerGroup; i++) out.push(`+ https://www.example.com/${g}/${String(i).padStart(5, '0')}/`.padEnd(lineLength, 'x'));
    out.push('```', '</details>', '');
  }
  return out.join('\n');
}

describe('splitMarkdown', () => {
  it('a plan that fits is one part: the header, then the text, unchanged', () => {
    const { parts, cut } = splitMarkdown('### plan\n\nhello\n', { limit: 1000, maxParts: 10, header, overflowNote: NOTE });
    assert.deepEqual(parts, ['<!-- m -->\n### plan\n\nhello']);
    assert.equal(cut, false);
  });

  it('a long plan: every part within the limit, numbered, headed, balanced; nothing lost', () => {
    const text = planLike(20, 40);
    const limit = 12_000;
    const { parts, cut } = splitMarkdown(text, { limit, maxParts: 10, header, overflowNote: NOTE });
    assert.equal(cut, false);
    assert.ok(parts.length > 2 && parts.length <= 10, `${parts.length} parts`);
    parts.forEach((part, i) => {
      assert.ok(part.length <= limit, `part ${i + 1} is ${part.length}`);
      assert.ok(part.startsWith(`<!-- m -->\npart ${i + 1} of ${parts.length}\n\n`));
      assertBalanced(part);
    });
    // Every item line of the plan is in exactly one part.
    const items = text.split('\n').filter((l) => l.startsWith('+ '));
    const posted = parts.flatMap((p) => p.split('\n')).filter((l) => l.startsWith('+ '));
    assert.deepEqual(posted, items);
    // The summary table is whole in the first part.
    assert.ok(parts[0]!.includes('| g19 | 40 |'));
  });

  it('a group cut in two is reopened: its <details> (continued) and its fence', () => {
    const { parts } = splitMarkdown(planLike(1, 200), { limit: 4000, maxParts: 10, header, overflowNote: NOTE });
    assert.ok(parts.length > 1);
    assert.match(parts[0]!, /\n```\n<\/details>$/);
    assert.match(parts[1]!, /^<!-- m -->\npart 2 of \d+\n\n<details><summary><b>g0<\/b> — new \(continued\)<\/summary>\n\n```diff\n\+ /);
  });

  it('a table cut in two repeats its head in the next part', () => {
    const rows = Array.from({ length: 300 }, (_, i) => `| group-${i} | ${i} |`);
    const text = ['intro', '', '| Group | Items |', '|---|--:|', ...rows].join('\n');
    const { parts } = splitMarkdown(text, { limit: 2000, maxParts: 10, header, overflowNote: NOTE });
    assert.ok(parts.length > 1);
    for (const part of parts.slice(1)) assert.match(part, /\n\n\| Group \| Items \|\n\|---\|--:\|\n\| group-/);
  });

  it('past maxParts: exactly maxParts parts, the last ending with the note, all within the limit', () => {
    const limit = 3000;
    const { parts, cut } = splitMarkdown(planLike(30, 40), { limit, maxParts: 10, header, overflowNote: NOTE });
    assert.equal(cut, true);
    assert.equal(parts.length, 10);
    assert.ok(parts[9]!.endsWith(`\n\n${NOTE}`));
    for (const part of parts) {
      assert.ok(part.length <= limit);
      assertBalanced(part);
    }
  });

  it('a line longer than the limit is cut between code points', () => {
    const long = '🙂'.repeat(3000);
    const { parts } = splitMarkdown(`a\n${long}\nb`, { limit: 1000, maxParts: 20, header, overflowNote: NOTE });
    for (const part of parts) {
      assert.ok(part.length <= 1000);
      assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(part), 'no lone surrogate');
    }
    assert.equal(parts.map((p) => p.split('\n').slice(3).join('')).join('').replace(/[ab]/g, ''), long);
  });

  it('measured in UTF-8 bytes (the step summary): a single part within the byte budget', () => {
    const text = Array.from({ length: 400 }, (_, i) => `| ${i} | ✅ é 日本 |`).join('\n');
    const { parts, cut } = splitMarkdown(text, { limit: 2000, maxParts: 1, header: () => '', overflowNote: NOTE, measure: measureUtf8Bytes });
    assert.equal(cut, true);
    assert.equal(parts.length, 1);
    assert.ok(Buffer.byteLength(parts[0]!) <= 2000);
    assert.ok(parts[0]!.endsWith(NOTE));
  });
});

describe('nextLink', () => {
  it('reads rel="next" from a Link header (RFC 8288), whatever the order and spacing', async () => {
    const { nextLink } = await import('../src/forge/http.js');
    assert.equal(nextLink('<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"'), 'https://api.github.com/repositories/1/issues?page=2');
    assert.equal(nextLink('<https://x/?page=1>; rel="prev",<https://x/?page=3>;rel=next'), 'https://x/?page=3');
    assert.equal(nextLink('<https://x/?page=1>; rel="first", <https://x/?page=9>; rel="last"'), null);
    assert.equal(nextLink(undefined), null);
  });
});
