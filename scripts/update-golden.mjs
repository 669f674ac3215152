// Regenerates test/golden/*.txt and *.md (human and markdown plan output) from the built code:
//   npm run build && node scripts/update-golden.mjs
// then review the diff (git diff test/golden) before committing. The tests only read these files.
// Golden files whose scenario no longer exists are removed.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const goldenDir = join(root, 'test', 'golden');
const built = join(root, 'dist', 'test', 'golden', 'scenarios.js');
if (!existsSync(built)) {
  process.stderr.write('error: dist/test/golden/scenarios.js is missing: run `npm run build` first\n');
  process.exit(1);
}
const { SCENARIOS, goldenFiles } = await import(new URL(`file://${built}`).href);

const wanted = new Set();
let changed = 0;
for (const { name, plan } of SCENARIOS) {
  const files = goldenFiles(plan(), name);
  for (const [extension, text] of Object.entries(files)) {
    const file = `${name}.${extension}`;
    wanted.add(file);
    const path = join(goldenDir, file);
    const before = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (before === text) continue;
    writeFileSync(path, text);
    changed++;
    process.stdout.write(`${before === null ? 'created' : 'updated'} test/golden/${file}\n`);
  }
}
for (const file of readdirSync(goldenDir)) {
  if (!/\.(txt|md)$/.test(file) || wanted.has(file)) continue;
  rmSync(join(goldenDir, file));
  changed++;
  process.stdout.write(`removed test/golden/${file} (no such scenario)\n`);
}
process.stdout.write(changed ? `${changed} golden file${changed === 1 ? '' : 's'} changed: review them with git diff test/golden\n` : 'golden files are up to date\n');
