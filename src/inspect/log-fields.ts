// What a Logpush record must carry for coverage to build the entries of purge.yaml's cache keys
// (docs/coverage.md#hand-it-to-an-engine): the request's own fields, and the key's dimensions,
// each in the least form that builds the same entry (the first language of Accept-Language,
// only whether a presence header is there). `coverage --print-sql` selects these and no more.
import type { CacheKey, Config } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { compare } from '../vocabulary.js';
import { keyDimensions } from './entry.js';

/**
 * `value`: the whole value; `language`: its first language code (a key's `lang`); `presence`: only
 * whether it is there. A name two keys read in two forms is read in the fuller one.
 */
export type ValueForm = 'value' | 'language' | 'presence';

export interface LogFields {
  readonly deviceType: boolean;
  readonly country: boolean;
  /** RequestHeaders keys (lower case), sorted. */
  readonly headers: readonly { readonly name: string; readonly form: ValueForm }[];
  /** Cookies keys (as written), sorted; the `cookie` request header stands for them when a record has no Cookies. */
  readonly cookies: readonly { readonly name: string; readonly form: 'value' | 'presence' }[];
}

const FULLNESS: Readonly<Record<ValueForm, number>> = { presence: 0, language: 1, value: 2 };

/**
 * The cache keys coverage builds entries with: `--cache-key`'s alone, else every zone's and
 * every group's (a routed group's per zone), as the inspector picks among them per request.
 */
export function cacheKeysInUse(config: Config, forced: CacheKey | undefined): CacheKey[] {
  if (forced) return [forced];
  const keys = new Set<CacheKey>();
  for (const zone of config.zones) keys.add(zone.cacheKey === null ? DEFAULT_CACHE_KEY : config.cacheKeys.get(zone.cacheKey) ?? DEFAULT_CACHE_KEY);
  for (const group of config.groups) {
    keys.add(group.cacheKey);
    for (const route of group.routes?.values() ?? []) keys.add(route.cacheKey);
  }
  return [...keys];
}

export function logFields(keys: readonly CacheKey[]): LogFields {
  let deviceType = false;
  let country = false;
  const headers = new Map<string, ValueForm>();
  const cookies = new Map<string, 'value' | 'presence'>();
  const fuller = <F extends ValueForm>(forms: Map<string, F>, name: string, form: F) => {
    const had = forms.get(name);
    if (had === undefined || FULLNESS[form] > FULLNESS[had]) forms.set(name, form);
  };
  for (const key of keys) {
    for (const dimension of keyDimensions(key)) {
      switch (dimension.source) {
        case 'device': deviceType = true; break;
        case 'country': country = true; break;
        case 'header': fuller(headers, dimension.name, dimension.path === 'lang' ? 'language' : 'value'); break;
        case 'presence': fuller(headers, dimension.name, 'presence'); break;
        case 'cookie': fuller(cookies, dimension.name, 'value'); break;
        case 'cookie-presence': fuller(cookies, dimension.name, 'presence'); break;
        default: {
          const never: never = dimension.source;
          throw new Error(`unknown dimension source ${String(never)}`);
        }
      }
    }
  }
  const sorted = <F>(forms: Map<string, F>) => [...forms].sort((a, b) => compare(a[0], b[0])).map(([name, form]) => ({ name, form }));
  return { deviceType, country, headers: sorted(headers), cookies: sorted(cookies) };
}
