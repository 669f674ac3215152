// The coverage report for people (terminal), for a pull request (markdown) and for machines
// (JSON with the fields docs/coverage.md describes). Pure: report -> string. Values from logs are untrusted and
// pass through `printable` (terminal) or `markdownText` / `markdownCode` (markdown) before they
// are shown: no escape sequence, markup, link, mention or reference of theirs survives.
import type { Styler } from '../diagnostics.js';
import { count, jsonText, plural } from '../format.js';
import { itemLine } from '../render/human.js';
import type { CoverageReport, MissedValue } from './coverage.js';
import { CLASSES } from './coverage.js';
import type { RequestField } from './entry.js';
import { markdownCode, markdownText, printable, quoted } from './text.js';

export interface CoverageContext {
  /** "every group", "the plan release.plan", … */
  readonly against: string;
  readonly config: string;
  readonly top: number;
  /** Requests read from another source than log files (coverage --graphql). */
  readonly source?: CoverageSource;
}

/** A source of requests other than log files: how the report names it, what it says of it, its --json fields. */
export interface CoverageSource {
  readonly label: string;
  /** Said below the coverage line: sampling, what the source cannot see. */
  readonly notes: readonly string[];
  readonly json: Readonly<Record<string, unknown>>;
}

const MEANING = {
  purged: 'an item of the plan purges the entry',
  missed: 'the plan purges the URL, not this variant',
  outside: 'the plan has nothing for the URL (not a gap)',
  unknown: 'the log lacks a field the cache key needs',
} as const;

/** What each missing field means, and how to log it (docs/coverage.md). */
const FIELD_HINT: Record<RequestField, string> = {
  RequestHeaders: 'add RequestHeaders to the Logpush job and log the key headers with an http_log_custom_fields rule',
  Cookies: 'add Cookies to the Logpush job and log the key cookies with an http_log_custom_fields rule (cookie_fields)',
  ClientCountry: 'add ClientCountry to the Logpush job',
  ClientDeviceType: 'add ClientDeviceType to the Logpush job',
};

function percent(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${(Math.floor(ratio * 10000) / 100).toFixed(2)}%`;
}

function valueText(value: string | null): string {
  return value === null ? '(absent)' : quoted(value);
}

export function renderCoverageHuman(report: CoverageReport, context: CoverageContext, style: Styler): string {
  const lines: string[] = [];
  const files = context.source ? printable(context.source.label) : report.files.map((f) => printable(f.name)).join(', ');
  const total = CLASSES.reduce((n, c) => n + report.requests[c], 0) + report.requests.not_cached;
  lines.push(style.bold(`Coverage of ${plural(total, 'request')} (${files}) against ${context.against} of ${context.config}`));
  lines.push('');
  const rows: [string, string, string, string][] = [['', 'requests', 'entries', '']];
  for (const c of CLASSES) rows.push([c, count(report.requests[c]), count(report.entries[c]), MEANING[c]]);
  rows.push(['not cached', count(report.requests.not_cached), '', 'not GET/HEAD, or a cache status that stores nothing']);
  rows.push(['skipped', count(report.requests.skipped), '', 'lines that are not a Logpush record']);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [name, requests, entries, meaning] of rows) {
    const line = `  ${name.padEnd(w[0])}  ${requests.padStart(w[1])}  ${entries.padStart(w[2])}  ${style.dim(meaning)}`.trimEnd();
    lines.push(name === 'missed' && report.requests.missed > 0 ? style.red(line) : line);
  }
  lines.push('');
  lines.push(`${style.bold('Coverage:')} ${percent(report.coverage)} of the requests whose URL the plan purges (purged ÷ (purged + missed)).`);
  if (report.notJudged.length) lines.push('', notJudgedText(report));
  for (const note of context.source?.notes ?? []) lines.push('', printable(note));
  if (report.missedValues.length) {
    lines.push('');
    lines.push(style.bold(`Missed values (top ${context.top} per dimension):`));
    for (const v of report.missedValues) lines.push(...missedValueLines(v, style));
  }
  if (report.missedEntries.length) {
    lines.push('');
    lines.push(style.bold(`Most requested missed entries (top ${context.top}):`));
    for (const e of report.missedEntries) lines.push(`  ${count(e.requests).padStart(8)}  ${printable(itemLine(e.entry))}  ${style.dim(`(${e.groups.join(', ')})`)}`);
  }
  if (report.unknownFields.length) {
    lines.push('');
    lines.push(style.bold('Unknown entries: the cache key needs a field these records lack:'));
    for (const u of report.unknownFields) lines.push(`  ${u.field}: ${plural(u.requests, 'request')} — ${FIELD_HINT[u.field]}`);
  }
  if (report.skippedLines.length) {
    lines.push('');
    const skipped = skippedLines(report);
    lines.push(style.bold(`Skipped lines (${count(skipped)}${skipped > report.skippedLines.length ? `, first ${report.skippedLines.length} shown` : ''}):`));
    for (const s of report.skippedLines) lines.push(`  ${printable(s.file)}:${s.line}: ${printable(s.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Lines skipped: requests.skipped counts the requests of weighted records (their `count`). */
function skippedLines(report: CoverageReport): number {
  return report.files.reduce((n, f) => n + f.skipped, 0);
}

function missedValueLines(v: MissedValue, style: Styler): string[] {
  return [
    `  ${v.dimension} ${valueText(v.value)}: ${plural(v.requests, 'request')}, ${plural(v.entries, 'entry', 'entries')} — ${v.groups.length === 1 ? 'group' : 'groups'} ${v.groups.join(', ')}`,
    `    ${style.cyan('fix:')} ${printable(v.fix)}`,
  ];
}

export function renderCoverageMarkdown(report: CoverageReport, context: CoverageContext): string {
  const out: string[] = ['### purgeplan coverage', ''];
  out.push(`**Coverage: ${percent(report.coverage)}** of the requests whose URL the plan purges, against ${markdownText(context.against)} of ${markdownCode(context.config)} (${context.source ? markdownText(context.source.label) : report.files.map((f) => markdownCode(f.name)).join(', ')}).`, '');
  for (const note of context.source?.notes ?? []) out.push(`> ${markdownText(note)}`, '');
  if (report.notJudged.length) out.push(`> ${markdownText(notJudgedText(report))}`, '');
  out.push('| class | requests | entries | meaning |', '|---|---:|---:|---|');
  for (const c of CLASSES) out.push(`| ${c} | ${count(report.requests[c])} | ${count(report.entries[c])} | ${MEANING[c]} |`);
  out.push(`| not cached | ${count(report.requests.not_cached)} | | not GET/HEAD, or a cache status that stores nothing |`);
  out.push(`| skipped | ${count(report.requests.skipped)} | | lines that are not a Logpush record |`, '');
  if (report.missedValues.length) {
    out.push(`#### Missed values (top ${context.top} per dimension)`, '', '| dimension | value | requests | entries | groups | fix |', '|---|---|---:|---:|---|---|');
    for (const v of report.missedValues) {
      out.push(`| ${markdownText(v.dimension)} | ${v.value === null ? '(absent)' : markdownCode(v.value)} | ${count(v.requests)} | ${count(v.entries)} | ${v.groups.map(markdownText).join(', ')} | ${markdownText(v.fix)} |`);
    }
    out.push('');
  }
  if (report.unknownFields.length) {
    out.push('#### Unknown entries', '');
    for (const u of report.unknownFields) out.push(`- ${u.field}: ${plural(u.requests, 'request')} — ${FIELD_HINT[u.field]}`);
    out.push('');
  }
  if (report.skippedLines.length) {
    out.push(`#### Skipped lines (${count(skippedLines(report))})`, '');
    for (const s of report.skippedLines) out.push(`- ${markdownCode(`${s.file}:${s.line}`)}: ${markdownText(s.reason)}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** The `--json` document: the fields docs/coverage.md describes, plus format_version and the details. */
export function coverageJson(report: CoverageReport, context: CoverageContext): string {
  return `${jsonText({
    format_version: 1,
    config: context.config,
    against: context.against,
    ...context.source?.json,
    files: report.files,
    requests: report.requests,
    entries: report.entries,
    coverage: report.coverage,
    missed_values: report.missedValues.map((v) => ({ dimension: v.dimension, value: v.value, requests: v.requests, entries: v.entries, groups: v.groups, fix: v.fix })),
    missed_entries: report.missedEntries,
    unknown_fields: report.unknownFields,
    skipped_lines: report.skippedLines,
    ...(report.notJudged.length ? { not_judged: report.notJudged } : {}),
  }, 2)}\n`;
}

/** `Not judged: 120 requests to zone static (Fastly): …` (docs/providers.md). */
function notJudgedText(report: CoverageReport): string {
  const requests = report.notJudged.reduce((n, z) => n + z.requests, 0);
  const zones = report.notJudged.map((z) => `${z.zone} (${PROVIDER_NAMES[z.provider] ?? z.provider})`).join(', ');
  return `Not judged: ${plural(requests, 'request')} to zone${report.notJudged.length > 1 ? 's' : ''} ${zones}, not on Cloudflare: coverage judges Cloudflare's cache keys, and there a purge reaches every variant of a URL.`;
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = { fastly: 'Fastly', cloudfront: 'CloudFront' };
