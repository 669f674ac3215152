// Defaults that the command line shows in --help and the commands use: one place for both, and
// light enough for cli.ts to import before any command is loaded.

/** The configuration read when -c/--config is not given (docs/commands.md). */
export const DEFAULT_CONFIG = 'purge.yaml';

/** The largest plan, in purge items, before --max-items must be raised (docs/purge-yaml.md). */
export const DEFAULT_MAX_ITEMS = 1_000_000;

/** `apply --warm`: requests in flight at once, and started in any one-second window (docs/commands.md#warm-the-cache). */
export const DEFAULT_WARM_CONCURRENCY = 8;
export const DEFAULT_WARM_RATE = 20;
