// A site under test: a temporary directory (optionally a git repository) holding a purge.yaml,
// and the built CLI run against it asynchronously, so a stand-in in this process can answer it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandin } from './cloudflare-standin.js';
import type { Standin, StandinOptions } from './cloudflare-standin.js';

export const CLI = fileURLToPath(new URL('../../bin/purgeplan.js', import.meta.url));
export const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
export const TOKEN = 'cfut_secret0123456789abcdefghijklmnopqrstuvwxyzAB';

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the process is running (e.g. to interrupt it). */
  readonly onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  readonly input?: string;
  /**
   * A hang guard, not a speed check: past this many ms the process is killed (the result then has
   * `code` null and `signal` SIGKILL, which a test's exit-code assertion reports). Default: none.
   */
  readonly killAfterMs?: number;
}

export class Site {
  readonly dir = mkdtempSync(join(tmpdir(), 'purgeplan-site-'));

  write(path: string, text: string): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), text);
    return this;
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: this.dir, encoding: 'utf8' }).trim();
  }

  initGit(): this {
    this.git('init', '-q', '-b', 'main');
    return this;
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.env };
      const child = spawn(process.execPath, [CLI, ...args], { cwd: this.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
      const guard = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal, stdout, stderr });
      });
      if (options.input !== undefined) child.stdin.end(options.input);
      else child.stdin.end();
      options.onSpawn?.(child);
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `purgeplan ...args --api-url <apiUrl>` once, in a fresh site holding `yaml` as purge.yaml, with
 * the zone's token in CLOUDFLARE_API_TOKEN unless `env` says otherwise; the site is removed after.
 */
export async function runOnce(apiUrl: string, yaml: string, args: readonly string[], env: NodeJS.ProcessEnv = { CLOUDFLARE_API_TOKEN: TOKEN }): Promise<CliResult> {
  const site = new Site().write('purge.yaml', yaml);
  try {
    return await site.run([...args, '--api-url', apiUrl], { env });
  } finally {
    site.remove();
  }
}

/** One pro-plan zone (ZONE_ID, example.com), as most apply tests declare it. */
export const PRO_ZONE = { id: ZONE_ID, name: 'example.com', plan: 'pro' as const, account_id: 'acc1' };

/** A site with `yaml` as its purge.yaml and a Cloudflare stand-in knowing TOKEN and PRO_ZONE; both removed after `body`. */
export async function withStandinSite(options: StandinOptions, yaml: string, body: (site: Site, standin: Standin) => Promise<void>): Promise<void> {
  const standin = await startStandin({ tokens: [TOKEN], zones: [PRO_ZONE], ...options });
  const site = new Site().write('purge.yaml', yaml);
  try {
    await body(site, standin);
  } finally {
    await standin.close();
    site.remove();
  }
}
