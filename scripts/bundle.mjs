// Build step (run by `npm run build`, after tsc and build-schema): bundles the CLI that tsc wrote to
// dist/src/cli.js, with its dependencies, into one CommonJS file, dist/bin/bundle.js, run by the
// package's bin dist/bin/purgeplan.js (scripts/bin.cjs) through V8's code cache, which this step
// makes by running `validate`, `plan` and `--help` once on the shipped purge.yaml (issue 15:
// start-up within 2x `node -e 0`). Commands are still initialized only when they run.
// dist/src stays as tsc wrote it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
const bundle = join(outdir, 'bundle.js');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

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
  entryPoints: [join(root, 'dist', 'src', 'cli.js')],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  plugins: [lazyChildProcessForCommander],
  // undici is loaded only by the commands that talk to a server, where start-up does not count.
  external: ['undici'],
  // A script run from V8's code cache has no loader for import(): undici is required instead.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__purgeplanModuleUrl' },
  banner: { js: "const __purgeplanModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// The package's type is module; dist/bin holds CommonJS (a CommonJS bin also starts faster).
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
copyFileSync(join(root, 'scripts', 'bin.cjs'), join(outdir, 'purgeplan.js'));
chmodSync(join(outdir, 'purgeplan.js'), 0o755);

// The sources' shebang is the first line of the bundle, which runs as a function body: drop it.
let code = readFileSync(bundle, 'utf8').replace(/^#!.*\n/, '');
if (/\bimport\(/.test(code)) throw new Error('bundle: an import() is left in the CommonJS bundle; a script run from the code cache cannot load it');
// Files found relative to a module (package.json, schemas/) must be found from the bundle, which
// sits as deep as dist/src/cli.js: a path written for a module a level deeper loses one "../".
code = code.replace(/new URL\("([^"]+)", __purgeplanModuleUrl\)/g, (whole, path) => {
  const found = (candidate) => existsSync(fileURLToPath(new URL(candidate, pathToFileURL(bundle))));
  if (found(path)) return whole;
  if (path.startsWith('../') && found(path.slice(3))) return `new URL(${JSON.stringify(path.slice(3))}, __purgeplanModuleUrl)`;
  throw new Error(`bundle: the bundle looks for ${path}, which is not there from dist/bin`);
});
// The loader reads the bundle as Latin-1, a plain copy, which is exact for ASCII: esbuild escapes
// non-ASCII characters in code, and those left in comments are replaced here.
code = code.replace(/^(\s*(?:\/\/|\/\*|\*).*)$/gm, (line) => line.replace(/[^\x00-\x7f]/g, '?'));
const nonAscii = /[^\x00-\x7f]/.exec(code);
if (nonAscii) throw new Error(`bundle: a non-ASCII character outside a comment: ${JSON.stringify(code.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 40))}`);
// The bundle's digest closes it and opens its code cache: the loader pairs the two by it.
const buildId = createHash('sha256').update(code).digest('hex');
code += `//# purgeplan-build ${buildId}\n`;
writeFileSync(bundle, code);
await makeCodeCache();

/**
 * Runs the bundle in this process on the shipped purge.yaml (`validate`, `plan`, `--help`, output
 * discarded) and saves the bytecode V8 compiled for it, after the bundle's digest. Failing here
 * only costs start-up time, so it is a warning, not a failed build.
 */
async function makeCodeCache() {
  const { compileBundle, CACHE } = createRequire(import.meta.url)(join(outdir, 'purgeplan.js'));
  const { script, run } = compileBundle(false);
  const saved = { argv: process.argv, cwd: process.cwd(), out: process.stdout.write, err: process.stderr.write };
  const node = process.execPath;
  const bin = join(outdir, 'purgeplan.js');
  try {
    process.chdir(root);
    process.stdout.write = process.stderr.write = () => true;
    process.argv = [node, bin, '--version'];
    const { main } = run();
    for (const args of [['validate'], ['plan'], ['--help']]) await main([node, bin, ...args]);
  } catch (error) {
    process.stderr.write = saved.err;
    process.stderr.write(`bundle: no code cache (${error instanceof Error ? error.message : error}); start-up will compile the bundle\n`);
    return;
  } finally {
    Object.assign(process.stdout, { write: saved.out });
    Object.assign(process.stderr, { write: saved.err });
    process.argv = saved.argv;
    process.chdir(saved.cwd);
    process.exitCode = 0;
  }
  writeFileSync(CACHE, Buffer.concat([Buffer.from(`${buildId}\n`, 'latin1'), script.createCachedData()]));
}
