#!/usr/bin/env node
// commander wiring only: the program, its commands (each registered next to its module, in
// src/commands/*.register.ts), and the exit code. Commands are imported when run, so `--help` and
// `validate` never load what only apply needs (undici, diff).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.js';
import type { SetExit } from './cli/options.js';
import { outputLost, watchOutput } from './cli/output.js';
import { registerApply } from './commands/apply.register.js';
import { registerComment } from './commands/comment.register.js';
import { registerCoverage } from './commands/coverage.register.js';
import { registerDrift } from './commands/drift.register.js';
import { registerExplain } from './commands/explain.register.js';
import { registerFmt } from './commands/fmt.register.js';
import { registerImport } from './commands/import.register.js';
import { registerInit } from './commands/init.register.js';
import { registerPlan } from './commands/plan.register.js';
import { registerShow } from './commands/show.register.js';
import { registerValidate } from './commands/validate.register.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** In --help order. */
const COMMANDS: readonly ((program: Command, setExit: SetExit) => void)[] = [
  registerValidate, registerPlan, registerApply, registerExplain, registerCoverage, registerShow,
  registerInit, registerDrift, registerImport, registerFmt, registerComment,
];

// Read by test/help-flags.test.ts through an evaluated import, which the unused-export check does not see.
// ts-unused-exports:disable-next-line
export function buildProgram(setExit: SetExit): Command {
  const program = new Command('purgeplan')
    .description('Declarative, reviewable Cloudflare cache purges: plan every cached variant, apply within the rate limits.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText('after', `
Examples:
  $ purgeplan validate                         check purge.yaml
  $ purgeplan plan                             what would be purged (no token needed)
  $ purgeplan plan --base origin/main --markdown > plan.md
  $ purgeplan plan --out release.plan          save a plan for review
  $ purgeplan apply release.plan               purge exactly that plan
  $ purgeplan show release.plan --json
  $ purgeplan fmt --check                      is purge.yaml in canonical form?
  $ purgeplan comment github --base "origin/$GITHUB_BASE_REF"   the plan on the pull request

Environment:
  CLOUDFLARE_API_TOKEN  API token for apply (or the variable named by a zone's token_env)
  PURGEPLAN_API_URL     Cloudflare API base URL (default https://api.cloudflare.com/client/v4)
  GITHUB_TOKEN, GITLAB_TOKEN  tokens for comment github|gitlab (see purgeplan comment github --help)
  NO_COLOR              disable colours
  PURGEPLAN_DEBUG=1     show stack traces of internal errors`);

  for (const register of COMMANDS) register(program, setExit);
  for (const command of program.commands) command.exitOverride();
  return program;
}

// Called by the bin's bundle (scripts/bundle.mjs), which the unused-export check does not read.
// ts-unused-exports:disable-next-line
export async function main(argv: readonly string[]): Promise<number> {
  watchOutput(process.stdout, 'stdout');
  watchOutput(process.stderr, 'stderr');
  let exitCode = 0;
  const program = buildProgram((code) => { exitCode = code; });
  try {
    await program.parseAsync(argv as string[]);
    const lostOutput = outputLost();
    if (lostOutput === null) return exitCode;
    process.stderr.write(`error: ${lostOutput}; the command finished its work, but part of its output is lost\n`);
    return exitCode === 0 ? 1 : exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`internal error: ${message}\nThis is a bug in purgeplan; please report it with the command you ran.${process.env.PURGEPLAN_DEBUG === '1' ? '' : ' Set PURGEPLAN_DEBUG=1 to see the stack trace.'}\n`);
    if (process.env.PURGEPLAN_DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return 1;
  }
}

main(process.argv).then((code) => { process.exitCode = code; });
