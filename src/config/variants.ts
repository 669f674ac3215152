// Validation and resolution of a group's `variants` against its cache key (docs/purge-yaml.md,
// "Variants: one URL, many cache entries"): which dimensions the key has, which the group must
// give values for, and which would purge nothing. One rule per kind of dimension, run in order.
import { DEFAULT_KEY_HEADERS, DEVICE_TYPES, UNINCLUDABLE_HEADERS } from '../cloudflare/limits.js';
import { COUNTRY_CODES, COUNTRY_SET } from '../cloudflare/countries.js';
import { didYouMean } from '../suggest.js';
import { displayPath } from './path.js';
import type { PathSegment, Report } from './path.js';
import { record } from './raw.js';
import type { Raw, TextOf } from './raw.js';
import { headerValueProblem, headerValueSpacing } from './values.js';
import type { CacheKey, Dimension } from './types.js';

interface VariantReporter {
  readonly error: Report;
  readonly warning: Report;
  /** A variant for a dimension the key lacks (an error unless the caller says otherwise: a routed group's). */
  readonly notInKey?: Report;
}

interface RawDimension {
  readonly values: readonly string[] | null;
  /** Where each of `values` is written. */
  readonly paths: readonly (readonly PathSegment[])[];
  readonly absent: boolean | undefined;
  /** Given, but not a list or {values, absent}: the schema reported it; nothing more to say. */
  readonly malformed: boolean;
}

function readDimension(raw: unknown, path: readonly PathSegment[], textOf: TextOf): RawDimension | null {
  if (raw === undefined) return null;
  const readList = (list: readonly unknown[], at: readonly PathSegment[]) => {
    const values: string[] = [];
    const paths: PathSegment[][] = [];
    list.forEach((item, i) => {
      const text = textOf(item, [...at, i]);
      if (text === undefined) return;
      values.push(text);
      paths.push([...at, i]);
    });
    return { values, paths };
  };
  if (Array.isArray(raw)) return { ...readList(raw, path), absent: undefined, malformed: false };
  if (raw !== null && typeof raw === 'object') {
    const { values, absent } = raw as { values?: unknown; absent?: unknown };
    const list = Array.isArray(values) ? readList(values, [...path, 'values']) : { values: null, paths: [] };
    return {
      ...list,
      absent: typeof absent === 'boolean' ? absent : undefined,
      malformed: values !== undefined && !Array.isArray(values),
    };
  }
  return { values: null, paths: [], absent: undefined, malformed: true };
}

/** A dimension given without any value (and not already reported as malformed). */
const isEmpty = (dimension: RawDimension): boolean => !dimension.malformed && (dimension.values ?? []).length === 0;

/** Common mistakes that edit distance alone would answer wrongly. */
const COUNTRY_ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** One group's variants against one cache key: what the rules read, and how they report. */
interface Scope {
  readonly key: CacheKey;
  /** The `variants` mapping ({} when absent or of the wrong type). */
  readonly raw: Raw;
  /** `groups.NAME.variants`. */
  readonly vpath: readonly PathSegment[];
  readonly report: VariantReporter;
  /** A dimension the key varies on that the group does not list (`sub` below `variants`). */
  missing(sub: readonly string[], what: string, example: string): void;
  /** Variants listed for a dimension the key does not have. */
  notInKey(path: readonly PathSegment[], what: string, setting: string, hint?: string): void;
  /** A dimension listed without values. */
  empty(path: readonly PathSegment[]): void;
  read(value: unknown, at: readonly PathSegment[]): RawDimension | null;
  /** The values that can go on the wire as they are; the others are reported and left out. */
  sendable(dimension: RawDimension | null, kind: 'header' | 'cookie'): RawDimension | null;
}

/** A rule reports the problems of one kind of dimension and returns the dimensions it gives. */
type Rule = (scope: Scope) => Dimension[];

/**
 * Builds the dimensions of the header cross product for one group. `path` is the group's path
 * (['groups', name]); problems are reported through `report` at the offending node. Values are
 * required only of a group that purges URLs.
 */
export function resolveDimensions(key: CacheKey, keyName: string | null, variants: unknown, path: readonly PathSegment[], report: VariantReporter, options: { readonly purgesUrls: boolean; readonly textOf: TextOf }): Dimension[] {
  const scope = scopeOf(key, keyName, variants, path, report, options);
  return RULES.flatMap((rule) => rule(scope));
}

function scopeOf(key: CacheKey, keyName: string | null, variants: unknown, path: readonly PathSegment[], report: VariantReporter, options: { readonly purgesUrls: boolean; readonly textOf: TextOf }): Scope {
  // `variants` of the wrong type was reported by the schema: then nothing is "missing" from it.
  const malformed = variants !== undefined && record(variants) === undefined;
  const raw = record(variants) ?? {};
  const vpath = [...path, 'variants'];
  const keyLabel = keyName === null ? "Cloudflare's default cache key" : `cache key "${keyName}"`;
  const read = (value: unknown, at: readonly PathSegment[]) => readDimension(value, at, options.textOf);
  return {
    key, raw, vpath, report, read,
    // A missing key is reported at the deepest mapping on its path that exists.
    // Only URL purges carry variants: hosts, prefixes and tags cover every variant anyway.
    missing(sub, what, example) {
      if (malformed || !options.purgesUrls) return;
      const at = record(raw[sub[0]]) ? [...vpath, sub[0]] : variants !== undefined ? vpath : path;
      report.error(at, 'value', `${displayPath([...vpath, ...sub])} is required: ${keyLabel} varies on ${what}`, `add ${example}`);
    },
    notInKey(p, what, setting, hint) {
      (report.notInKey ?? report.error)(p, 'key', `${displayPath(p)}: ${keyLabel} does not vary on ${what}, so these variants would purge nothing`, hint ?? `remove it, or set ${setting} in the cache key`);
    },
    empty(p) {
      report.error(p, 'value', `${displayPath(p)} has no values: the group would purge no variant of it`, 'list at least one value');
    },
    sendable: (dimension, kind) => sendable(dimension, kind, report),
  };
}

/** Header and cookie values go on the wire as they are: no control characters, no `;` in a cookie (docs/purge-yaml.md, "Values"). */
function sendable(dimension: RawDimension | null, kind: 'header' | 'cookie', report: VariantReporter): RawDimension | null {
  if (!dimension?.values) return dimension;
  const kept: string[] = [];
  const keptPaths: (readonly PathSegment[])[] = [];
  dimension.values.forEach((value, i) => {
    const problem = headerValueProblem(value, kind);
    if (problem) { report.error(dimension.paths[i], 'value', `${displayPath(dimension.paths[i])}: ${problem}`, kind === 'cookie' ? 'list one cookie value per entry, without ";" or control characters' : 'a header value is one line of visible characters'); return; }
    const spacing = headerValueSpacing(value, kind);
    if (spacing) report.warning(dimension.paths[i], 'value', `${displayPath(dimension.paths[i])}: ${spacing.problem}`, spacing.hint);
    kept.push(value);
    keptPaths.push(dimension.paths[i]);
  });
  // Every value refused: already reported, not "has no values" again.
  return { ...dimension, values: kept, paths: keptPaths, malformed: dimension.malformed || (kept.length === 0 && dimension.values.length > 0) };
}

/** Device type: always sent by Cloudflare, so there is no absent variant. */
const deviceType: Rule = (scope) => {
  const { key, raw, vpath, report } = scope;
  const device = scope.read(raw.device_type, [...vpath, 'device_type']);
  if (!key.deviceType) {
    if (device) scope.notInKey([...vpath, 'device_type'], 'device type', 'device_type: true');
    return [];
  }
  let values: string[] = [...DEVICE_TYPES];
  if (device) {
    if (device.absent === true) report.error([...vpath, 'device_type', 'absent'], 'value', `${displayPath([...vpath, 'device_type', 'absent'])}: device_type has no absent variant: Cloudflare always sets cf-device-type`, 'remove absent: true');
    values = [];
    (device.values ?? []).forEach((value, i) => {
      if ((DEVICE_TYPES as readonly string[]).includes(value)) values.push(value);
      else {
        const at = device.paths[i];
        report.error(at, 'value', `${displayPath(at)}: "${value}" is not a device type${didYouMean(value, DEVICE_TYPES)}`, 'Cloudflare sends desktop, mobile or tablet');
      }
    });
    if (isEmpty(device)) scope.empty([...vpath, 'device_type']);
  }
  return [{ kind: 'header', name: 'cf-device-type', values: unique(values) }];
};

/** Country: required when the key has geo; `all` means every code Cloudflare sends. */
const country: Rule = (scope) => {
  const { key, raw, vpath, report } = scope;
  const geo = scope.read(raw.geo, [...vpath, 'geo']);
  if (!key.geo) {
    if (geo) scope.notInKey([...vpath, 'geo'], 'country', 'geo: true');
    return [];
  }
  if (!geo) {
    scope.missing(['geo'], 'country (cf-ipcountry)', 'variants.geo: [US, JP], or geo: [all] for every country');
    return [];
  }
  if (geo.absent === true) report.error([...vpath, 'geo', 'absent'], 'value', `${displayPath([...vpath, 'geo', 'absent'])}: geo has no absent variant: Cloudflare always sets cf-ipcountry (XX when unknown)`, 'remove absent: true; list XX to purge visitors of unknown country');
  const values: string[] = [];
  (geo.values ?? []).forEach((value, i) => {
    const code = value.toUpperCase();
    if (code === 'ALL') values.push(...COUNTRY_CODES);
    else if (COUNTRY_SET.has(code)) values.push(code);
    else {
      const at = geo.paths[i];
      const suggestion = COUNTRY_ALIASES[code] !== undefined ? ` (did you mean "${COUNTRY_ALIASES[code]}"?)` : didYouMean(code, COUNTRY_CODES);
      report.error(at, 'value', `${displayPath(at)}: "${value}" is not a country code${suggestion}`, 'use ISO 3166-1 alpha-2 codes (US, JP, DE), XX for unknown, T1 for Tor, or all');
    }
  });
  if (isEmpty(geo)) scope.empty([...vpath, 'geo']);
  return [{ kind: 'header', name: 'cf-ipcountry', values: unique(values) }];
};

/** Language: sent exactly as written (the cache key is case-sensitive), plus absent. */
const language: Rule = (scope) => {
  const { key, raw, vpath } = scope;
  const lang = scope.sendable(scope.read(raw.lang, [...vpath, 'lang']), 'header');
  if (!key.lang) {
    if (lang) scope.notInKey([...vpath, 'lang'], 'language', 'lang: true');
    return [];
  }
  if (!lang) {
    scope.missing(['lang'], 'language (accept-language)', 'variants.lang: [en-US, ja], exactly as browsers send them');
    return [];
  }
  if (isEmpty(lang)) scope.empty([...vpath, 'lang']);
  return [{ kind: 'header', name: 'accept-language', values: withAbsent(lang) }];
};

/** The headers a group lists, by lower-case name (a name listed twice is reported). */
type ListedHeaders = Map<string, { original: string; dimension: RawDimension | null }>;

/** Headers: included ones (required), presence ones, Origin, and the default key's others. */
const headers: Rule = (scope) => {
  const listed: ListedHeaders = new Map();
  for (const [name, value] of Object.entries(record(scope.raw.headers) ?? {})) {
    const lower = name.toLowerCase();
    if (listed.has(lower)) scope.report.error([...scope.vpath, 'headers', name], 'key', `${displayPath([...scope.vpath, 'headers'])}: header "${name}" is listed twice (header names are case-insensitive)`, 'merge the two entries');
    listed.set(lower, { original: name, dimension: scope.sendable(scope.read(value, [...scope.vpath, 'headers', name]), 'header') });
  }
  const used = new Set<string>();
  const dimensions = [...includedHeaders(scope, listed, used), ...presenceHeaders(scope, listed, used), ...defaultKeyHeaders(scope, listed, used)];
  for (const [lower, entry] of listed) {
    if (used.has(lower)) continue;
    if (lower === 'origin') scope.notInKey([...scope.vpath, 'headers', entry.original], 'Origin (exclude_origin is true)', 'exclude_origin: false');
    else scope.notInKey([...scope.vpath, 'headers', entry.original], `header ${lower}`, `headers.include: [${lower}]`, headerHint(lower));
  }
  return dimensions;
};

/** The key's `headers.include`: values required, plus absent. */
function includedHeaders(scope: Scope, listed: ListedHeaders, used: Set<string>): Dimension[] {
  const dimensions: Dimension[] = [];
  for (const header of scope.key.headerInclude) {
    const entry = listed.get(header);
    used.add(header);
    if (!entry) { scope.missing(['headers', header], `header ${header} (headers.include)`, `variants.headers.${header}: [value, …]`); continue; }
    if (entry.dimension && isEmpty(entry.dimension)) scope.empty([...scope.vpath, 'headers', entry.original]);
    dimensions.push({ kind: 'header', name: header, values: withAbsent(entry.dimension) });
  }
  return dimensions;
}

/** The key's `headers.check_presence`: present (value 1) and absent. */
function presenceHeaders(scope: Scope, listed: ListedHeaders, used: Set<string>): Dimension[] {
  return scope.key.headerPresence.map((header) => {
    const entry = listed.get(header);
    used.add(header);
    // A header of Cloudflare's default key (x-forwarded-host, …) keys its value as well as its
    // presence, so its listed values are the present variants (docs/purge-yaml.md, "Variants":
    // one dimension, values never repeated). Without values, value 1 stands for "present".
    const valued = (DEFAULT_KEY_HEADERS as readonly string[]).includes(header);
    let present: string[] = ['1'];
    if (entry) {
      const values = entry.dimension?.values;
      if (values !== null && values !== undefined && !valued)
        scope.report.error([...scope.vpath, 'headers', entry.original], 'value', `${displayPath([...scope.vpath, 'headers', entry.original])}: header "${header}" is keyed on presence only (check_presence), so its values do not matter`, 'purgeplan purges it present (value 1) and absent; remove the values, or write {absent: false} to skip the absent variant');
      if (valued && values && values.length) present = unique(values);
    }
    return { kind: 'header', name: header, values: entry?.dimension?.absent === false ? present : [...present, null] };
  });
}

/** Origin (unless the key excludes it) and the other headers of Cloudflare's default key: absent plus the listed values. */
function defaultKeyHeaders(scope: Scope, listed: ListedHeaders, used: Set<string>): Dimension[] {
  const dimensions: Dimension[] = [];
  for (const header of [...(scope.key.excludeOrigin ? [] : ['origin']), ...DEFAULT_KEY_HEADERS]) {
    const entry = listed.get(header);
    // Already a dimension of the key's own (headers.include or check_presence): not a second one.
    if (!entry || used.has(header)) continue;
    used.add(header);
    if (header === 'origin' && entry.dimension?.values) checkOrigins(entry.dimension.values, entry.dimension.paths, scope.report);
    dimensions.push({ kind: 'header', name: header, values: withAbsent(entry.dimension) });
  }
  return dimensions;
}

/** Cookies: one `cookie` header per variant, in the key's order (include, then check_presence). */
const cookies: Rule = (scope) => {
  const { key, vpath, report } = scope;
  const listed = record(scope.raw.cookies) ?? {};
  const used = new Set<string>();
  const dimensions: Dimension[] = [];
  for (const cookie of key.cookieInclude) {
    used.add(cookie);
    const dimension = Object.hasOwn(listed, cookie) ? scope.sendable(scope.read(listed[cookie], [...vpath, 'cookies', cookie]), 'cookie') : undefined;
    if (dimension === undefined) { scope.missing(['cookies', cookie], `cookie ${cookie} (cookies.include)`, `variants.cookies.${cookie}: [value, …]`); continue; }
    if (dimension && isEmpty(dimension)) scope.empty([...vpath, 'cookies', cookie]);
    dimensions.push({ kind: 'cookie', name: cookie, values: withAbsent(dimension) });
  }
  for (const cookie of key.cookiePresence) {
    used.add(cookie);
    const dimension = Object.hasOwn(listed, cookie) ? scope.read(listed[cookie], [...vpath, 'cookies', cookie]) : null;
    if (dimension?.values) report.error([...vpath, 'cookies', cookie], 'value', `${displayPath([...vpath, 'cookies', cookie])}: cookie "${cookie}" is keyed on presence only (check_presence), so its values do not matter`, 'purgeplan purges it present (value 1) and absent; remove the values, or write {absent: false}');
    dimensions.push({ kind: 'cookie', name: cookie, values: dimension?.absent === false ? ['1'] : ['1', null] });
  }
  for (const cookie of Object.keys(listed)) {
    if (!used.has(cookie)) scope.notInKey([...vpath, 'cookies', cookie], `cookie ${cookie}`, `cookies.include: [${cookie}]`);
  }
  return dimensions;
};

/** The dimensions of the cross product, in the order the key's variants are crossed. */
const RULES: readonly Rule[] = [deviceType, country, language, headers, cookies];

/**
 * Headers that headers.include cannot take (Cloudflare refuses them, or purgeplan keys them
 * another way): the hint names what to write instead of `headers.include: [name]`.
 */
function headerHint(header: string): string | undefined {
  switch (header) {
    case 'cookie': return 'list cookie values under variants.cookies, with the cookie names in the cache key\'s cookies.include or cookies.check_presence';
    case 'cf-device-type': return 'list device types under variants.device_type, with device_type: true in the cache key';
    case 'cf-ipcountry': return 'list countries under variants.geo, with geo: true in the cache key';
    case 'accept-language': return 'list languages under variants.lang, with lang: true in the cache key (or headers.include: [accept-language])';
    default:
      return (UNINCLUDABLE_HEADERS as readonly string[]).includes(header) || header.startsWith('cf-') ? `Cloudflare does not allow header ${header} in a cache key: remove it` : undefined;
  }
}

function withAbsent(dimension: RawDimension | null): (string | null)[] {
  const values = unique(dimension?.values ?? []);
  return dimension?.absent === false ? values : [null, ...values];
}

function checkOrigins(values: readonly string[], paths: readonly (readonly PathSegment[])[], report: VariantReporter): void {
  values.forEach((value, i) => {
    const at = paths[i];
    if (value === 'null') return;
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/.test(value)) {
      report.warning(at, 'value', `${displayPath(at)}: Origin "${value}" is not of the form scheme://host[:port]`, 'browsers send e.g. https://app.example.com, without path or trailing slash');
    } else if (/^https:\/\/[^/]+:443$|^http:\/\/[^/]+:80$/.test(value)) {
      report.warning(at, 'value', `${displayPath(at)}: Origin "${value}" carries its default port, which browsers omit`, `write ${value.replace(/:(443|80)$/, '')}`);
    }
  });
}
