// The shape of the house (docs/design.md), checked so that it stays: no import cycle, the core
// stages never reach out to the edges, no function over 120 lines, commands that only wire, no
// export nobody imports, and no citation of a document that is not in the repository.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Module -> the modules of ours it imports or re-exports (type-only imports count: they tie the modules too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) {
      targets.add(relative(ROOT, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    }
    for (const m of text.matchAll(/import\('(\.[^']+)'\)/g)) targets.add(relative(ROOT, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(relative(ROOT, file), [...targets]);
  }
  return graph;
}

/** Strongly connected components of more than one module (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the shape of the house', () => {
  const graph = importGraph();

  it('finds the modules', () => assert.ok(graph.size > 80, String(graph.size)));

  it('has no import cycle', () => {
    assert.deepEqual(cycles(graph), []);
    // The check can fail: a cycle made by hand is found.
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  });

  it('keeps the core stages away from the edges: the pipeline never imports apply, commands, the CLI, forges, drift, verify, inspect or analytics', () => {
    const core = /^src\/(config|expand|plan|reconcile|render)\//;
    const edge = /^src\/(apply|commands|cli|forge|drift|verify|inspect|analytics)(\/|\.ts$)/;
    const breaks = [...graph].flatMap(([from, targets]) => (core.test(from) ? targets.filter((t) => edge.test(t)).map((t) => `${from} -> ${t}`) : []));
    assert.deepEqual(breaks, []);
  });

  it('keeps the leaves leaves: shared vocabulary and the HTTP policy import nothing of ours but the error type', () => {
    assert.deepEqual(graph.get('src/vocabulary.ts'), []);
    for (const leaf of ['src/format.ts', 'src/errors.ts', 'src/config/path.ts']) assert.deepEqual(graph.get(leaf), [], leaf);
    assert.deepEqual(graph.get('src/diagnostics.ts')?.filter((t) => t !== 'src/format.ts' && t !== 'src/vocabulary.ts'), []);
    assert.deepEqual(graph.get('src/http/policy.ts')?.filter((t) => t !== 'src/errors.ts'), []);
    const forgeToCloudflare = [...graph].filter(([from, targets]) => from.startsWith('src/forge/') && targets.some((t) => t.startsWith('src/cloudflare/')));
    assert.deepEqual(forgeToCloudflare, []);
  });

  it('has no function over 120 lines', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'function-lengths.mjs'), '--max', '120', 'src'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('keeps every command a wiring of at most 150 lines', () => {
    const long = sourceFiles(join(SRC, 'commands'))
      .map((file) => [relative(ROOT, file), readFileSync(file, 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 150);
    assert.deepEqual(long, []);
  });

  it('exports nothing that no other module imports (ts-unused-exports; exported types may document a signature)', () => {
    const bin = join(ROOT, 'node_modules', 'ts-unused-exports', 'bin', 'ts-unused-exports');
    const result = spawnSync(process.execPath, [bin, 'tsconfig.json', '--allowUnusedTypes', '--excludePathsFromReport=test/;bench/;scripts/'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  it('cites docs/ or Cloudflare, never a section number of a document outside the repository (src, tests, scripts, bench)', () => {
    const files = [...sourceFiles(SRC), ...sourceFiles(join(ROOT, 'test')), ...sourceFiles(join(ROOT, 'bench')),
      ...readdirSync(join(ROOT, 'scripts')).filter((name) => name.endsWith('.mjs')).map((name) => join(ROOT, 'scripts', name))];
    // This file names the patterns it looks for, and docs.test.ts the § it refuses in the docs.
    const own = new Set([join(ROOT, 'test', 'architecture.test.ts'), join(ROOT, 'test', 'docs.test.ts')]);
    const cited = files.filter((file) => !own.has(file)).flatMap((file) => readFileSync(file, 'utf8').split('\n')
      .map((line, i) => [`${relative(ROOT, file)}:${i + 1}`, line] as const)
      .filter(([, line]) => /§|cloudflare-(api|reality)\.md|shared\/(spec|seeds)/.test(line)));
    assert.deepEqual(cited.map(([where]) => where), []);
  });
});
