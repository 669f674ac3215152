// `purgeplan coverage --graphql` (docs/coverage.md#without-logpush-graphql-analytics): the window
// from the flags, the plan as the dataset can observe it, every zone's rows from Cloudflare's
// GraphQL Analytics API counted by weight into the same tally as log records.
import { DEFAULT_API_URL } from '../cloudflare/limits.js';
import { DEFAULT_MAX_RETRIES } from '../cloudflare/retry.js';
import { UserError } from '../errors.js';
import { notObservable, observableView } from '../analytics/observable.js';
import { readGraphql } from '../analytics/read.js';
import { graphqlSource } from '../analytics/report.js';
import { RowReader } from '../analytics/rows.js';
import { DEFAULT_SINCE, windowOf } from '../analytics/window.js';
import type { WindowFlags } from '../analytics/window.js';
import { CoverageTally } from '../inspect/coverage.js';
import type { CoverageReport } from '../inspect/coverage.js';
import type { CoverageContext } from '../inspect/coverage-render.js';
import type { Io } from './io.js';
import { loadTarget } from './inspect-target.js';
import type { TargetOptions } from './inspect-target.js';
import { cloudflareZonesOnly } from '../providers/cloudflare-only.js';

export interface GraphqlFlags extends TargetOptions, WindowFlags {
  readonly graphql?: boolean;
  readonly logs?: readonly string[];
  readonly apiUrl?: string;
  readonly maxRetries?: number;
  readonly top: number;
}

/** The flags only --graphql takes. */
const GRAPHQL_ONLY = [['since', '--since'], ['from', '--from'], ['to', '--to'], ['apiUrl', '--api-url'], ['maxRetries', '--max-retries']] as const;

/** Exactly one source: --logs FILE… or --graphql, and the GraphQL flags only with the latter. */
export function checkSource(options: GraphqlFlags): void {
  const logs = options.logs !== undefined && options.logs.length > 0;
  if (logs && options.graphql) throw new UserError('--logs and --graphql cannot be combined', { hint: 'coverage reads one source: Logpush records or GraphQL Analytics' });
  if (!logs && !options.graphql) {
    throw new UserError('coverage needs a source: --logs FILE… (Logpush records) or --graphql (GraphQL Analytics, every plan)', { hint: 'e.g. purgeplan coverage --graphql --since 24h; --print-sql ENGINE prints the query that reduces logs where they are' });
  }
  const stray = options.graphql ? undefined : GRAPHQL_ONLY.find(([key]) => options[key] !== undefined);
  if (stray) throw new UserError(`${stray[1]} needs --graphql`);
}

/** How the window was asked for, for messages. */
function windowFlagsText(options: WindowFlags): string {
  if (options.from !== undefined) return `--from ${options.from}${options.to === undefined ? '' : ` --to ${options.to}`}`;
  return `--since ${options.since ?? DEFAULT_SINCE}`;
}

/** The report and its context, or 1 when purge.yaml is invalid. */
export async function graphqlCoverage(options: GraphqlFlags, io: Io, now: number): Promise<{ report: CoverageReport; context: CoverageContext } | 1> {
  const window = windowOf(options, now);
  const target = await loadTarget({ ...options, view: observableView }, io);
  if (target === 1) return 1;
  const tally = new CoverageTally(target.inspector);
  tally.startFile('graphql');
  let row = 0;
  let reader: RowReader | undefined;
  const read = await readGraphql(cloudflareZonesOnly(target.config.zones, 'GraphQL Analytics is Cloudflare\'s', io.stderr), {
    apiUrl: options.apiUrl ?? (io.env.PURGEPLAN_API_URL || DEFAULT_API_URL),
    env: io.env,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    window,
    windowFlags: windowFlagsText(options),
    askedAt: now,
  }, (rows, dimensions) => {
    if (reader === undefined || reader.dimensions !== dimensions) reader = new RowReader(target.inspector, dimensions);
    for (const r of rows) tally.add(reader.record(r), ++row);
  });
  return {
    report: tally.report(options.top, (group) => target.inspector.index.groupOrder(group)),
    context: { against: target.against.label, config: target.config.file, top: options.top, source: graphqlSource(read, notObservable(target.config, target.cacheKey)) },
  };
}
