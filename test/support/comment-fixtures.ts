// Configurations and checks shared by the `comment github` and `comment gitlab` suites.
import assert from 'node:assert/strict';
import type { CliResult } from './site.js';
import { ZONE_ID } from './site.js';

export const GITHUB_TOKEN = 'ghs_Secret0123456789abcdefghijklmnopqrstu';
export const GITLAB_TOKEN = 'glpat-Secret0123456789abcdefgh';

/** A small site: two groups, four items. */
export function smallConfig(pages = 3): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  posts:
    urls: ["https://www.example.com/posts/{1..${pages}}/"]
  assets:
    prefixes: ["www.example.com/assets/"]
`;
}

/**
 * Many groups with long URLs: each group's <details> lists its first 20 URLs (its items factored), so `groups` sets
 * the size of the whole markdown plan (about 2,500 characters a group).
 */
export function largeConfig(groups: number): string {
  const lines = [`version: 1`, `zones:`, `  www: { id: ${ZONE_ID}, name: example.com }`, `groups:`];
  for (let g = 0; g < groups; g++) {
    lines.push(`  section-${String(g).padStart(3, '0')}:`, `    urls: ["https://www.example.com/section-${g}/a-long-path-segment-for-a-long-line/and-another-one-here/page-{1..60}.html"]`);
  }
  return `${lines.join('\n')}\n`;
}

/** The token appears nowhere the user or a log could see it. */
export function assertNoToken(token: string, ...texts: readonly (string | CliResult)[]): void {
  for (const text of texts) {
    const all = typeof text === 'string' ? text : `${text.stdout}\n${text.stderr}`;
    assert.ok(!all.includes(token), 'the token appears in the output');
  }
}

export function assertNoStack(result: CliResult): void {
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(result.stderr, /internal error/);
}
