import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zoneForHost } from '../src/config/route.js';
import type { Zone } from '../src/config/types.js';

const zone = (name: string, zoneName: string | null): Zone => ({
  name, id: null, zoneName, accountId: null, plan: 'free', tokenEnv: 'CLOUDFLARE_API_TOKEN', cacheKey: null,
  schemes: null, allowPurgeEverything: false, action: 'purge', filesPerRequest: 30, itemsPerRequest: 100,
  provider: 'cloudflare', concurrency: 1,
});

describe('zoneForHost (docs/purge-yaml.md)', () => {
  const zones = [zone('main', 'example.com'), zone('shop', 'shop.example.com'), zone('other', 'example.org'), zone('anon', null)];
  it('takes the zone whose name equals the host', () => assert.equal(zoneForHost(zones, 'example.org')?.name, 'other'));
  it('takes a parent domain', () => assert.equal(zoneForHost(zones, 'www.example.com')?.name, 'main'));
  it('the longest name wins', () => assert.equal(zoneForHost(zones, 'eu.shop.example.com')?.name, 'shop'));
  it('matches whole labels only', () => assert.equal(zoneForHost(zones, 'badexample.com'), undefined));
  it('an unowned host has no zone', () => assert.equal(zoneForHost(zones, 'example.net'), undefined));
  it('a zone without name takes nothing when routed', () => assert.equal(zoneForHost([zone('anon', null)], 'a.test'), undefined));
  it('a single zone without name takes every host for explain and coverage', () =>
    assert.equal(zoneForHost([zone('anon', null)], 'a.test', true)?.name, 'anon'));
});
