// docs/ci.md, the GitHub Action at the repository root: its shape (composite on Node 24, the inputs,
// inputs only through env:), and its run script executed with bash as the runner would, against the
// GitHub and Cloudflare stand-ins.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { startStandin } from './support/cloudflare-standin.js';
import { startGitHubStandin } from './support/github-standin.js';
import { Site, TOKEN, ZONE_ID } from './support/site.js';
import { GITHUB_TOKEN, assertNoToken, smallConfig } from './support/comment-fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Step { name?: string; uses?: string; shell?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown>; 'working-directory'?: string }
interface Action { name: string; description: string; inputs: Record<string, { description: string; default?: string }>; runs: { using: string; steps: Step[] } }

const action = parse(readFileSync(`${ROOT}action.yml`, 'utf8')) as Action;
const mainStep = action.runs.steps.find((step) => step.name === 'purgeplan')!;

describe('action.yml', () => {
  it('is a composite action that sets up Node 24', () => {
    assert.equal(action.runs.using, 'composite');
    const setup = action.runs.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    assert.ok(setup, 'a setup-node step');
    assert.equal(String(setup.with?.['node-version']), '24');
  });

  it('has the inputs command, config, base, args and github-token, each described', () => {
    for (const name of ['command', 'config', 'base', 'args', 'github-token']) {
      assert.ok(action.inputs[name], `input ${name}`);
      assert.ok(action.inputs[name]!.description.length > 10);
    }
    assert.equal(action.inputs.command!.default, 'plan');
    assert.equal(action.inputs.config!.default, 'purge.yaml');
    assert.equal(action.inputs['github-token']!.default, '${{ github.token }}');
  });

  it('passes inputs only through env: no ${{ }} inside any run script; every run step names its shell', () => {
    for (const step of action.runs.steps) {
      if (step.run === undefined) continue;
      assert.doesNotMatch(step.run, /\$\{\{/, `step "${step.name}" has an expression in its script`);
      assert.equal(step.shell, 'bash', `step "${step.name}" names its shell`);
    }
    const used = new Set<string>();
    for (const value of Object.values(mainStep.env ?? {})) {
      const match = /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(value);
      if (match) used.add(match[1]!);
    }
    for (const name of Object.keys(action.inputs)) assert.ok(used.has(name), `input ${name} reaches the script through env:`);
  });
});

interface ScriptResult { code: number | null; stdout: string; stderr: string }

/** Runs the action's main script with bash, as the runner would after mapping inputs to env. */
function runScript(cwd: string, inputs: Record<string, string>, env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  const fromInputs: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(mainStep.env ?? {})) {
    const match = /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(value);
    const input = match ? match[1]! : '';
    fromInputs[name] = inputs[input] ?? (action.inputs[input]?.default?.startsWith('${{') ? '' : action.inputs[input]?.default ?? '');
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', mainStep.run!], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', GITHUB_ACTION_PATH: ROOT, RUNNER_TEMP: cwd, ...fromInputs, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('action.yml: the run script', () => {
  it('plan on a pull request: plans, then posts the sticky comment and the step summary', async () => {
    const github = await startGitHubStandin({ tokens: [GITHUB_TOKEN] });
    const site = new Site().write('sites/purge.yaml', smallConfig()).write('event.json', JSON.stringify({ pull_request: { number: 7 } }));
    try {
      const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: 'event.json', GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'octo/site', GITHUB_STEP_SUMMARY: `${site.dir}/summary.md` };
      const inputs = { config: 'sites/purge.yaml', args: '--all', 'comment-args': '--tag site --skip-no-changes', 'github-token': GITHUB_TOKEN };
      const result = await runScript(site.dir, inputs, env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Plan: 2 requests/, 'the human plan in the log');
      assert.equal(github.comments(7).length, 1);
      assert.ok(github.comments(7)[0]!.body.startsWith('<!-- purgeplan:site -->\n### purgeplan plan'));
      assert.match(site.read('summary.md'), /### purgeplan plan/);
      assertNoToken(GITHUB_TOKEN, `${result.stdout}${result.stderr}`, site.read('summary.md'));
      // The same run again edits the same comment.
      assert.equal((await runScript(site.dir, inputs, env)).code, 0);
      assert.equal(github.comments(7).length, 1);
    } finally {
      await github.close();
      site.remove();
    }
  });

  it('plan on a push: no comment, a notice, the plan in the step summary', async () => {
    const site = new Site().write('purge.yaml', smallConfig());
    try {
      const result = await runScript(site.dir, { args: '--all' }, { GITHUB_EVENT_NAME: 'push', GITHUB_STEP_SUMMARY: `${site.dir}/summary.md` });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /::notice title=purgeplan::not a pull request event \(push\)/);
      assert.match(site.read('summary.md'), /### purgeplan plan/);
    } finally {
      site.remove();
    }
  });

  it('apply: apply --auto-approve with the base and args, the Cloudflare token from the step env', async () => {
    const cloudflare = await startStandin({ tokens: [TOKEN], zones: [{ id: ZONE_ID, name: 'example.com', plan: 'free', account_id: 'acc1' }] });
    const site = new Site().write('purge.yaml', smallConfig());
    try {
      const result = await runScript(site.dir, { command: 'apply', args: '--all --group posts' }, { CLOUDFLARE_API_TOKEN: TOKEN, PURGEPLAN_API_URL: cloudflare.url });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(cloudflare.accepted.map((a) => a.body), [{ files: ['https://www.example.com/posts/1/', 'https://www.example.com/posts/2/', 'https://www.example.com/posts/3/'] }]);
    } finally {
      await cloudflare.close();
      site.remove();
    }
  });

  it('a base of all zeros (a new branch\'s github.event.before) plans every group', async () => {
    const site = new Site().write('purge.yaml', smallConfig());
    try {
      const result = await runScript(site.dir, { base: '0000000000000000000000000000000000000000' }, { GITHUB_EVENT_NAME: 'push' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /::notice title=purgeplan::base 0+ is no commit/);
      assert.match(result.stdout, /Plan: 2 requests/);
    } finally {
      site.remove();
    }
  });

  it('args are split at spaces but never expanded as file patterns; a bad command is an error', async () => {
    const site = new Site().write('purge.yaml', smallConfig()).write('posts', '');
    try {
      const globbed = await runScript(site.dir, { args: '--group p*' }, { GITHUB_EVENT_NAME: 'push' });
      assert.equal(globbed.code, 1);
      assert.match(globbed.stderr, /p\*/, 'the pattern reached purgeplan as written');
      const bad = await runScript(site.dir, { command: 'destroy' }, {});
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /::error title=purgeplan::the command input must be plan or apply \(got "destroy"\)/);
    } finally {
      site.remove();
    }
  });
});

describe('examples/ci', () => {
  it('the GitHub workflow uses the action on Node 24 runtimes, with no expression inside a run script', () => {
    const workflow = parse(readFileSync(`${ROOT}examples/ci/github-actions.yml`, 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const uses = steps.map((step) => step.uses ?? '').filter(Boolean);
    assert.ok(uses.filter((u) => u.endsWith('/purgeplan@v0.1.0')).length >= 2, 'plan and apply through the action');
    assert.ok(uses.includes('actions/checkout@v5'), 'checkout v5 runs on Node 24');
    for (const step of steps) if (step.run !== undefined) assert.doesNotMatch(step.run, /\$\{\{/);
    const plan = steps.find((step) => step.with?.command === 'plan');
    assert.equal(plan?.with?.base, 'origin/${{ github.base_ref }}');
  });

  it('the GitLab pipeline posts with comment gitlab on node:24', () => {
    const pipeline = parse(readFileSync(`${ROOT}examples/ci/gitlab-ci.yml`, 'utf8')) as { default: { image: string }; 'purge-plan': { script: string[] } };
    assert.equal(pipeline.default.image, 'node:24');
    assert.ok(pipeline['purge-plan'].script.some((line) => /^npx purgeplan comment gitlab --base "origin\/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"/.test(line)));
  });
});
