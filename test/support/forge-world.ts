// `comment github` and `comment gitlab` through the built CLI against a forge stand-in: a site with
// a purge.yaml, the CI environment each forge's runner sets, and after the test, whatever it did,
// proof that the token showed nowhere (no output, no comment) and no run printed a stack trace.
import { startGitHubStandin } from './github-standin.js';
import type { GitHubStandin, GitHubStandinOptions } from './github-standin.js';
import { startGitLabStandin } from './gitlab-standin.js';
import type { GitLabStandin, GitLabStandinOptions } from './gitlab-standin.js';
import { Site } from './site.js';
import type { CliResult, RunOptions } from './site.js';
import { GITHUB_TOKEN, GITLAB_TOKEN, assertNoStack, assertNoToken } from './comment-fixtures.js';

/** The pull request (GitHub) and merge request (GitLab) the runs comment on. */
const PULL = 7;
const MERGE_REQUEST = 3;

export interface ForgeWorld<S> {
  readonly site: Site;
  readonly standin: S;
  /** `purgeplan comment <forge> ...args` in the site, with the CI environment plus `env`. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv, options?: Pick<RunOptions, 'killAfterMs'>): Promise<CliResult>;
}

async function withWorld<S extends { close(): Promise<void> }>(
  standin: S, site: Site, forge: 'github' | 'gitlab', ciEnv: NodeJS.ProcessEnv,
  after: (outputs: readonly CliResult[]) => void, body: (world: ForgeWorld<S>) => Promise<void>,
): Promise<void> {
  const outputs: CliResult[] = [];
  const run = async (args: readonly string[], env: NodeJS.ProcessEnv = {}, options: Pick<RunOptions, 'killAfterMs'> = {}) => {
    const result = await site.run(['comment', forge, ...args], { ...options, env: { ...ciEnv, ...env } });
    outputs.push(result);
    assertNoStack(result);
    return result;
  };
  try {
    await body({ site, standin, run });
    after(outputs);
  } finally {
    await standin.close();
    site.remove();
  }
}

/** A GitHub Actions job on pull request 7 of octo/site, its GITHUB_TOKEN valid unless `options` say otherwise. */
export async function withGitHub(options: Partial<GitHubStandinOptions>, yaml: string, body: (world: ForgeWorld<GitHubStandin>) => Promise<void>): Promise<void> {
  const standin = await startGitHubStandin({ tokens: [GITHUB_TOKEN], ...options });
  const site = new Site().write('purge.yaml', yaml).write('event.json', JSON.stringify({ action: 'synchronize', pull_request: { number: PULL } }));
  const env = { GITHUB_TOKEN, GITHUB_API_URL: standin.url, GITHUB_REPOSITORY: 'octo/site', GITHUB_EVENT_PATH: 'event.json' };
  await withWorld(standin, site, 'github', env, (outputs) => {
    assertNoToken(GITHUB_TOKEN, ...outputs, ...standin.comments(PULL).map((c) => c.body));
  }, body);
}

/** A GitLab CI merge request pipeline on merge request 3 of project 42, its GITLAB_TOKEN valid unless `options` say otherwise. */
export async function withGitLab(options: Partial<GitLabStandinOptions>, yaml: string, body: (world: ForgeWorld<GitLabStandin>) => Promise<void>): Promise<void> {
  const standin = await startGitLabStandin({ tokens: [GITLAB_TOKEN], ...options });
  const site = new Site().write('purge.yaml', yaml);
  const env = { GITLAB_TOKEN, CI_API_V4_URL: standin.url, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: String(MERGE_REQUEST) };
  await withWorld(standin, site, 'gitlab', env, (outputs) => {
    assertNoToken(GITLAB_TOKEN, ...outputs, ...standin.notes(MERGE_REQUEST).map((n) => n.body));
  }, body);
}
