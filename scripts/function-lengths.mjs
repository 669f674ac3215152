// Function lengths, measured with the TypeScript compiler API: from the first line of a function
// (its signature, not the comment above it) to its last, nested functions counted inside their
// parents and on their own.
//   node scripts/function-lengths.mjs [--max N] [--top N] [FILE_OR_DIR…]   (default: src)
// With --max, lists the functions longer than N lines and exits 1 if there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const [, value] = args.splice(at, 2);
  return Number(value);
};
const max = option('--max');
const top = option('--top') ?? 20;
const roots = args.length ? args : ['src'];

const files = [];
const collect = (path) => {
  if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) collect(join(path, name));
  else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
};
roots.forEach(collect);

const nameOf = (node, source) => {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(source).slice(0, 40)})`;
  return '(anonymous)';
};

const functions = [];
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      functions.push({ file, line: first, name: nameOf(node, source), lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
functions.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
const shown = max === undefined ? functions.slice(0, top) : functions.filter((f) => f.lines > max);
for (const f of shown) console.log(`${String(f.lines).padStart(5)}  ${f.file}:${f.line}  ${f.name}`);
if (max !== undefined) {
  console.log(shown.length ? `${shown.length} function(s) longer than ${max} lines` : `no function longer than ${max} lines`);
  process.exitCode = shown.length ? 1 : 0;
}
