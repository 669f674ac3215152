// `purgeplan init`: a commented starter purge.yaml that validates and plans as written.
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import type { Io } from './io.js';

/** Where `npm install --save-dev purgeplan` puts the schema, below the project's directory. */
const INSTALLED_SCHEMA = 'node_modules/purgeplan/schemas/purge.schema.json';

/**
 * The schema path for the editor line of a file written in `fileDir`, relative to that directory
 * (as the YAML language server reads it): the installed schema in the nearest directory above the
 * file that has one, else where installing in the current directory would put it.
 */
function schemaPathFor(fileDir: string, cwd: string): string {
  let schema = join(cwd, INSTALLED_SCHEMA);
  for (let dir = fileDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, INSTALLED_SCHEMA))) {
      schema = join(dir, INSTALLED_SCHEMA);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const path = relative(fileDir, schema).split(sep).join('/');
  return path.startsWith('../') ? path : `./${path}`;
}

const starter = (schemaPath: string): string => `# yaml-language-server: $schema=${schemaPath}
# purgeplan: the cache purges of this site, reviewed like code.
#   purgeplan validate        check this file
#   purgeplan plan            show what a release would purge (no token needed)
#   purgeplan apply PLANFILE  purge it (needs the token named by token_env)
version: 1

zones:
  www:
    name: example.com # your zone; or give its id (32 hex characters)
    plan: free # free | pro | business | enterprise: sets batch sizes and rate limits
    token_env: CLOUDFLARE_API_TOKEN # the environment variable that holds the API token
    cache_key: pages
    action: purge # purge deletes cached copies; invalidate marks them stale (revalidated,
                  # possibly still served stale): never invalidate what must disappear

cache_keys:
  pages: # mirror your Cache Rule's "cache key" settings here
    query_string:
      sort: true
    device_type: true # one cache entry per device type: each is purged

# Groups name no zone here: with one zone they purge it. With several zones, a group without
# zone is routed: each URL, host and prefix goes to the zone whose name matches its host.
groups:
  home:
    description: The home page and the blog index
    urls:
      - https://www.example.com/
      - https://www.example.com/blog/?page={1..3}
  posts:
    description: Blog posts
    urls:
      - https://www.example.com/blog/{slug}/
    vars:
      slug: [hello-world] # or {file: slugs.txt}: one value a line
    tags: [blog, "post-{slug}"] # hosts, prefixes and tags take the same patterns as urls
`;

// Loaded with a dynamic import, which the unused-export check does not follow.
// ts-unused-exports:disable-next-line
export function initCommand(options: { config: string }, io: Io): number {
  const path = resolve(io.cwd, options.config);
  let fd: number;
  try {
    // `init -c sites/docs/purge.yaml` in a new repository: the directories are created too.
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    let code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      try {
        mkdirSync(dirname(path), { recursive: true });
        return initCommand(options, io);
      } catch (mkdirError) {
        code = (mkdirError as NodeJS.ErrnoException).code === 'EEXIST' ? 'ENOTDIR' : (mkdirError as NodeJS.ErrnoException).code;
      }
    }
    if (code === 'EEXIST') throw new UserError(`${options.config} already exists; init never overwrites it`, { hint: 'edit it, remove it first, or pass -c/--config NEW_FILE' });
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOTDIR' ? 'a part of the path is a file, not a directory'
      : code === 'EISDIR' ? 'it is a directory' : (code ?? 'error');
    throw new UserError(`cannot create ${options.config}: ${why}`, { hint: 'pass -c/--config with a path where a new file can be written' });
  }
  try {
    writeSync(fd, starter(schemaPathFor(dirname(path), io.cwd)));
  } finally {
    closeSync(fd);
  }
  io.stdout(`Wrote ${options.config}. Next: edit the zone and groups, then run \`purgeplan plan\`.\n`);
  return 0;
}
