// `purgeplan coverage --logs FILE…` (docs/coverage.md): reads Logpush records line by line, tallies their
// entries against the plan, reports. Exit 0 nothing missed, 2 missed entries, 1 error.
import { UserError } from '../errors.js';
import { plural, printable } from '../format.js';
import { CoverageTally } from '../inspect/coverage.js';
import { coverageJson, renderCoverageHuman, renderCoverageMarkdown } from '../inspect/coverage-render.js';
import { forEachLine, logInputs, MAX_LINE_BYTES } from '../inspect/logfiles.js';
import { parseLogLine } from '../inspect/logs.js';
import type { Io } from './io.js';
import { loadTarget } from './inspect-target.js';
import type { TargetOptions } from './inspect-target.js';

export interface CoverageOptions extends TargetOptions {
  readonly logs: readonly string[];
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
  const inputs = logInputs(options.logs, io.cwd);
  const target = await loadTarget(options, io);
  if (target === 1) return 1;
  const tally = new CoverageTally(target.inspector);
  const started = edges.now();
  let lastDrawn = 0;
  let drawn = false;
  let lines = 0;
  for (const input of inputs) {
    tally.startFile(input.name);
    await forEachLine(input, edges.stdin, (line, lineNumber) => {
      tally.add(line === null ? { kind: 'skipped', reason: `longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB: not a Logpush record` } : parseLogLine(line), lineNumber);
      if (edges.stderrIsTTY && (++lines & 4095) === 0) {
        const now = edges.now();
        if (now - started >= PROGRESS_AFTER_MS && now - lastDrawn >= PROGRESS_EVERY_MS) {
          lastDrawn = now;
          drawn = true;
          io.stderr(`\r\u001b[K${printable(input.name)}: ${plural(lineNumber, 'line')}, ${plural(tally.totalRequests, 'request')}, ${plural(tally.distinctEntries, 'entry', 'entries')}…`);
        }
      }
    });
    if (tally.validRecords === 0) {
      if (drawn) io.stderr('\r\u001b[K');
      throw new UserError(`--logs ${input.name}: no valid Logpush record (each line must be a JSON object with ClientRequestHost and ClientRequestURI)`, {
        hint: 'coverage reads Cloudflare Logpush http_requests in NDJSON (output_type ndjson), one record a line, .gz or plain',
      });
    }
  }
  if (drawn) io.stderr('\r\u001b[K');
  const report = tally.report(options.top, (group) => target.inspector.index.groupOrder(group));
  const context = { against: target.against.label, config: target.config.file, top: options.top };
  if (options.json) io.stdout(coverageJson(report, context));
  else if (options.markdown) io.stdout(renderCoverageMarkdown(report, context));
  else io.stdout(renderCoverageHuman(report, context, io.stdoutStyle));
  return report.requests.missed > 0 ? 2 : 0;
}
