// Stage 2b: the semantic rules that a schema cannot express (docs/purge-yaml.md), and resolution
// of the file into a Config (defaults applied, names resolved, vars files read). Every problem is
// collected; values of the wrong type were reported by the schema and are skipped here. The
// passes run in the order of the file: cache key profiles, zones, groups.
import type { Diagnostic } from '../diagnostics.js';
import { resolveCacheKey } from './cache-key.js';
import { newChecker } from './checker.js';
import type { Checker } from './checker.js';
import type { SourceReader } from './files.js';
import { checkGroups } from './groups.js';
import type { LoadedConfig } from './load.js';
import { record } from './raw.js';
import type { CacheKey, Config } from './types.js';
import { checkZones } from './zones.js';

interface CheckOptions {
  /** The largest plan, in purge items (--max-items). */
  readonly maxItems: number;
}

export function checkConfig(loaded: LoadedConfig, reader: SourceReader, options: CheckOptions): { config: Config; diagnostics: Diagnostic[] } {
  const c = newChecker(loaded, reader);
  const profiles = checkProfiles(c);
  const zones = checkZones(c, profiles);
  const groups = checkGroups(c, zones, profiles, options.maxItems);
  return { config: { file: loaded.file, digest: loaded.digest, inputsDigest: `sha256:${c.inputs.digest('hex')}`, zones, groups, cacheKeys: profiles }, diagnostics: c.diagnostics };
}

/** The `cache_keys` profiles by name, in file order. */
function checkProfiles(c: Checker): Map<string, CacheKey> {
  const raws = record(c.loaded.value.cache_keys) ?? {};
  const profiles = new Map<string, CacheKey>();
  for (const name of c.loaded.locate.keys(['cache_keys'])) {
    const raw = record(raws[name]);
    if (raw) profiles.set(name, resolveCacheKey(raw, ['cache_keys', name], c.error, c.warning));
  }
  return profiles;
}
