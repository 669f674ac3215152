// `purgeplan drift [--json] [--strict]` (docs/commands.md#drift-and-import): reads each zone's Cache Rules and reports,
// at the profile in purge.yaml, every dimension in which the key the zone really uses differs
// from the declared one. Exit 0 no drift, 2 drift (or, with --strict, a rule drift cannot
// decide), 1 error. Also the check behind `apply --check-drift`. Never purges.
import { jsonText } from '../format.js';
import { DEFAULT_API_URL } from '../cloudflare/limits.js';
import { DEFAULT_MAX_RETRIES } from '../cloudflare/retry.js';
import type { Locator } from '../config/load.js';
import { workingTreeReader } from '../config/files.js';
import type { Config } from '../config/types.js';
import { formatDiagnostic } from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import { UserError } from '../errors.js';
import { checkDrift } from '../drift/check.js';
import type { DriftReport, Finding } from '../drift/check.js';
import { readRulesets } from '../drift/read.js';
import { cloudflareZonesOnly } from '../providers/cloudflare-only.js';
import type { Ruleset } from '../drift/rules.js';
import type { Io } from './io.js';
import { printDiagnostics } from './io.js';
import { DEFAULT_MAX_ITEMS } from '../defaults.js';
import { checkAndExpand, readConfigFile } from './pipeline.js';

export interface DriftOptions {
  readonly config: string;
  readonly json: boolean;
  readonly strict: boolean;
  readonly apiUrl?: string;
  readonly maxRetries?: number;
}

const DRIFT_FORMAT_VERSION = 1;

/** purge.yaml, parsed once: the checked configuration and the positions drift's findings point at. */
export interface DriftSubject {
  readonly config: Config;
  readonly locate: Locator;
}

/** The configuration (valid) with its locator, or the exit code after printing why not. */
export function loadForDrift(file: string, io: Io): DriftSubject | 1 {
  const read = readConfigFile(file, io.cwd);
  if ('diagnostic' in read) {
    printDiagnostics(io, [read.diagnostic]);
    return 1;
  }
  const checked = checkAndExpand(file, read.bytes, workingTreeReader(read.baseDir), DEFAULT_MAX_ITEMS);
  if (!checked.config || !checked.locate || checked.diagnostics.some((d) => d.severity === 'error')) {
    printDiagnostics(io, checked.diagnostics);
    return 1;
  }
  // Warnings too (a token_env naming another service's token, say): drift sends that token.
  printDiagnostics(io, checked.diagnostics);
  return { config: checked.config, locate: checked.locate };
}

/** Reads the rules of every zone (or only `zoneName`'s). */
export async function fetchRulesets(config: Config, options: { apiUrl?: string; maxRetries?: number; zone?: string }, io: Io): Promise<Map<string, Ruleset | null>> {
  const named = options.zone === undefined ? config.zones : config.zones.filter((zone) => zone.name === options.zone);
  if (named.length === 0) {
    throw new UserError(`no zone named "${options.zone}" in ${config.file}`, { hint: `zones: ${config.zones.map((z) => z.name).join(', ')}` });
  }
  const zones = cloudflareZonesOnly(named, 'Cache Rules are Cloudflare\'s', io.stderr);
  return readRulesets(zones, {
    apiUrl: options.apiUrl ?? (io.env.PURGEPLAN_API_URL || DEFAULT_API_URL),
    env: io.env,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
  });
}

function hasDrift(report: DriftReport): boolean {
  return report.findings.some((finding) => finding.severity === 'error');
}

function summary(report: DriftReport): string {
  const drift = report.findings.filter((f) => f.kind === 'drift').length;
  const other = report.findings.filter((f) => f.severity === 'error').length - drift;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  const zones = report.zones.map((z) => `${z.zone}: ${z.rules === null ? 'no Cache Rules' : `${z.enabled} rule${z.enabled === 1 ? '' : 's'} setting a cache key`}, ${z.urls} URL${z.urls === 1 ? '' : 's'}`).join('; ');
  const head = drift + other === 0
    ? 'No drift: the declared cache keys match the zones\' Cache Rules'
    : `Drift: ${drift} difference${drift === 1 ? '' : 's'}${other ? ` and ${other} undecided rule${other === 1 ? '' : 's'} (--strict)` : ''} between purge.yaml and the zones' Cache Rules`;
  return `${head}${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}. ${zones}.\n` +
    'Zone settings that also shape the key (cache_level, sort_query_string_for_cache) are not read.\n';
}

function renderFindings(findings: readonly Finding[], io: Io): string {
  return findings.map((finding) => `${formatDiagnostic(finding, io.stdoutStyle)}\n`).join('');
}

function driftJson(report: DriftReport): string {
  return `${jsonText({
    format_version: DRIFT_FORMAT_VERSION,
    drift: hasDrift(report),
    zones: report.zones,
    findings: report.findings.map((f) => ({ ...f })),
    summary: {
      differences: report.findings.filter((f) => f.kind === 'drift').length,
      errors: report.findings.filter((f) => f.severity === 'error').length,
      warnings: report.findings.filter((f) => f.severity === 'warning').length,
    },
  }, 2)}\n`;
}

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function driftCommand(options: DriftOptions, io: Io): Promise<number> {
  try {
    const loaded = loadForDrift(options.config, io);
    if (loaded === 1) return 1;
    const rulesets = await fetchRulesets(loaded.config, options, io);
    const report = checkDrift({ config: loaded.config, locate: loaded.locate, rulesets, strict: options.strict });
    if (options.json) io.stdout(driftJson(report));
    else io.stdout(`${renderFindings(report.findings, io)}${summary(report)}`);
    return hasDrift(report) ? 2 : 0;
  } catch (error) {
    if (options.json && error instanceof UserError) {
      io.stdout(`${jsonText({ format_version: DRIFT_FORMAT_VERSION, error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}) } }, 2)}\n`);
    }
    throw error;
  }
}

/**
 * `apply --check-drift`, on the configuration apply has already loaded and checked (purge.yaml is
 * parsed once): 0 when the keys match; otherwise prints why and throws (nothing sent).
 */
// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export async function checkDriftBeforeApply(loaded: DriftSubject & { readonly diagnostics: readonly Diagnostic[] }, options: { apiUrl?: string; strict: boolean; maxRetries?: number }, io: Io): Promise<number> {
  // Its warnings before any request (a token_env naming another service's token: drift sends it).
  printDiagnostics(io, loaded.diagnostics);
  const rulesets = await fetchRulesets(loaded.config, options, io);
  const report = checkDrift({ config: loaded.config, locate: loaded.locate, rulesets, strict: options.strict });
  if (!hasDrift(report)) return 0;
  io.stderr(renderFindings(report.findings, { ...io, stdoutStyle: io.stderrStyle }));
  throw new UserError('refusing to apply: the cache keys in purge.yaml differ from the zones\' Cache Rules (nothing was sent)', {
    hint: 'fix purge.yaml (purgeplan drift shows each difference; purgeplan import prints the zone\'s keys) or the rules, then apply again',
  });
}
