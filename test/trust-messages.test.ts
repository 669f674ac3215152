// Issue 9 papercuts on messages: numbers keep the text as typed (docs/commands.md "Values"), the
// quote-your-zone-id and punycode hints, and huge counts printed exactly. Through the built CLI.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Site, ZONE_ID } from './support/site.js';

async function validate(config: string, args: readonly string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const site = new Site().write('purge.yaml', config);
  try {
    return await site.run(['validate', ...args]);
  } finally {
    site.remove();
  }
}

describe('a value written as a YAML number keeps the text as typed (docs/commands.md)', () => {
  it('tags [007, 12.50, 0x1F, 1e3] are purged as typed, not as 7, 12.5, 31, 1000', async () => {
    const site = new Site().write('purge.yaml', `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  numbers:
    tags: [007, 12.50, 0x1F, 1e3]
    prefixes: [example.com/007/]
`);
    try {
      const result = await site.run(['plan', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const plan = JSON.parse(result.stdout) as { requests: { body: { tags?: string[]; prefixes?: string[] } }[] };
      const tags = plan.requests.flatMap((r) => r.body.tags ?? []);
      assert.deepEqual([...tags].sort(), ['007', '0x1f', '12.50', '1e3']);
      assert.deepEqual(plan.requests.flatMap((r) => r.body.prefixes ?? []), ['example.com/007/']);
    } finally {
      site.remove();
    }
  });

  it('a host written as a number is refused quoting it as typed, with a hint to quote it', async () => {
    const result = await validate(`version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  numbers:
    hosts: [0x1F, 007]
`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^purge\.yaml:6:13: error: groups\.numbers\.hosts\[0\] must be a string \(got number 0x1F\)\n {2}hint: put it in quotes so that YAML keeps it as text: "0x1F"$/m);
    assert.match(result.stderr, /^purge\.yaml:6:19: error: groups\.numbers\.hosts\[1\] must be a string \(got number 007\)$/m);
    assert.doesNotMatch(result.stderr, /got number (31|7)\)/);
  });
});

describe('a zone id that YAML reads as a number says to quote it', () => {
  for (const id of ['12345678901234567890123456789012', '1234567e890123456789012345678901', '12345678901234567890123456789e12']) {
    it(id, async () => {
      const result = await validate(`version: 1
zones:
  www:
    id: ${id}
groups:
  home:
    urls: ["https://example.com/"]
`);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`^purge\\.yaml:4:9: error: zones\\.www\\.id must be a string \\(got number ${id}\\)\\n {2}hint: put it in quotes so that YAML keeps it as text: "${id}"$`, 'm'));
      assert.doesNotMatch(result.stderr, /e\+\d|Infinity/);
    });
  }
});

describe('non-ASCII domains: what is sent (punycode)', () => {
  it('a zone name with non-ASCII letters gets its punycode form as the hint', async () => {
    const result = await validate(`version: 1
zones:
  www: { id: ${ZONE_ID}, name: bücher.de }
groups:
  home:
    urls: ["https://bücher.de/"]
`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^purge\.yaml:3:54: error: zones\.www\.name: "bücher\.de" is not a zone name\n {2}hint: .*punycode.*"xn--bcher-kva\.de"$/m);
  });

  it('a URL outside the zone names the host as typed and as sent', async () => {
    const result = await validate(`version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  home:
    urls: ["https://bücher.de/"]
`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^purge\.yaml:6:12: warning: groups\.home\.urls\[0\]: host "bücher\.de" \(sent as "xn--bcher-kva\.de", its punycode form\) is not in zone "www" \(example\.com\)$/m);
  });
});

describe('huge counts are printed exactly, with thousands separators', () => {
  it('--max-items and the group-size warning print the exact integer, never 1e+21', async () => {
    const result = await validate(`version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  huge:
    urls: ["https://example.com/{1..999999}/{1..999999}/{1..999999}/{1..999999}/x{0..9}"]
`);
    assert.equal(result.code, 1);
    // 999,999^4 × 10, which a double cannot hold (it would print 9.999960000059998e+24).
    assert.match(result.stderr, /^purge\.yaml:4:1: error: groups: the plan would expand to 9,999,960,000,059,999,960,000,010 purge items, more than --max-items 1,000,000$/m);
    assert.match(result.stderr, /^purge\.yaml:5:3: warning: groups\.huge: group "huge" expands to 9,999,960,000,059,999,960,000,010 items, more than 100,000 \(9,999,960,000,059,999,960,000,010 URLs × 1 scheme × 1 header variant\)$/m);
    assert.doesNotMatch(result.stderr, /e\+\d/);
  });

  it('hosts, prefixes and tags patterns count exactly too', async () => {
    const result = await validate(`version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com }
groups:
  tags:
    tags: ["t{1..999999}-{1..999999}-{1..999999}-{1..999999}"]
`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the plan would expand to 999,996,000,005,999,996,000,001 purge items/);
  });
});
