// Build step (run by `npm run build`, after tsc and build-schema): bundles the CLI that tsc wrote to
// dist/src/cli.js, with its dependencies, into dist/bin/purgeplan.js (the package's bin) plus
// chunks in dist/bin/chunks/, so start-up resolves and reads a handful of files instead of about a
// hundred (issue 15: `validate` and `--help` within 2x `node -e 0`). Each command is still in a
// chunk of its own, imported only when it runs. dist/src stays as tsc wrote it.
import { build } from 'esbuild';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
const chunks = join(outdir, 'chunks');
rmSync(outdir, { recursive: true, force: true });

/**
 * commander loads node:child_process at start-up only for executable subcommands, which purgeplan
 * has none of; loading it costs every command a few milliseconds. Give commander a stand-in that
 * loads it on first use instead.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'purgeplan' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'purgeplan' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};
await build({
  entryPoints: { purgeplan: join(root, 'dist', 'src', 'cli.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  // commander is CommonJS and requires node: built-ins, which an ES module bundle needs a require for.
  plugins: [lazyChildProcessForCommander],
  // undici is loaded only by the commands that talk to a server, where start-up does not count, and
  // its CommonJS exports do not survive esbuild's interop of `await import('undici')`.
  external: ['undici'],
  banner: { js: "import { createRequire as __purgeplanCreateRequire } from 'node:module'; const require = __purgeplanCreateRequire(import.meta.url);" },
});

// Files found relative to the module (package.json, schemas/) must still be found from where the
// bundle put that code: dist/bin/purgeplan.js sits as deep as dist/src/cli.js, and the chunks as
// deep as dist/src/config/*.js.
const outputs = [join(outdir, 'purgeplan.js'), ...readdirSync(chunks).map((name) => join(chunks, name))];
for (const file of outputs) {
  for (const match of readFileSync(file, 'utf8').matchAll(/new URL\("([^"]+)",\s*import\.meta\.url\)/g)) {
    const target = resolve(dirname(file), match[1]);
    if (!existsSync(target)) throw new Error(`bundle: ${file} looks for ${match[1]} at ${target}, which does not exist`);
  }
}
chmodSync(join(outdir, 'purgeplan.js'), 0o755);
