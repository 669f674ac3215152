#!/usr/bin/env node
// The package's bin (copied to dist/bin/purgeplan.js by scripts/bundle.mjs). It runs the CLI bundle
// from V8's code cache. The bundle is split into CommonJS chunks beside this file: bundle.js (the
// wiring and commander) and the chunks it requires, each when the command that needs it runs. The
// build ran `validate`, `plan` and `--help` once and saved, beside each chunk, the bytecode V8 made
// (NAME.cache), so start-up deserializes the part it runs instead of parsing and compiling over a
// megabyte of JavaScript (docs/performance.md: start-up). A cache is used only with the
// chunk it was made from (the chunk's last line and the cache's first carry the chunk's digest);
// V8 itself refuses one from another Node.js version or other V8 flags, and then the chunk is
// compiled as any script is: slower, never wrong.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, 'bundle.js');
const CACHE = join(__dirname, 'bundle.cache');
const ID_LINE = /\/\/# purgeplan-build ([0-9a-f]{64})\n$/;
const nodeRequire = createRequire(BUNDLE);

/** The cache file of a chunk: NAME.cache beside NAME.js. */
const cacheFile = (name) => join(__dirname, name.replace(/\.js$/, '.cache'));

/** Every chunk compiled in this process, by file name: its script, digest and whether a cache was given (the build saves their caches). */
const compiled = new Map();
/** Every chunk run in this process, by file name: its exports. A chunk runs once. */
const loaded = new Map();
let useCache = true;

/** The chunk `name` compiled (from its cache when the cache is this chunk's: `cached`). */
function compileChunk(name, withCache = useCache) {
  const file = join(__dirname, name);
  // The build made every chunk ASCII: Latin-1 reads it exactly, without decoding UTF-8.
  const source = readFileSync(file, 'latin1');
  const id = ID_LINE.exec(source.slice(-100));
  let cachedData;
  if (withCache && id !== null) {
    try {
      const cache = readFileSync(cacheFile(name));
      if (cache.toString('latin1', 0, 65) === `${id[1]}\n`) cachedData = cache.subarray(65);
    } catch {
      // No cache (a build that could not make one): compile.
    }
  }
  const script = new Script(wrap(source), { filename: file, cachedData });
  compiled.set(name, { script, id: id === null ? null : id[1], cached: cachedData !== undefined });
  return { script, cached: cachedData !== undefined };
}

/** Chunks require each other as "./NAME.js"; anything else (node:*, undici) is Node's require from here. */
function chunkRequire(specifier) {
  return specifier.startsWith('./') ? loadChunk(specifier.slice(2)) : nodeRequire(specifier);
}
chunkRequire.resolve = nodeRequire.resolve;
chunkRequire.cache = nodeRequire.cache;
chunkRequire.main = nodeRequire.main;

function runChunk(name, script) {
  const file = join(__dirname, name);
  const module = { exports: {} };
  loaded.set(name, module.exports);
  script.runInThisContext()(module.exports, chunkRequire, module, file, __dirname);
  loaded.set(name, module.exports);
  return module.exports;
}

function loadChunk(name) {
  if (loaded.has(name)) return loaded.get(name);
  if (!/^[\w-]+\.js$/.test(name)) throw new Error(`purgeplan: no chunk ${name}`);
  return runChunk(name, compileChunk(name).script);
}

/** The bundle's entry compiled (`cached` as above), and a function that runs it; the chunks it requires use the cache when it does. */
function compileBundle(withCache) {
  useCache = withCache;
  const { script, cached } = compileChunk('bundle.js', withCache);
  return { script, run: () => runChunk('bundle.js', script), cached };
}

if (require.main === module) compileBundle(true).run();
else module.exports = { compileBundle, compileChunk, compiledChunks: () => compiled, cacheFile, CACHE };
