// Reading what Cloudflare's GraphQL API answers (docs/coverage.md#without-logpush-graphql-analytics),
// without trusting its shape: the settings node's limits per zone, the rows of a page per zone, and
// what kind of failure an `errors` list reports
// (https://developers.cloudflare.com/analytics/graphql-api/errors/). Pure.
import { DATASET } from './query.js';

export interface DatasetSettings {
  readonly enabled: boolean;
  /** Seconds one query's window may span. */
  readonly maxDuration: number;
  /** Rows one query may return. */
  readonly maxPageSize: number;
  /** Seconds back from now a query may reach. */
  readonly notOlderThan: number;
  /** Fields one query may use; null when the node does not say. */
  readonly maxNumberOfFields: number | null;
  /** The dataset's fields this token may read (`dimensions_` dropped); null when the node does not list them. */
  readonly availableFields: ReadonlySet<string> | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** `data.viewer[field]` as a list, or null. */
function viewerList(data: unknown, field: string): unknown[] | null {
  const viewer = isObject(data) ? data.viewer : undefined;
  const list = isObject(viewer) ? viewer[field] : undefined;
  return Array.isArray(list) ? list : null;
}

/** Each zone's settings by zone tag, or why they cannot be used. */
export function readSettings(data: unknown, zoneTags: readonly string[]): Map<string, DatasetSettings | { readonly problem: string }> {
  const found = new Map<string, DatasetSettings | { readonly problem: string }>();
  const zones = viewerList(data, 'zones') ?? [];
  for (const tag of zoneTags) {
    const zone = zones.find((z) => isObject(z) && z.zoneTag === tag);
    const node = isObject(zone) && isObject(zone.settings) ? zone.settings[DATASET] : undefined;
    if (!isObject(node)) {
      found.set(tag, { problem: zone === undefined ? 'the answer does not list the zone' : `the answer has no settings for ${DATASET}` });
      continue;
    }
    const { maxDuration, maxPageSize, notOlderThan, maxNumberOfFields, availableFields } = node;
    if (node.enabled !== true) {
      found.set(tag, { problem: `${DATASET} is not enabled for the zone (settings: enabled ${JSON.stringify(node.enabled ?? null)})` });
      continue;
    }
    const bad = ([['maxDuration', maxDuration], ['maxPageSize', maxPageSize], ['notOlderThan', notOlderThan]] as const).find(([, value]) => !isCount(value));
    if (bad) {
      found.set(tag, { problem: `the settings give no usable ${bad[0]} (${typeof bad[1] === 'number' ? bad[1] : typeof bad[1]})` });
      continue;
    }
    found.set(tag, {
      enabled: true,
      maxDuration: maxDuration as number,
      maxPageSize: maxPageSize as number,
      notOlderThan: notOlderThan as number,
      maxNumberOfFields: isCount(maxNumberOfFields) ? maxNumberOfFields : null,
      availableFields: Array.isArray(availableFields)
        ? new Set(availableFields.filter((f): f is string => typeof f === 'string').map((f) => f.replace(/^dimensions[._]/, '')))
        : null,
    });
  }
  return found;
}

/** One row: its `count` as answered, and its dimension values in the order asked (null: not a string). */
export interface GroupRow {
  readonly count: unknown;
  readonly values: readonly (string | null)[];
}

/** The rows of the zone under `alias`, or why the answer has none. */
export function readPage(data: unknown, alias: string, zoneTag: string, dimensions: readonly string[]): GroupRow[] | { readonly problem: string } {
  const zones = viewerList(data, alias);
  if (zones === null) return { problem: 'the answer has no data for the zone' };
  const zone = zones.find((z) => isObject(z) && (z.zoneTag === undefined || z.zoneTag === zoneTag));
  if (zones.length === 0 || !isObject(zone)) return { problem: 'the answer does not list the zone' };
  const rows = zone[DATASET];
  if (!Array.isArray(rows)) return { problem: `the answer has no ${DATASET} list` };
  return rows.map((row): GroupRow => {
    const values = isObject(row) && isObject(row.dimensions) ? row.dimensions : {};
    return { count: isObject(row) ? row.count : undefined, values: dimensions.map((d) => (typeof values[d] === 'string' ? values[d] as string : null)) };
  });
}

export type FailureKind = 'permission' | 'retention' | 'limits' | 'other';

/**
 * What a failed query means, by its HTTP status and its errors' messages: 401, 403 and "not
 * authorized" / "does not have access" are the token's permission (Analytics Read), "cannot request
 * data older than" the window's age, the other "dataset accessibility" messages the query's size.
 */
export function failureKind(status: number | undefined, messages: readonly string[]): FailureKind {
  const text = messages.join('\n');
  if (status === 401 || status === 403 || /\bnot authori[sz]ed\b|\bunauthori[sz]ed\b|does not have access/i.test(text)) return 'permission';
  if (/cannot request data older than/i.test(text)) return 'retention';
  if (/time range is too large|limit must be|number of fields/i.test(text)) return 'limits';
  return 'other';
}
