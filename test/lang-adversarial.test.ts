// Adversarial inputs to the language (spec §1–§3, §6a, §7): names and values a hurried user or a
// malicious pull request could write, through the built CLI on files in a temporary directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Plan } from '../src/plan/types.js';
import { runCli } from './support/config-builder.js';

const work = mkdtempSync(join(tmpdir(), 'purgeplan-lang-adv-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;

function run(yaml: string, args: readonly string[] = ['plan', '--json']) {
  const dir = join(work, `case-${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'purge.yaml'), yaml);
  return runCli([...args, '-c', 'purge.yaml'], dir);
}

const STACK_LINE = /^\s+at /m;

function keyed(cookies: string, variants: string): string {
  return [
    'version: 1',
    'zones:',
    '  www:',
    '    id: 023e105f4ecef8ad9ca31a8372d0c353',
    '    plan: enterprise',
    '    cache_key: k',
    'cache_keys:',
    '  k:',
    '    cookies:',
    `      ${cookies}`,
    'groups:',
    '  g:',
    '    urls: ["https://www.example.com/"]',
    ...(variants ? ['    variants:', '      cookies:', `        ${variants}`] : []),
    '',
  ].join('\n');
}

describe('names that are also properties of every JavaScript object', () => {
  // Regression: `cookie in rawCookies` found Object.prototype's `constructor`, so a cookie named
  // constructor or toString in cookies.include needed no values and was planned as absent only.
  for (const cookie of ['constructor', 'toString', 'hasOwnProperty']) {
    it(`cookies.include: [${cookie}] without variants is "required", like any cookie`, () => {
      const result = run(keyed(`include: [${cookie}]`, ''), ['validate']);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^purge\\.yaml:\\d+:\\d+: error: groups\\.g\\.variants\\.cookies\\.${cookie} is required: cache key "k" varies on cookie ${cookie}`, 'm'));
      assert.doesNotMatch(result.stderr, STACK_LINE);
    });
  }

  it('cookies.include: [constructor] with values purges each value and absent', () => {
    const result = run(keyed('include: [constructor]', 'constructor: [a, b]'));
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      'https://www.example.com/',
      { url: 'https://www.example.com/', headers: { cookie: 'constructor=a' } },
      { url: 'https://www.example.com/', headers: { cookie: 'constructor=b' } },
    ] }]);
  });

  it('cookies.check_presence: [toString] is present (toString=1) and absent', () => {
    const result = run(keyed('check_presence: [toString]', ''));
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as Plan;
    assert.deepEqual(plan.requests.map((r) => r.body), [{ files: [
      'https://www.example.com/',
      { url: 'https://www.example.com/', headers: { cookie: 'toString=1' } },
    ] }]);
  });
});
