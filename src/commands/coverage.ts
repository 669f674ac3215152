// `purgeplan coverage --logs FILE…` (docs/coverage.md): reads Logpush records line by line, tallies their
// entries against the plan, reports; `--graphql` reads GraphQL Analytics instead (coverage-graphql.ts).
// Exit 0 nothing missed, 2 missed entries, 1 error.
import { UserError } from '../errors.js';
import { plural, printable } from '../format.js';
import { CoverageTally } from '../inspect/coverage.js';
import type { CoverageReport } from '../inspect/coverage.js';
import { coverageJson, renderCoverageHuman, renderCoverageMarkdown } from '../inspect/coverage-render.js';
import type { CoverageContext } from '../inspect/coverage-render.js';
import { tallyInput } from '../inspect/log-reader.js';
import { logInputs } from '../inspect/logfiles.js';
import { cacheKeysInUse, logFields } from '../inspect/log-fields.js';
import { checkSource, graphqlCoverage } from './coverage-graphql.js';
import type { GraphqlFlags } from './coverage-graphql.js';
import { coverageSql, quotedTable } from '../inspect/sql.js';
import type { SqlEngine } from '../inspect/sql.js';
import { tallyInParallel, workerCount } from './coverage-workers.js';
import type { Io } from './io.js';
import { loadTarget } from './inspect-target.js';
import { cloudflareZonesOnly } from '../providers/cloudflare-only.js';

export interface CoverageOptions extends GraphqlFlags {
  readonly printSql?: SqlEngine;
  readonly table?: string;
  readonly threads?: number;
  readonly top: number;
  readonly json: boolean;
  readonly markdown: boolean;
}

export interface CoverageEdges {
  readonly stdin: NodeJS.ReadableStream;
  /** Whether stderr is a terminal: then a progress line is drawn for large inputs. */
  readonly stderrIsTTY: boolean;
  readonly now: () => number;
}

/** The progress line appears once reading takes longer than this, and redraws this often. */
const PROGRESS_AFTER_MS = 1000;
const PROGRESS_EVERY_MS = 250;

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function coverageCommand(options: CoverageOptions, io: Io, edges: CoverageEdges): Promise<number> {
  if (options.json && options.markdown) throw new UserError('--json and --markdown cannot be combined');
  if (options.printSql !== undefined) return printSql(options, options.printSql, io);
  if (options.table !== undefined) throw new UserError('--table goes with --print-sql', { hint: 'e.g. purgeplan coverage --print-sql duckdb --table http_requests' });
  checkSource(options);
  if (options.graphql) {
    const read = await graphqlCoverage(options, io, edges.now());
    return read === 1 ? 1 : print(read.report, read.context, options, io);
  }
  const inputs = logInputs(options.logs ?? [], io.cwd);
  const target = await loadTarget(options, io);
  if (target === 1) return 1;
  cloudflareZonesOnly(target.config.zones, 'coverage judges Cloudflare\'s cache keys (requests to other zones\' hosts are counted, not judged)', io.stderr);
  const progress = progressLine(io, edges);
  let tally: CoverageTally;
  const threads = workerCount(inputs, options.threads);
  if (threads > 1) {
    let lines = 0;
    const read = await tallyInParallel(options, io.cwd, target, inputs, threads, (more) => {
      lines += more;
      progress.draw(() => `${plural(inputs.length, 'file')} on ${threads} threads: ${plural(lines, 'line')}…`);
    });
    progress.clear();
    inputs.forEach((input, index) => {
      const error = read.errors.get(index);
      if (error) throw error;
      if (!read.tally.hadRecords(index)) throw noValidRecord(input.name);
    });
    tally = read.tally;
  } else {
    tally = new CoverageTally(target.inspector);
    for (const [index, input] of inputs.entries()) {
      let lines = 0;
      await tallyInput(tally, input, index, edges.stdin, (more) => {
        lines += more;
        progress.draw(() => `${printable(input.name)}: ${plural(lines, 'line')}, ${plural(tally.totalRequests, 'request')}, ${plural(tally.distinctEntries, 'entry', 'entries')}…`);
      });
      if (!tally.hadRecords(index)) {
        progress.clear();
        throw noValidRecord(input.name);
      }
    }
    progress.clear();
  }
  const report = tally.report(options.top, (group) => target.inspector.index.groupOrder(group));
  return print(report, { against: target.against.label, config: target.config.file, top: options.top }, options, io);
}

/** Prints the report in the form asked for; the exit code. */
function print(report: CoverageReport, context: CoverageContext, options: CoverageOptions, io: Io): number {
  if (options.json) io.stdout(coverageJson(report, context));
  else if (options.markdown) io.stdout(renderCoverageMarkdown(report, context));
  else io.stdout(renderCoverageHuman(report, context, io.stdoutStyle));
  return report.requests.missed > 0 ? 2 : 0;
}

function noValidRecord(name: string): UserError {
  return new UserError(`--logs ${printable(name)}: no valid Logpush record (each line must be a JSON object with ClientRequestHost and ClientRequestURI)`, {
    hint: 'coverage reads Cloudflare Logpush http_requests in NDJSON (output_type ndjson), one record a line, .gz or plain',
  });
}

/** The progress line on a terminal: drawn once reading takes a while, cleared before the report. */
function progressLine(io: Io, edges: CoverageEdges): { draw: (text: () => string) => void; clear: () => void } {
  const started = edges.now();
  let lastDrawn = 0;
  let drawn = false;
  return {
    draw: (text) => {
      if (!edges.stderrIsTTY) return;
      const now = edges.now();
      if (now - started < PROGRESS_AFTER_MS || now - lastDrawn < PROGRESS_EVERY_MS) return;
      lastDrawn = now;
      drawn = true;
      io.stderr(`\r\u001b[K${text()}`);
    },
    clear: () => {
      if (drawn) io.stderr('\r\u001b[K');
      drawn = false;
    },
  };
}

/** `--print-sql ENGINE`: the query that reduces the logs where they are; no log is read. */
async function printSql(options: CoverageOptions, engine: SqlEngine, io: Io): Promise<number> {
  const other = options.logs !== undefined ? '--logs' : options.graphql ? '--graphql' : options.json ? '--json' : options.markdown ? '--markdown' : undefined;
  if (other) throw new UserError(`--print-sql prints a query and reads no logs: ${other} cannot be combined with it`, { hint: `run the query where the logs are, then: purgeplan coverage --logs FILE` });
  const table = quotedTable(engine, options.table ?? 'http_requests');
  if (table === null) {
    throw new UserError(`--table ${printable(JSON.stringify(options.table))}: not a table name (up to three names of letters, digits, _ and -, separated by dots)`, {
      hint: 'create a view of that name over the logs, e.g. CREATE VIEW http_requests AS SELECT * FROM read_json_auto(…)',
    });
  }
  const target = await loadTarget(options, io);
  if (target === 1) return 1;
  cloudflareZonesOnly(target.config.zones, 'the query reads Cloudflare Logpush', io.stderr);
  io.stdout(coverageSql(engine, logFields(cacheKeysInUse(target.config, target.cacheKey)), table));
  return 0;
}
