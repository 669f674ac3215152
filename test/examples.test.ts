// The shipped examples and the repository's own purge.yaml are what users copy first: each must
// validate with no error and no warning (validate --strict), plan without a token into one JSON
// document with requests, and be accepted by the shipped JSON Schema that editors use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { parse, parseDocument } from 'yaml';
import { readSitemap } from '../src/sources/sitemap.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'bin', 'purgeplan.js');
const SCHEMA = join(ROOT, 'schemas', 'purge.schema.json');

/** Every examples/<site>/purge.yaml (other files there, such as CI snippets, are not configurations). */
const EXAMPLES = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'examples', entry.name, 'purge.yaml')))
  .map((entry) => `examples/${entry.name}/purge.yaml`)
  .sort();
const CONFIGS = [...EXAMPLES, 'purge.yaml'];

/** The CLI as CI runs it: from the repository root, with no token and no debug output. */
function purgeplan(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (/TOKEN|^PURGEPLAN_/.test(name)) delete env[name];
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface PlanDocument {
  readonly format_version: number;
  readonly config: { readonly path: string };
  readonly groups: readonly { readonly name: string; readonly status: string }[];
  readonly requests: readonly { readonly zone: string; readonly body: Record<string, unknown> }[];
  readonly summary: { readonly requests: number };
}

describe('examples/', () => {
  it('has the four documented examples', () => {
    for (const name of ['blog', 'shop', 'api-cors', 'multi-zone']) assert.ok(EXAMPLES.includes(`examples/${name}/purge.yaml`), name);
  });

  for (const config of EXAMPLES) {
    it(`${config} starts with the schema modeline (pointing at the shipped schema) and a description`, () => {
      const lines = readFileSync(join(ROOT, config), 'utf8').split('\n');
      const modeline = /^# yaml-language-server: \$schema=(\S+)$/.exec(lines[0]);
      assert.ok(modeline, `first line: ${lines[0]}`);
      assert.equal(resolve(dirname(join(ROOT, config)), modeline[1]), SCHEMA, 'the $schema path leads to schemas/purge.schema.json');
      const description = lines.slice(1).filter((line) => line.startsWith('#') && line.length > 10);
      assert.ok(description.length >= 3, 'a comment describing the site it models');
    });
  }
});

describe('every example and the root purge.yaml', () => {
  for (const config of CONFIGS) {
    it(`${config}: validate --strict passes with no warning`, () => {
      const result = purgeplan(['validate', '--strict', '-c', config]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '', 'no diagnostics at all');
      assert.match(result.stdout, new RegExp(`^${config.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is valid: \\d+ groups?, \\d+ zones?\\n$`));
    });

    it(`${config}: plan --json prints one JSON document with requests, without a token`, () => {
      const result = purgeplan(['plan', '--json', '--all', '--strict', '-c', config]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '', 'nothing on stderr');
      const document = JSON.parse(result.stdout) as PlanDocument;
      assert.equal(document.format_version, 1);
      assert.equal(document.config.path, config);
      assert.ok(document.requests.length > 0, 'requests');
      assert.equal(document.summary.requests, document.requests.length);
      assert.ok(document.groups.every((group) => group.status === 'new'), 'every group is due with --all');
      for (const request of document.requests) assert.equal(Object.keys(request.body).length, 1, 'one purge type per body');
    });
  }

  it('the shipped JSON Schema (as an editor uses it) accepts every one of them', () => {
    const Ajv = AjvModule.default;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(['x-hint', 'x-expected']);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    for (const config of CONFIGS) {
      const document: unknown = parse(readFileSync(join(ROOT, config), 'utf8'));
      assert.ok(validate(document), `${config}: ${JSON.stringify(validate.errors)}`);
    }
    assert.equal(validate({ version: 1, grups: {} }), false, 'and still refuses an unknown key');
  });

  it('the examples use vars files kept beside them', () => {
    for (const config of EXAMPLES) {
      const text = readFileSync(join(ROOT, config), 'utf8');
      for (const [, file] of text.matchAll(/\{\s*file:\s*([^\s}]+)\s*\}/g)) {
        assert.ok(existsSync(join(ROOT, dirname(config), file)), `${config}: ${file}`);
        assert.ok(!file.includes('..') && !file.startsWith('/'), `${config}: ${file} stays beside the example`);
      }
    }
  });
});

/**
 * examples/site: a static site with `build` and `sitemap` groups, and CI recipes that plan on pull
 * requests (--build-base, comment github|gitlab) and apply on release (--wait-for, --expect,
 * --warm). The recipes are checked as the CI services and purgeplan would read them: YAML, every
 * purgeplan invocation a real command with flags its --help lists. `validate` and `plan` on the
 * example need the `build:` and `sitemap:` keys, and the recipes' flags come from the v1.2 apply
 * phases: these tests fail until those land, by design.
 */
describe('examples/site', () => {
  const SITE = join(ROOT, 'examples', 'site');
  const read = (name: string): unknown => {
    const document = parseDocument(readFileSync(join(SITE, name), 'utf8'));
    assert.deepEqual([...document.errors, ...document.warnings].map(String), [], name);
    return document.toJS() as unknown;
  };
  type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
  type Workflow = { on: Record<string, unknown>; jobs: Record<string, { if?: string; steps: Step[]; permissions?: Record<string, string> }> };
  type Pipeline = Record<string, { image?: string; rules?: { if: string }[]; script?: string[] }>;
  const workflow = read('github-actions.yml') as Workflow;
  const pipeline = read('gitlab-ci.yml') as Pipeline;

  /** Every `purgeplan …` command line of a recipe: in its scripts, and `npx purgeplan …` in its comments. */
  function invocations(scripts: readonly string[], file: string): string[] {
    const commands = (line: string, start: RegExp): string[] => line.split(start).slice(1).map((rest) => rest.split(/\s(?:\|\||&&|[|;)])\s|$/)[0]!.trim());
    const comments = readFileSync(join(SITE, file), 'utf8').split('\n').filter((line) => /^\s*#/.test(line));
    return [
      ...scripts.flatMap((script) => script.replace(/\\\n\s*/g, ' ').split('\n')).flatMap((line) => commands(line, /\bpurgeplan\s+/)),
      ...comments.flatMap((line) => commands(line, /\bnpx purgeplan\s+/)),
    ];
  }
  const githubScripts = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''));
  const gitlabScripts = Object.values(pipeline).flatMap((job) => job.script ?? []);
  const commandLines = [...invocations(githubScripts, 'github-actions.yml'), ...invocations(gitlabScripts, 'gitlab-ci.yml')];

  /** A command's (or the program's) --help: its subcommands and long flags. */
  function help(command: readonly string[]): { commands: string[]; flags: string[] } {
    const result = purgeplan([...command, '--help']);
    assert.equal(result.status, 0, result.stderr);
    const section = (title: string): string => result.stdout.split(new RegExp(`^${title}:\\n`, 'm'))[1]?.split(/\n\n/)[0] ?? '';
    return {
      commands: [...section('Commands').matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]!).filter((name) => name !== 'help'),
      flags: [...section('Options').matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!),
    };
  }

  it('the recipes are YAML for GitHub Actions (Node 24, actions/setup-node) and GitLab CI (node:24)', () => {
    assert.deepEqual(Object.keys(workflow.on).sort(), ['pull_request', 'release']);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const setup = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
      assert.equal(setup?.with?.['node-version'], 24, `${name}: actions/setup-node with Node 24`);
      // Values reach scripts through env:, never through an expression inside run:.
      for (const step of job.steps) if (step.run !== undefined) assert.doesNotMatch(step.run, /\$\{\{/, name);
    }
    assert.equal(pipeline.default?.image, 'node:24');
    assert.deepEqual(pipeline['site-plan']?.rules, [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    assert.deepEqual(pipeline['site-release']?.rules, [{ if: '$CI_COMMIT_TAG' }]);
  });

  it('every purgeplan command in them is a real command, with flags its --help lists', () => {
    assert.ok(commandLines.length >= 6, commandLines.join('\n'));
    const program = help([]);
    const unknown: string[] = [];
    for (const line of commandLines) {
      const [first, second] = line.split(/\s+/);
      const command = first === 'comment' ? [first, second!] : [first!];
      if (!program.commands.includes(first!) || (first === 'comment' && !help(['comment']).commands.includes(second!))) {
        unknown.push(`${line}: no command ${command.join(' ')}`);
        continue;
      }
      const flags = help(command).flags;
      for (const [, flag] of line.matchAll(/(?:^|\s)(--[\w-]+)/g)) if (!flags.includes(flag!)) unknown.push(`${line}: ${command.join(' ')} has no ${flag}`);
    }
    assert.deepEqual(unknown, []);
  });

  it('plan on the pull request against the base branch\'s build and post it; apply on release after the origin serves it, then warm', () => {
    const github = invocations(githubScripts, 'github-actions.yml');
    const gitlab = invocations(gitlabScripts, 'gitlab-ci.yml');
    for (const [forge, lines] of [['github', github], ['gitlab', gitlab]] as const) {
      assert.ok(lines.some((line) => /^plan .*--base .*--build-base .*--out /.test(line)), `${forge}: plan --base --build-base --out`);
      assert.ok(lines.some((line) => new RegExp(`^comment ${forge} \\S+`).test(line)), `${forge}: comment ${forge} PLANFILE`);
      assert.ok(lines.some((line) => /^apply --auto-approve .*--wait-for https:\/\/\S+ --expect "\$SITE_VERSION" .*--warm$/.test(line)), `${forge}: apply --wait-for --expect --warm`);
    }
    // The Cloudflare token is in the release job only, from the secrets.
    const { plan, release } = workflow.jobs;
    assert.doesNotMatch(JSON.stringify(plan), /CLOUDFLARE/);
    const apply = release!.steps.find((step) => /purgeplan apply/.test(step.run ?? ''));
    assert.equal(apply?.env?.CLOUDFLARE_API_TOKEN, '${{ secrets.CLOUDFLARE_API_TOKEN }}');
    assert.equal(plan!.permissions?.['pull-requests'], 'write');
  });

  it('the build directory and the sitemap are what purge.yaml names: hashed asset names, every product with a <lastmod>', async () => {
    const config = read('purge.yaml') as { groups: { site: { build: { dir: string; base_url: string } }; products: { sitemap: string } } };
    const dir = join(SITE, config.groups.site.build.dir);
    for (const file of ['index.html', 'about/index.html', 'blog/hello-world.html', 'sitemap.xml', '_redirects', '_headers']) assert.ok(existsSync(join(dir, file)), file);
    const assets = readdirSync(join(dir, 'assets'));
    assert.ok(assets.length >= 3 && assets.every((name) => /\.[0-9a-f]{8}\.(css|js|svg)(\.map)?$/.test(name)), assets.join(' '));
    for (const sitemap of [config.groups.products.sitemap, join(config.groups.site.build.dir, 'sitemap.xml')]) {
      const { entries, withoutLastmod } = await readSitemap(join(SITE, sitemap));
      assert.ok(entries.length >= 5, sitemap);
      assert.equal(withoutLastmod, 0, `${sitemap}: no plan warning about entries without <lastmod>`);
      for (const entry of entries) assert.ok(entry.loc.startsWith(config.groups.site.build.base_url), entry.loc);
    }
  });

  it('plans without a token: the built pages by their URLs (index, clean URLs), the products, no excluded file', () => {
    const result = purgeplan(['plan', '--json', '-c', 'examples/site/purge.yaml']);
    assert.equal(result.status, 0, result.stderr);
    const document = JSON.parse(result.stdout) as PlanDocument;
    const urls = new Set(document.requests.flatMap((request) => (request.body.files as (string | { url: string })[] | undefined ?? []).map((item) => (typeof item === 'string' ? item : item.url))));
    for (const url of ['https://www.example.com/', 'https://www.example.com/about/', 'https://www.example.com/blog/hello-world', 'https://www.example.com/assets/style.8b1d4e07.css', 'https://www.example.com/products/shoes/runner/']) {
      assert.ok(urls.has(url), `${url} in ${[...urls].join(' ')}`);
    }
    for (const url of urls) assert.doesNotMatch(url, /\.map$|_headers|index\.html$|hello-world\.html$/);
  });
});
