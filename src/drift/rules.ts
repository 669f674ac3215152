// A zone's Cache Rules as the rulesets API returns them (docs/cloudflare.md), read without
// trusting their shape: each rule's expression parsed, its `cache_key` in every wire form the SDKs
// and the docs show (`{all: true}`, `{list: […]}`, `"*"`, `["*"]`, bare arrays, the legacy
// `ignore`, `cache_by_device_type` beside `custom_key.user.device_type`) turned into the
// purge.yaml cache key it means.
import type { CacheKey } from '../config/types.js';
import { DEFAULT_CACHE_KEY } from '../config/types.js';
import { ExpressionError, parseExpression } from './expression.js';
import type { Expr } from './expression.js';

/** A cache key read from a rule: purge.yaml's dimensions plus what purge.yaml cannot say. */
export interface RuleCacheKey extends CacheKey {
  /** `custom_key.header.contains`: header → substrings (no purge.yaml field yet). */
  readonly headerContains: Readonly<Record<string, readonly string[]>>;
}

export interface CacheRule {
  readonly id: string;
  readonly description: string;
  /** Position in the ruleset (0-based): later rules win. */
  readonly index: number;
  readonly enabled: boolean;
  readonly expressionText: string;
  readonly expression: Expr | { readonly unreadable: string; readonly offset: number };
  /** null when the rule sets no cache key (another setting, or `cache: false`). */
  readonly cacheKey: RuleCacheKey | null;
  /** Parts of `cache_key` that could not be read, each a sentence. */
  readonly keyProblems: readonly string[];
}

export interface Ruleset {
  readonly id: string | null;
  readonly version: string | null;
  readonly rules: readonly CacheRule[];
}

type Raw = Record<string, unknown>;
const record = (value: unknown): Raw | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined);

/** `result` of the entrypoint GET. Rules without a readable shape are kept, with their problems. */
export function readRuleset(result: unknown): Ruleset {
  const raw = record(result) ?? {};
  const rules = (Array.isArray(raw.rules) ? raw.rules : []).map((rule, index) => readRule(rule, index));
  return {
    id: typeof raw.id === 'string' ? raw.id : null,
    version: typeof raw.version === 'string' || typeof raw.version === 'number' ? String(raw.version) : null,
    rules,
  };
}

function readRule(value: unknown, index: number): CacheRule {
  const raw = record(value) ?? {};
  const expressionText = typeof raw.expression === 'string' ? raw.expression : '';
  let expression: CacheRule['expression'];
  try {
    expression = parseExpression(expressionText);
  } catch (error) {
    // Nesting is capped, so the stack cannot run out; should it anyway, the rule is unreadable.
    if (error instanceof RangeError) expression = { unreadable: 'the expression is too complex to read', offset: 0 };
    else if (!(error instanceof ExpressionError)) throw error;
    else expression = { unreadable: error.message, offset: error.offset };
  }
  const parameters = record(raw.action_parameters) ?? {};
  const problems: string[] = [];
  const setsKey = raw.action === 'set_cache_settings' && parameters.cache !== false && parameters.cache_key !== undefined && parameters.cache_key !== null;
  return {
    id: typeof raw.id === 'string' ? raw.id : `#${index + 1}`,
    description: typeof raw.description === 'string' ? raw.description : '',
    index,
    // A rule without `enabled` is enabled (the API's default).
    enabled: raw.enabled !== false,
    expressionText,
    expression,
    cacheKey: setsKey ? readCacheKey(parameters.cache_key, problems) : null,
    keyProblems: problems,
  };
}

/** One `cache_key` object in any of its wire forms; unreadable parts are named in `problems`. */
function readCacheKey(value: unknown, problems: string[]): RuleCacheKey {
  const key = record(value);
  if (!key) {
    problems.push('cache_key is not an object');
    return { ...DEFAULT_CACHE_KEY, headerContains: {} };
  }
  const custom = record(key.custom_key) ?? {};
  const query = readQueryString(custom.query_string, problems);
  const header = record(custom.header) ?? {};
  const cookie = record(custom.cookie) ?? {};
  const user = record(custom.user) ?? {};
  const host = record(custom.host) ?? {};
  const contains: Record<string, string[]> = {};
  for (const [name, substrings] of Object.entries(record(header.contains) ?? {})) {
    contains[name.toLowerCase()] = names(substrings, `custom_key.header.contains.${name}`, problems);
  }
  return {
    querySort: key.ignore_query_strings_order === true,
    ...query,
    // Both spellings of device type exist; either one means the key varies by device.
    deviceType: key.cache_by_device_type === true || user.device_type === true,
    geo: user.geo === true,
    lang: user.lang === true,
    headerInclude: names(header.include, 'custom_key.header.include', problems).map((h) => h.toLowerCase()),
    headerPresence: names(header.check_presence, 'custom_key.header.check_presence', problems).map((h) => h.toLowerCase()),
    excludeOrigin: header.exclude_origin === true,
    cookieInclude: names(cookie.include, 'custom_key.cookie.include', problems),
    cookiePresence: names(cookie.check_presence, 'custom_key.cookie.check_presence', problems),
    hostResolved: host.resolved === true,
    headerContains: contains,
  };
}

type QueryMode = Pick<CacheKey, 'queryIgnore' | 'queryInclude' | 'queryExclude'>;

/** `{all: true}` | `{list: [...]}` | `"*"` | `["*"]` | `[...]` → 'all' or a list (null: absent). */
function readSelection(value: unknown, where: string, problems: string[]): 'all' | string[] | null {
  if (value === undefined || value === null) return null;
  if (value === '*') return 'all';
  if (Array.isArray(value)) {
    const list = names(value, where, problems);
    return list.includes('*') ? 'all' : list;
  }
  const object = record(value);
  if (object) {
    if (object.all === true) return 'all';
    if (object.list !== undefined) {
      const list = names(object.list, `${where}.list`, problems);
      return list.includes('*') ? 'all' : list;
    }
    if (object.all === false || Object.keys(object).length === 0) return null;
  }
  problems.push(`${where} is neither {all: true}, {list: […]}, "*" nor a list`);
  return null;
}

function readQueryString(value: unknown, problems: string[]): QueryMode {
  const query = record(value);
  if (!query) return { queryIgnore: false, queryInclude: null, queryExclude: null };
  // The legacy `ignore: true` "replaces exclude = "*"" (terraform-provider-cloudflare#2074).
  if (query.ignore === true) return { queryIgnore: true, queryInclude: null, queryExclude: null };
  const include = readSelection(query.include, 'custom_key.query_string.include', problems);
  const exclude = readSelection(query.exclude, 'custom_key.query_string.exclude', problems);
  if (exclude === 'all') return { queryIgnore: true, queryInclude: null, queryExclude: null };
  if (Array.isArray(include)) return { queryIgnore: false, queryInclude: include, queryExclude: null };
  if (Array.isArray(exclude) && exclude.length > 0) return { queryIgnore: false, queryInclude: null, queryExclude: exclude };
  return { queryIgnore: false, queryInclude: null, queryExclude: null };
}

function names(value: unknown, where: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    problems.push(`${where} is not a list of names`);
    return [];
  }
  return value as string[];
}
