// One cache key against another, dimension by dimension (docs/commands.md#drift-and-import): the query string mode and
// lists, sort, device type, geo, lang, headers, cookies, host.resolved. Pure; used by drift (the
// declared key against a rule's) and import (which keys are the same profile).
import type { CacheKey } from '../config/types.js';
import type { PathSegment } from '../config/path.js';
import { compare } from '../vocabulary.js';

export interface DimensionDifference {
  /** As purge.yaml spells it, e.g. `query_string.sort`, `headers.include`. */
  readonly dimension: string;
  /** Where the setting lives under the profile, e.g. ['query_string', 'exclude']. */
  readonly path: readonly PathSegment[];
  readonly declared: string;
  readonly actual: string;
  /** The purge.yaml setting that matches the rule, as YAML (`device_type: true`). */
  readonly fix: string;
}

type QueryMode = { readonly mode: 'all' } | { readonly mode: 'ignore' } | { readonly mode: 'include' | 'exclude'; readonly names: readonly string[] };

/** The query rule a key means, `*` read as Cloudflare does (docs/purge-yaml.md). */
export function queryMode(key: CacheKey): QueryMode {
  if (key.queryIgnore) return { mode: 'ignore' };
  if (key.queryInclude) return key.queryInclude.includes('*') ? { mode: 'all' } : { mode: 'include', names: sorted(key.queryInclude) };
  if (key.queryExclude) {
    if (key.queryExclude.includes('*')) return { mode: 'ignore' };
    if (key.queryExclude.length > 0) return { mode: 'exclude', names: sorted(key.queryExclude) };
  }
  return { mode: 'all' };
}

function sorted(names: readonly string[]): string[] {
  return [...new Set(names)].sort(compare);
}

export function flowList(names: readonly string[]): string {
  return `[${names.map(yamlScalar).join(', ')}]`;
}

/** A plain YAML scalar when safe, else double-quoted. */
export function yamlScalar(text: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/.test(text) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(text) && !/^[0-9.+-]/.test(text) ? text : JSON.stringify(text);
}

function describeQuery(mode: QueryMode): string {
  switch (mode.mode) {
    case 'all': return 'every parameter';
    case 'ignore': return 'ignore: true';
    case 'include':
    case 'exclude': return `${mode.mode}: ${flowList(mode.names)}`;
    default: {
      const never: never = mode;
      return String(never);
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  const x = sorted(a);
  const y = sorted(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Every dimension in which `actual` differs from `declared` (empty: the same key). */
export function differences(declared: CacheKey, actual: CacheKey): DimensionDifference[] {
  const out: DimensionDifference[] = [];
  const declaredQuery = queryMode(declared);
  const actualQuery = queryMode(actual);
  const sameQuery = declaredQuery.mode === actualQuery.mode
    && (!('names' in declaredQuery) || sameList(declaredQuery.names, (actualQuery as { names: readonly string[] }).names));
  if (!sameQuery) {
    const declaredKey = declaredQuery.mode === 'all' ? [] : [declaredQuery.mode];
    out.push({
      dimension: 'query_string', path: ['query_string', ...declaredKey],
      declared: describeQuery(declaredQuery), actual: describeQuery(actualQuery),
      fix: actualQuery.mode === 'all' ? 'query_string without ignore, include or exclude' : `query_string.${describeQuery(actualQuery)}`,
    });
  }
  const flag = (dimension: string, path: PathSegment[], a: boolean, b: boolean) => {
    if (a !== b) out.push({ dimension, path, declared: String(a), actual: String(b), fix: `${dimension}: ${b}` });
  };
  const list = (dimension: string, path: PathSegment[], a: readonly string[], b: readonly string[]) => {
    if (!sameList(a, b)) out.push({ dimension, path, declared: flowList(sorted(a)), actual: flowList(sorted(b)), fix: `${dimension}: ${flowList(sorted(b))}` });
  };
  flag('query_string.sort', ['query_string', 'sort'], declared.querySort, actual.querySort);
  flag('device_type', ['device_type'], declared.deviceType, actual.deviceType);
  flag('geo', ['geo'], declared.geo, actual.geo);
  flag('lang', ['lang'], declared.lang, actual.lang);
  list('headers.include', ['headers', 'include'], declared.headerInclude, actual.headerInclude);
  list('headers.check_presence', ['headers', 'check_presence'], declared.headerPresence, actual.headerPresence);
  flag('headers.exclude_origin', ['headers', 'exclude_origin'], declared.excludeOrigin, actual.excludeOrigin);
  list('cookies.include', ['cookies', 'include'], declared.cookieInclude, actual.cookieInclude);
  list('cookies.check_presence', ['cookies', 'check_presence'], declared.cookiePresence, actual.cookiePresence);
  flag('host.resolved', ['host', 'resolved'], declared.hostResolved, actual.hostResolved);
  return out;
}
