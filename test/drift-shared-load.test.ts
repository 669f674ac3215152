// drift, import and `apply --check-drift` read purge.yaml once and reach Cloudflare the way apply
// does: apply checks drift on the configuration it has loaded and checked (so a purge.yaml apply
// refuses sends nothing, not even the rules' GET), and the zone tokens and the zone lookup by
// name are apply's (cloudflare/zones.ts), with apply's words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { Standin } from './support/cloudflare-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';

const PHASE = 'http_request_cache_settings';
const config = (zone: string) => `version: 1
zones:
  www: ${zone}
groups:
  assets:
    urls: ["https://www.example.com/static/{1..3}.js"]
`;

let standin: Standin;
before(async () => {
  standin = await startStandin({
    tokens: [TOKEN],
    zones: [{ id: ZONE_ID, name: 'example.com', plan: 'enterprise', account_id: 'acc1' }],
    rulesets: { [ZONE_ID]: { [PHASE]: { id: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', version: '1', rules: [] } } },
  });
});
after(async () => {
  await standin.close();
});

describe('apply --check-drift checks the purge.yaml apply loaded', () => {
  const refusals: [string, string, string[], Record<string, string>, RegExp][] = [
    ['over --max-items', `{ id: ${ZONE_ID}, plan: enterprise }`, ['--max-items', '2'], { CLOUDFLARE_API_TOKEN: TOKEN }, /purge\.yaml is invalid/],
    ['a warning under --strict', `{ id: ${ZONE_ID}, plan: enterprise, token_env: GITHUB_TOKEN }`, ['--strict'], { GITHUB_TOKEN: TOKEN }, /warning: .*GITHUB_TOKEN is a GitHub token[\s\S]*purge\.yaml is invalid/],
  ];
  for (const [name, zone, flags, env, pattern] of refusals) {
    it(`${name}: refused before any request, the rules' GET included`, async () => {
      const site = new Site().write('purge.yaml', config(zone));
      try {
        const before = standin.log.length;
        const result = await site.run(['apply', '--auto-approve', '--check-drift', ...flags, '--api-url', standin.url], { env });
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(result.stderr, pattern);
        assert.deepEqual(standin.log.slice(before).map((r) => r.path), []);
      } finally {
        site.remove();
      }
    });
  }

  it('a valid purge.yaml: drift is checked, then the purge is sent', async () => {
    const site = new Site().write('purge.yaml', config(`{ id: ${ZONE_ID}, plan: enterprise }`));
    try {
      const before = standin.log.length;
      const result = await site.run(['apply', '--auto-approve', '--check-drift', '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const paths = standin.log.slice(before).map((r) => r.path);
      const read = paths.findIndex((p) => p.endsWith(`/rulesets/phases/${PHASE}/entrypoint`));
      const purge = paths.findIndex((p) => p.endsWith('/purge_cache'));
      assert.ok(read !== -1 && purge > read, paths.join(' '));
    } finally {
      site.remove();
    }
  });

  it('a configuration warning is printed once, before the rules are read (regression: it was printed again by the plan)', async () => {
    const site = new Site().write('purge.yaml', config(`{ id: ${ZONE_ID}, plan: enterprise, token_env: GITHUB_TOKEN }`));
    try {
      const result = await site.run(['apply', '--auto-approve', '--check-drift', '--api-url', standin.url], { env: { GITHUB_TOKEN: TOKEN } });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(result.stderr.match(/GITHUB_TOKEN is a GitHub token/g)?.length, 1, result.stderr);
    } finally {
      site.remove();
    }
  });
});

describe('drift reaches Cloudflare as apply does', () => {
  it('a zone given by name that the token cannot see: apply\'s words, for drift and import', async () => {
    const site = new Site().write('purge.yaml', config('{ name: missing.example, plan: enterprise }'));
    try {
      for (const command of ['drift', 'import']) {
        const result = await site.run([command, '--api-url', standin.url], { env: { CLOUDFLARE_API_TOKEN: TOKEN } });
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(result.stderr, /error: no zone named missing\.example is visible to this token \(CLOUDFLARE_API_TOKEN, zones\.www\)/);
        assert.match(result.stderr, /hint: check the name, and that the token's zone resources include it; or give zones\.www\.id/);
      }
    } finally {
      site.remove();
    }
  });

  it('every missing token variable is named in one error, and nothing is sent', async () => {
    const two = `version: 1
zones:
  www: { id: ${ZONE_ID}, plan: enterprise, token_env: WWW_TOKEN }
  cdn: { name: cdn.example, plan: enterprise, token_env: CDN_TOKEN }
groups:
  assets:
    zone: www
    urls: ["https://www.example.com/a.js"]
`;
    const site = new Site().write('purge.yaml', two);
    try {
      const before = standin.log.length;
      const result = await site.run(['drift', '--api-url', standin.url], { env: {} });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stderr, /error: no API token: environment variable CDN_TOKEN \(zone cdn\), WWW_TOKEN \(zone www\) are not set or empty/);
      assert.match(result.stderr, /hint: export CDN_TOKEN=… with a Cloudflare API token allowed Zone › Cache Rules › Read/);
      assert.equal(standin.log.length, before);
    } finally {
      site.remove();
    }
  });
});
