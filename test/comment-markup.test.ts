// docs/commands.md ("rendered output never passes a value's markup through") for the comment `purgeplan
// comment` posts (docs/ci.md): a purge.yaml in a pull request is written by its author, so what it names
// (descriptions, query parameter names, covering values) must not become an image, a link, an
// @mention that notifies a team, or a #reference that spams another repository's issue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Site, ZONE_ID } from './support/site.js';

const HOSTILE = `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: enterprise, cache_key: k }
cache_keys:
  k: { query_string: { include: ["![x](https://evil.example/p.png)", "@octo/admins", "**b**"] } }
groups:
  posts:
    description: "cc @octo/security, see !12, ~bug and %v1, see #12 and octo/other#3 ![i](https://evil.example/i.png) <img src=x> [a](https://evil.example)"
    urls: ["https://www.example.com/posts/1/"]
  tagged:
    tags: ["a\`@octo/t\`b"]
`;

/** What GitHub would act on, outside code: a mention, an issue reference, an image or link, raw HTML. */
function activeMarkup(markdown: string): string[] {
  const found: string[] = [];
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^`{3,}/.test(line)) { fence = !fence; continue; }
    if (fence) continue;
    const text = line.replace(/(`+)(?:(?!\1).)*?\1/g, '');
    for (const m of text.matchAll(/(^|[^\w`])@[A-Za-z0-9][\w/-]*/g)) found.push(m[0].trim());
    for (const m of text.matchAll(/(^|[^\w&])#\d+|[\w.-]+\/[\w.-]+#\d+/g)) found.push(m[0].trim());
    for (const m of text.matchAll(/(^|[^\w&])[!~%$][\w"]/g)) found.push(m[0].trim());
    for (const m of text.matchAll(/(?<!\\)!?(?<!\\)\[[^\]]*(?<!\\)\]\([^)]*\)/g)) found.push(m[0]);
    for (const m of text.matchAll(/<(?!\/?(details|summary|b)\b)[a-z][^>]*>/gi)) found.push(m[0]);
  }
  return found;
}

describe('comment markdown: a purge.yaml cannot inject markup or mentions', () => {
  it('descriptions and cache key parameter names are inert text in plan --markdown', async () => {
    const site = new Site().write('purge.yaml', HOSTILE);
    try {
      const result = await site.run(['plan', '--markdown', '--all']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(activeMarkup(result.stdout), []);
      // The text is still there to read.
      assert.match(result.stdout, /cc @\u200b?(&#8203;)?octo\/security/);
      // A bare URL is no link either: a zero-width space after its `:` (GitHub and GitLab autolink `https://…`).
      assert.match(result.stdout, /only \\!&#8203;\\\[x\\\]\(https:&#8203;\/\/evil\.example\/p\.png\), @&#8203;octo\/admins, \\\*\\\*b\\\*\\\*/);
      assert.doesNotMatch(result.stdout.replace(/```[\s\S]*?```/g, ''), /https:\/\/evil/);
      // GitLab's references too: !12 (a merge request), ~label, %milestone.
      assert.match(result.stdout, /see \\!&#8203;12, \\~&#8203;bug and %&#8203;v1/);
    } finally {
      site.remove();
    }
  });
});
