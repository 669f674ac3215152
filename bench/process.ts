// The one way the benchmarks run a command: wall time, exit code, output, and peak RSS (VmHWM)
// sampled from /proc until the command exits.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Run { seconds: number; peakRssMb: number; code: number; stdout: string; stderr: string }

/** Runs a command, sampling its peak RSS (VmHWM) from /proc until it exits. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdoutFile?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    const sample = () => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      } catch { /* exited */ }
    };
    const timer = setInterval(sample, 5);
    const out: Buffer[] = [];
    let outBytes = 0;
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => { outBytes += chunk.length; if (!options.stdoutFile && outBytes < 1 << 20) out.push(chunk); });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: peakKb / 1024, code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    // Keep the pipe drained like a real consumer would.
    child.stdout.on('end', sample);
  });
}
