// The GraphQL documents `coverage --graphql` sends (docs/coverage.md#without-logpush-graphql-analytics):
// the settings node of the dataset for up to 10 zones, then pages of `httpRequestsAdaptiveGroups`
// per zone, each zone under an alias of its own so that each can page on. Values travel as
// variables, never spliced into the text. Pagination has no cursor in Cloudflare's API: the next
// page is the rows after the last one in the order asked for, by filter
// (https://developers.cloudflare.com/analytics/graphql-api/features/pagination/). Pure.
import type { TimeWindow } from './window.js';
import { timeText } from './window.js';

export const DATASET = 'httpRequestsAdaptiveGroups';
/** "A zone-scoped query can include up to 10 zones" (https://developers.cloudflare.com/analytics/graphql-api/limits/). */
export const ZONES_PER_QUERY = 10;
/** The filter input type of the dataset's zone node. */
const FILTER_TYPE = 'ZoneHttpRequestsAdaptiveGroupsFilter_InputObject';

/** The dimensions every query groups by, in the order pages are sorted. */
export const DIMENSIONS = ['clientRequestHTTPHost', 'clientRequestPath', 'clientRequestQuery', 'clientDeviceType', 'clientCountryName', 'cacheStatus'] as const;
/** Grouped by too when the settings node lists it: otherwise a URL matches either scheme. */
export const SCHEME_DIMENSION = 'clientRequestScheme';

export interface GraphqlRequest {
  readonly query: string;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** The limits the settings node reports for the dataset, and the fields it offers. */
export function settingsRequest(zoneTags: readonly string[]): GraphqlRequest {
  return {
    query: `query PurgeplanCoverageSettings($zoneTags: [string!]!) {
  viewer {
    zones(filter: {zoneTag_in: $zoneTags}) {
      zoneTag
      settings {
        ${DATASET} {
          enabled
          availableFields
          maxDuration
          maxNumberOfFields
          maxPageSize
          notOlderThan
        }
      }
    }
  }
}`,
    variables: { zoneTags: [...zoneTags] },
  };
}

/** One zone's part of a page query: its alias is `z` + its index. */
export interface ZonePage {
  readonly zoneTag: string;
  readonly filter: Readonly<Record<string, unknown>>;
}

export const aliasOf = (index: number): string => `z${index}`;

/** One page for each zone given, `limit` rows each, grouped by `dimensions` and sorted by them. */
export function pageRequest(pages: readonly ZonePage[], dimensions: readonly string[], limit: number): GraphqlRequest {
  const declarations: string[] = [];
  const selections: string[] = [];
  const variables: Record<string, unknown> = {};
  const orderBy = dimensions.map((d) => `${d}_ASC`).join(', ');
  pages.forEach((page, i) => {
    const alias = aliasOf(i);
    declarations.push(`$${alias}: string!`, `$${alias}Filter: ${FILTER_TYPE}!`);
    variables[alias] = page.zoneTag;
    variables[`${alias}Filter`] = page.filter;
    selections.push(`    ${alias}: zones(filter: {zoneTag: $${alias}}) {
      zoneTag
      ${DATASET}(limit: ${limit}, filter: $${alias}Filter, orderBy: [${orderBy}]) {
        count
        dimensions {
          ${dimensions.join('\n          ')}
        }
      }
    }`);
  });
  return { query: `query PurgeplanCoverage(${declarations.join(', ')}) {\n  viewer {\n${selections.join('\n')}\n  }\n}`, variables };
}

/**
 * The rows of the window from end users ("eyeball": not Cloudflare's own requests such as purges
 * and health checks), after `cursor` (the last row's dimension values) when there is one: a row
 * is after it when it is greater on the first dimension that differs, in the order of `dimensions`.
 */
export function pageFilter(window: TimeWindow, dimensions: readonly string[], cursor: readonly string[] | null): Record<string, unknown> {
  const filter: Record<string, unknown> = { datetime_geq: timeText(window.from), datetime_lt: timeText(window.to), requestSource: 'eyeball' };
  if (cursor !== null) {
    filter.OR = dimensions.map((dimension, i) => {
      const term: Record<string, unknown> = {};
      for (let j = 0; j < i; j++) term[dimensions[j]!] = cursor[j];
      term[`${dimension}_gt`] = cursor[i];
      return term;
    });
  }
  return filter;
}
