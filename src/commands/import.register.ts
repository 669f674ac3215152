// `purgeplan import`: its flags and help (docs/commands.md), registered with the program; the
// command itself is imported only when it runs.
import type { Command } from 'commander';
import { nonNegativeInteger, common, makeIo } from '../cli/options.js';
import type { SetExit } from '../cli/options.js';

export function registerImport(program: Command, setExit: SetExit): void {
  common(program.command('import'))
    .description("print the cache_keys block (and each group's cache_key) that matches a zone's Cache Rules; writes no file")
    .option('--zone <name>', 'only this zone (default: every zone)')
    .option('--api-url <url>', 'Cloudflare API base URL (env PURGEPLAN_API_URL)')
    .option('--max-retries <n>', 'retries for 5xx answers, timeouts and connection errors', nonNegativeInteger, 5)
    .addHelpText('after', `
Examples:
  $ purgeplan import > cache-keys.yaml
  $ purgeplan import --zone www`)
    .action(async (options) => {
      const { importCommand } = await import('./import.js');
      setExit(await importCommand(options, await makeIo(options.color)));
    });
}
