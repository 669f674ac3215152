// Build step (run by `npm run build`, after tsc and build-schema): bundles the CLI that tsc wrote to
// dist/src/cli.js, with its dependencies, into dist/bin, run by the package's bin
// dist/bin/purgeplan.js (scripts/bin.cjs) through V8's code cache. The bundle is split (esbuild's
// code splitting): bundle.js holds the wiring and commander, and each command, with the code only
// it needs, is a chunk loaded when the command runs, so `validate` and `--help` read and
// deserialize only their part (docs/performance.md: start-up). Each chunk is CommonJS
// with its own code cache, which this step makes by running `validate`, `plan` and `--help` once
// on the shipped purge.yaml. dist/src stays as tsc wrote it.
import { build, transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

/**
 * node:child_process costs every command that loads it a few milliseconds (it brings net, dgram
 * and streams), and most commands never spawn: commander loads it for executable subcommands,
 * which purgeplan has none of, and git is run only for `watch` and `--base`. Give every importer a
 * stand-in that loads it on first use instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (args.namespace === 'purgeplan' ? undefined : { path: 'lazy-child-process', namespace: 'purgeplan' }));
    build.onLoad({ filter: /.*/, namespace: 'purgeplan' }, () => ({
      contents: `let loaded;
const load = () => (loaded ??= require('node:child_process'));
for (const key of ${JSON.stringify(Object.keys(createRequire(import.meta.url)('node:child_process')))}) Object.defineProperty(module.exports, key, { enumerable: true, get: () => load()[key] });`,
      loader: 'js',
    }));
  },
};
const built = await build({
  entryPoints: { bundle: join(root, 'dist', 'src', 'cli.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  chunkNames: '[name]-[hash]',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  write: false,
  plugins: [lazyChildProcess],
  // undici is loaded only by the commands that talk to a server, where start-up does not count.
  external: ['undici'],
  define: { 'import.meta.url': '__purgeplanModuleUrl' },
});
// The package's type is module; dist/bin holds CommonJS (a CommonJS bin also starts faster).
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
copyFileSync(join(root, 'scripts', 'bin.cjs'), join(outdir, 'purgeplan.js'));
chmodSync(join(outdir, 'purgeplan.js'), 0o755);

const chunkIds = new Map();
/** The chunks each chunk requires: a cycle would hand a chunk another's exports half made. */
const chunkRequires = new Map();
for (const output of built.outputFiles) {
  const name = basename(output.path);
  if (!/^[\w-]+\.js$/.test(name)) throw new Error(`bundle: unexpected output ${output.path}`);
  // The sources' shebang would be the first line of a chunk, which runs as a function body: drop it.
  const esm = output.text.replace(/^#!.*\n/, '');
  // Each chunk as a CommonJS function body: static imports of other chunks become require("./…"),
  // which the bin resolves to the chunk (run once); import() becomes a require in a promise, as a
  // script run from the code cache has no loader for import().
  let code = (await transform(esm, { format: 'cjs', platform: 'node', target: 'node20', supported: { 'dynamic-import': false }, logLevel: 'warning' })).code;
  if (/\bimport\(/.test(code)) throw new Error(`bundle: an import() is left in ${name}; a script run from the code cache cannot load it`);
  if (code.includes('__purgeplanModuleUrl')) code = `const __purgeplanModuleUrl = require('node:url').pathToFileURL(__filename).href;\n${code}`;
  // ESM is strict: so is each chunk.
  code = `'use strict';\n${code}`;
  // Files found relative to a module (package.json, schemas/) must be found from dist/bin, as deep
  // as dist/src/cli.js: a path written for a module a level deeper loses one "../".
  code = code.replace(/new URL\("([^"]+)", __purgeplanModuleUrl\)/g, (whole, path) => {
    const found = (candidate) => existsSync(fileURLToPath(new URL(candidate, pathToFileURL(join(outdir, name)))));
    if (found(path)) return whole;
    if (path.startsWith('../') && found(path.slice(3))) return `new URL(${JSON.stringify(path.slice(3))}, __purgeplanModuleUrl)`;
    throw new Error(`bundle: ${name} looks for ${path}, which is not there from dist/bin`);
  });
  // The loader reads a chunk as Latin-1, a plain copy, which is exact for ASCII: esbuild escapes
  // non-ASCII characters in code, and those left in comments are replaced here.
  code = code.replace(/^(\s*(?:\/\/|\/\*|\*).*)$/gm, (line) => line.replace(/[^\x00-\x7f]/g, '?'));
  const nonAscii = /[^\x00-\x7f]/.exec(code);
  if (nonAscii) throw new Error(`bundle: a non-ASCII character outside a comment in ${name}: ${JSON.stringify(code.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 40))}`);
  const requires = [...code.matchAll(/\brequire\("\.\/([^"]+)"\)/g)].map((match) => match[1]);
  for (const required of requires) {
    if (!built.outputFiles.some((other) => basename(other.path) === required)) throw new Error(`bundle: ${name} requires ./${required}, which esbuild did not write`);
  }
  chunkRequires.set(name, requires);
  // The chunk's digest closes it and opens its code cache: the loader pairs the two by it.
  const buildId = createHash('sha256').update(code).digest('hex');
  chunkIds.set(name, buildId);
  writeFileSync(join(outdir, name), `${code}//# purgeplan-build ${buildId}\n`);
}
const visiting = new Set();
const done = new Set();
const visit = (name, path) => {
  if (done.has(name)) return;
  if (visiting.has(name)) throw new Error(`bundle: the chunks require each other in a cycle: ${[...path, name].join(' -> ')}`);
  visiting.add(name);
  for (const required of chunkRequires.get(name) ?? []) visit(required, [...path, name]);
  visiting.delete(name);
  done.add(name);
};
for (const name of chunkRequires.keys()) visit(name, []);
await makeCodeCaches();

/**
 * Runs the bundle in this process on the shipped purge.yaml (`validate`, `plan`, `--help`, output
 * discarded) and saves, beside each chunk, the bytecode V8 compiled for it, after the chunk's
 * digest. A chunk these commands do not load gets the cache of its top level. Failing here only
 * costs start-up time, so it is a warning, not a failed build.
 */
async function makeCodeCaches() {
  const loader = createRequire(import.meta.url)(join(outdir, 'purgeplan.js'));
  const { run } = loader.compileBundle(false);
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
  for (const name of readdirSync(outdir)) if (chunkIds.has(name)) loader.compileChunk(name, false);
  for (const [name, { script, id }] of loader.compiledChunks()) {
    if (id !== chunkIds.get(name)) throw new Error(`bundle: ${name} was compiled from another build`);
    writeFileSync(loader.cacheFile(name), Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
  }
}
