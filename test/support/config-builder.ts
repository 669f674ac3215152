// Builds purge.yaml texts for tests and runs them through the real pipeline, in process:
// load -> schema -> check -> expand (checkAndExpand) -> buildPlan, with every group due.
// A configuration is written as a plain object and serialized as JSON, which is valid YAML.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkAndExpand } from '../../src/commands/pipeline.js';
import type { SourceReader } from '../../src/config/files.js';
import type { Config } from '../../src/config/types.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import type { GroupExpansion } from '../../src/expand/group.js';
import { buildPlan } from '../../src/plan/plan.js';
import { groupFingerprints } from '../../src/reconcile/record.js';
import type { FileEntry, Plan, WireBody } from '../../src/plan/types.js';
import { wireBody } from '../../src/plan/files.js';

export const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
export const OTHER_ZONE_ID = '9a7806061c88ada191ed06f989cc3dac';

type Json = Record<string, unknown>;

export interface ConfigSpec {
  /** Zones by local name; default: one zone `www` with ZONE_ID on the free plan. */
  readonly zones?: Record<string, Json>;
  readonly cache_keys?: Record<string, Json>;
  readonly groups: Record<string, Json>;
}

/** The purge.yaml text of a spec (JSON is YAML). */
export function configYaml(spec: ConfigSpec): string {
  const doc: Json = { version: 1, zones: spec.zones ?? { www: { id: ZONE_ID } } };
  if (spec.cache_keys) doc.cache_keys = spec.cache_keys;
  doc.groups = spec.groups;
  return JSON.stringify(doc, null, 2);
}

/**
 * One zone `www` whose cache key is `cacheKey` (Cloudflare's default key when null), and one
 * group `g` with the given fields. `zone` adds fields to the zone (plan, schemes, limits…).
 */
export function keyedConfig(cacheKey: Json | null, group: Json, zone: Json = {}): string {
  return configYaml({
    zones: { www: { id: ZONE_ID, ...(cacheKey ? { cache_key: 'k' } : {}), ...zone } },
    ...(cacheKey ? { cache_keys: { k: cacheKey } } : {}),
    groups: { g: group },
  });
}

/** A reader over in-memory files (for `vars: {file: …}`), refusing anything else. */
export function memoryReader(files: Record<string, string> = {}): SourceReader {
  return {
    read(path) {
      const text = files[path];
      return text === undefined ? { problem: `cannot read "${path}": no such file` } : { bytes: Buffer.from(text) };
    },
  };
}

export interface PlanOptions {
  readonly reader?: SourceReader;
  /** Which groups are due (default: all, as `new`). */
  readonly due?: (name: string) => boolean;
}

export interface Planned {
  readonly plan: Plan;
  readonly config: Config;
  readonly expansions: readonly GroupExpansion[];
  readonly diagnostics: readonly Diagnostic[];
}

function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`).join('\n');
}

/** Validates, expands and plans `yaml`; throws (failing the test) when it has errors. */
export function planOf(yaml: string, options: PlanOptions = {}): Planned {
  const checked = checkAndExpand('purge.yaml', Buffer.from(yaml), options.reader ?? memoryReader(), 1_000_000);
  if (!checked.config || !checked.expansions || checked.diagnostics.some((d) => d.severity === 'error')) {
    throw new Error(`the configuration is invalid:\n${formatDiagnostics(checked.diagnostics)}\n---\n${yaml}`);
  }
  const due = options.due ?? (() => true);
  const expansions = checked.expansions;
  const plan = buildPlan({
    config: checked.config,
    configPath: 'purge.yaml',
    expansions,
    decisions: expansions.map((e) => ({ name: e.group.name, zone: e.group.zone, status: due(e.group.name) ? 'new' : 'unchanged', due: due(e.group.name) })),
    baseline: { kind: 'none' },
    state: { path: '.purgeplan/state.json', digest: null },
    watchDigests: new Map(),
    fingerprints: groupFingerprints(checked.config.zones, expansions),
  });
  return { plan, config: checked.config, expansions, diagnostics: checked.diagnostics };
}

/** The messages of the errors found in `yaml` (validation and expansion). */
export function errorsOf(yaml: string, reader: SourceReader = memoryReader()): string[] {
  const { diagnostics } = checkAndExpand('purge.yaml', Buffer.from(yaml), reader, 1_000_000);
  return diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}

export function bodiesOf(plan: Plan): WireBody[] {
  return plan.requests.map((request) => wireBody(request.body));
}

/** Every `files` entry of the plan, in request order. */
export function filesOf(plan: Plan): FileEntry[] {
  return plan.requests.flatMap((request) => {
    const body = wireBody(request.body);
    return 'files' in body ? [...body.files] : [];
  });
}

/** The built CLI (dist/bin/purgeplan.js, the bundle `bin` names). */
export const CLI = fileURLToPath(new URL('../../bin/purgeplan.js', import.meta.url));

export interface CliRunOptions {
  /** Given on stdin (`--logs -`). Default: nothing. */
  readonly input?: string | Buffer;
  /**
   * A hang guard, not a speed check: past this many ms the process is killed and `status` is null,
   * which a test's exit-status assertion reports. Default: none.
   */
  readonly killAfterMs?: number;
}

/** Runs the built CLI with `args` in `cwd`, colours off. */
export function runCli(args: readonly string[], cwd: string, options: CliRunOptions = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' },
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.killAfterMs === undefined ? {} : { timeout: options.killAfterMs, killSignal: 'SIGKILL' as const }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A deterministic pseudo-random generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
