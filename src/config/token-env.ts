// What a variable naming a token may be (docs/purge-yaml.md, "token_env"): a zone's `token_env`
// and `comment --token-env`. The name is shown in messages ("no API token: environment variable
// X is not set"), so a token pasted in its place must be refused without ever being quoted back,
// and a well-known variable that holds something else is worth a warning: apply would send its
// value to Cloudflare as the bearer token.
import { looksLikeSecret } from './values.js';

/** An environment variable name, as shells and CI systems write them. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const isVariableName = (value: string): boolean => VARIABLE_NAME.test(value);

/**
 * Well-known variables that never hold a Cloudflare API token, with what they hold. Compared
 * upper-cased (Windows names are case-insensitive). Listed in docs/purge-yaml.md.
 */
const NOT_CLOUDFLARE: ReadonlyMap<string, string> = new Map([
  ...['HOME', 'PATH', 'USER', 'USERNAME', 'LOGNAME', 'SHELL', 'PWD', 'OLDPWD', 'TERM', 'LANG', 'LC_ALL', 'TMPDIR', 'TMP', 'TEMP', 'HOSTNAME', 'EDITOR', 'VISUAL', 'PAGER', 'DISPLAY', 'MAIL', 'SSH_AUTH_SOCK', 'CI', 'NODE_ENV', 'NODE_OPTIONS']
    .map((name): [string, string] => [name, 'a system variable']),
  ...['GITHUB_TOKEN', 'GH_TOKEN', 'GH_ENTERPRISE_TOKEN'].map((name): [string, string] => [name, 'a GitHub token']),
  ...['GITLAB_TOKEN', 'CI_JOB_TOKEN', 'CI_JOB_JWT', 'CI_JOB_JWT_V2', 'CI_BUILD_TOKEN', 'CI_REGISTRY_PASSWORD', 'CI_DEPLOY_PASSWORD'].map((name): [string, string] => [name, 'a GitLab token']),
  ...['NPM_TOKEN', 'NODE_AUTH_TOKEN'].map((name): [string, string] => [name, 'an npm token']),
  ['CIRCLE_TOKEN', 'a CircleCI token'],
  ['BITBUCKET_TOKEN', 'a Bitbucket token'],
  ['VERCEL_TOKEN', 'a Vercel token'],
  ['NETLIFY_AUTH_TOKEN', 'a Netlify token'],
  ['HEROKU_API_KEY', 'a Heroku key'],
  ['FASTLY_API_TOKEN', 'a Fastly token'],
  ['DOCKER_PASSWORD', 'a Docker registry password'],
  ['GOOGLE_APPLICATION_CREDENTIALS', 'a Google Cloud credentials file path'],
]);

/**
 * Prefixes of variables set by a platform for its own use: AWS credentials and settings, GitHub
 * Actions' own variables (GitHub refuses secrets named GITHUB_…), Azure's.
 */
const NOT_CLOUDFLARE_PREFIXES: readonly (readonly [string, string])[] = [
  ['AWS_', 'an AWS credential or setting'],
  ['GITHUB_', 'a variable GitHub Actions sets'],
  ['ACTIONS_', 'a variable GitHub Actions sets'],
  ['RUNNER_', 'a variable GitHub Actions sets'],
  ['AZURE_', 'an Azure credential or setting'],
  ['ARM_', 'an Azure credential or setting'],
];

/** At least this many characters mixing upper case, lower case and digits read as a token. */
const TOKEN_LIKE_LENGTH = 32;

/**
 * Whether a value given as a variable name looks like a token instead: not a variable name at all,
 * 32 characters or more mixing upper case, lower case and digits (or letters and digits with no
 * `_`), or a Cloudflare credential form (`cfut_…`, `cfat_…`, `cfk_…`): see docs/purge-yaml.md.
 */
export function looksLikeToken(value: string): boolean {
  if (!VARIABLE_NAME.test(value)) return true;
  if (value.length >= TOKEN_LIKE_LENGTH && /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value)) return true;
  // As long, letters and digits without a single "_": a key or a pasted zone id, not a name.
  if (value.length >= TOKEN_LIKE_LENGTH && /^[A-Za-z0-9]+$/.test(value) && /[0-9]/.test(value)) return true;
  return looksLikeSecret(value);
}

/** What a well-known variable that is not a Cloudflare token holds, or undefined. */
function notCloudflareToken(name: string): string | undefined {
  const upper = name.toUpperCase();
  return NOT_CLOUDFLARE.get(upper) ?? NOT_CLOUDFLARE_PREFIXES.find(([prefix]) => upper.startsWith(prefix))?.[1];
}

interface TokenEnvProblem {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly hint: string;
}

/**
 * The problem with a variable named to hold a Cloudflare API token (`where` names the setting:
 * `zones.www.token_env`), or undefined. A value that looks like a token is never quoted.
 */
export function cloudflareTokenEnvProblem(name: string, where: string): TokenEnvProblem | undefined {
  if (looksLikeToken(name)) {
    return {
      severity: 'error',
      message: `${where} looks like an API token, not the name of an environment variable (the value is not shown)`,
      hint: 'put the token in an environment variable such as CLOUDFLARE_API_TOKEN and name that variable here; if this file was shared, roll the token',
    };
  }
  const holds = notCloudflareToken(name);
  if (holds === undefined) return undefined;
  return {
    severity: 'warning',
    message: `${where}: ${name} is ${holds}, not a Cloudflare API token: apply would send its value to Cloudflare as the token`,
    hint: 'name the variable that holds the Cloudflare API token, such as CLOUDFLARE_API_TOKEN (the default)',
  };
}
