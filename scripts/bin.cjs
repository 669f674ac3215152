#!/usr/bin/env node
// The package's bin (copied to dist/bin/purgeplan.js by scripts/bundle.mjs). It runs the CLI bundle
// (dist/bin/bundle.js, one CommonJS file) from V8's code cache: the build ran `validate`, `plan`
// and `--help` once and saved the bytecode V8 made (dist/bin/bundle.cache), so start-up deserializes
// it instead of parsing and compiling over a megabyte of JavaScript (issue 15: start-up within 2x
// `node -e 0`). The cache is used only with the bundle it was made from (the bundle's last line and
// the cache's first carry the bundle's digest); V8 itself refuses one from another Node.js version
// or other V8 flags, and then the bundle is compiled as any script is: slower, never wrong.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, 'bundle.js');
const CACHE = join(__dirname, 'bundle.cache');
const ID_LINE = /\/\/# purgeplan-build ([0-9a-f]{64})\n$/;

/** The bundle compiled (from the cache when it is this bundle's: `cached`), and a function that runs it. */
function compileBundle(useCache) {
  // The build made the bundle ASCII: Latin-1 reads it exactly, without decoding UTF-8.
  const source = readFileSync(BUNDLE, 'latin1');
  const id = ID_LINE.exec(source.slice(-100));
  let cachedData;
  if (useCache && id !== null) {
    try {
      const cache = readFileSync(CACHE);
      if (cache.toString('latin1', 0, 65) === `${id[1]}\n`) cachedData = cache.subarray(65);
    } catch {
      // No cache (a build that could not make one): compile.
    }
  }
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData });
  const run = () => {
    const module = { exports: {} };
    script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, __dirname);
    return module.exports;
  };
  return { script, run, cached: cachedData !== undefined };
}

if (require.main === module) compileBundle(true).run();
else module.exports = { compileBundle, CACHE };
