// What apply and plan write, and where their output goes, when the world is not kind: a reader
// that closes the pipe early, a journal cut short by a crash, a state kept behind a symbolic link,
// a file that cannot be written after the purges went out, a release job on --base whose purge
// failed, an interrupt while a request is in flight. Through the built CLI, against the stand-ins.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startStandin } from './support/cloudflare-standin.js';
import type { StandinOptions } from './support/cloudflare-standin.js';
import { startGitHubStandin } from './support/github-standin.js';
import { GITHUB_TOKEN, smallConfig } from './support/comment-fixtures.js';
import { CLI, PRO_ZONE as ZONE, Site, TOKEN, withStandinSite, ZONE_ID } from './support/site.js';

const env = { CLOUDFLARE_API_TOKEN: TOKEN };
type Standin = Awaited<ReturnType<typeof startStandin>>;

/** 300 pages (10 files requests of 30 on the pro plan) and a tag: 11 requests. */
function config(extra = ''): string {
  return `version: 1
zones:
  www: { id: ${ZONE_ID}, name: example.com, plan: pro }
groups:
  pages:
    urls: ["https://www.example.com/p/{1..300}"]${extra}
  tagged:
    tags: [release]
`;
}

const withSite = withStandinSite;

const slow = (ms: number): StandinOptions['fault'] => (ctx) => (ctx.purgeSeq !== undefined ? { kind: 'delay', ms } : undefined);
const tagRefused: StandinOptions['fault'] = (ctx) => ((ctx.body as { tags?: unknown } | undefined)?.tags ? { kind: 'status', status: 400, errors: [{ code: 1020, message: 'Invalid tag in request' }] } : undefined);

/** Every purge arrived exactly once: the 300 pages and the tag. */
function assertEverythingOnce(standin: Standin): void {
  const files = standin.accepted.flatMap((a) => (a.body as { files?: string[] }).files ?? []);
  assert.equal(files.length, 300, 'every page purged');
  assert.equal(new Set(files).size, 300, 'none twice');
  assert.equal(standin.accepted.filter((a) => (a.body as { tags?: unknown }).tags).length, 1);
}

/** Each line of the journal is one whole JSON object, the file ending in "\n". */
function journalLines(site: Site, path = '.purgeplan/state.json.journal'): { type: string; index?: number }[] {
  const text = site.read(path);
  assert.ok(text.endsWith('\n'), 'the journal ends with a complete line');
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as { type: string; index?: number });
}

const stateGroups = (site: Site, path = '.purgeplan/state.json'): string[] => Object.keys((JSON.parse(site.read(path)) as { groups: object }).groups).sort();

interface Closing {
  /** `first-line`: the reader of stdout closes once it has read a line; `at-once`: before anything is written. */
  readonly stdout?: 'first-line' | 'at-once';
  readonly stderr?: 'at-once';
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs the CLI with readers that go away early, as `purgeplan … | head -1` does; resolves with the exit code. */
function runClosing(site: Site, args: readonly string[], closing: Closing): Promise<{ code: number | null; firstLine: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: site.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...closing.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    let stderr = '';
    if (closing.stdout === 'at-once') child.stdout.destroy();
    else {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        seen += chunk;
        if (closing.stdout === 'first-line' && seen.includes('\n')) child.stdout.destroy();
      });
    }
    if (closing.stderr === 'at-once') child.stderr.destroy();
    else child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, firstLine: seen.split('\n')[0] ?? '', stderr }));
  });
}

describe('a reader that closes the pipe early: apply and comment finish their work', () => {
  for (const json of [false, true]) {
    it(`apply${json ? ' --json' : ''} | head -1: every request once, journal and state complete, lock gone, exit 0`, async () => {
      await withSite({ fault: slow(20) }, config(), async (site, standin) => {
        const result = await runClosing(site, ['apply', '--auto-approve', '--concurrency', '1', '--api-url', standin.url, ...(json ? ['--json'] : [])], { stdout: 'first-line', env });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.firstLine, json ? /^\{"type":"start"/ : /^purgeplan will send 11 purge requests/);
        assertEverythingOnce(standin);
        const journal = journalLines(site);
        assert.equal(journal.filter((line) => line.type === 'request').length, 11, 'every accepted request journaled');
        assert.equal(journal.at(-1)!.type, 'complete');
        assert.deepEqual(stateGroups(site), ['pages', 'tagged']);
        assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.lock')), 'the lock is removed');
      });
    });
  }

  it('the exit code is the apply\'s: a refused request still exits 1, with the rest recorded', async () => {
    const fault: StandinOptions['fault'] = (ctx) => tagRefused(ctx) ?? slow(20)!(ctx);
    await withSite({ fault }, config(), async (site, standin) => {
      const result = await runClosing(site, ['apply', '--auto-approve', '--concurrency', '1', '--api-url', standin.url], { stdout: 'first-line', env });
      assert.equal(result.code, 1);
      assert.equal(standin.accepted.length, 10);
      assert.deepEqual(stateGroups(site), ['pages']);
      assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.lock')));
    });
  });

  it('stderr closed before the first warning: apply still sends everything and records it', async () => {
    // A watch pattern matching no file is a warning, written to stderr before anything is sent.
    await withSite({}, config('\n    watch: ["nothing-here/**"]'), async (site, standin) => {
      const result = await runClosing(site, ['apply', '--auto-approve', '--api-url', standin.url], { stderr: 'at-once', stdout: 'at-once', env });
      assert.equal(result.code, 0);
      assertEverythingOnce(standin);
      assert.deepEqual(stateGroups(site), ['pages', 'tagged']);
      assert.equal(journalLines(site).at(-1)!.type, 'complete');
    });
  });

  it('comment github with stdout closed still posts the comment', async () => {
    const github = await startGitHubStandin({ tokens: [GITHUB_TOKEN] });
    const site = new Site().write('purge.yaml', smallConfig(3)).write('event.json', JSON.stringify({ action: 'synchronize', pull_request: { number: 7 } }));
    try {
      const result = await runClosing(site, ['comment', 'github', '--all'], {
        stdout: 'at-once',
        env: { GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'octo/site', GITHUB_EVENT_PATH: 'event.json' },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(github.comments(7).length, 1, 'the comment was posted');
      assert.match(result.stderr, /Posted the plan/);
    } finally {
      await github.close();
      site.remove();
    }
  });

  it('stdout on a full disk (/dev/full): apply finishes and says its output is lost; plan is a clear error; no stack', { skip: !existsSync('/dev/full') }, async () => {
    await withSite({}, config(), async (site, standin) => {
      const full = openSync('/dev/full', 'w');
      try {
        const run = (args: readonly string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: site.dir, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
        const planned = run(['plan', '--json']);
        assert.equal(planned.status, 1);
        assert.equal(planned.stderr, 'error: cannot write to stdout: no space left on device (ENOSPC)\n');
        // spawnSync would block the stand-in: the apply runs asynchronously.
        const applied = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'apply', '--auto-approve', '--api-url', standin.url], { cwd: site.dir, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', full, 'pipe'] });
          let stderr = '';
          child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
          child.on('close', (code) => resolve({ code, stderr }));
        });
        assert.equal(applied.code, 1);
        assert.match(applied.stderr, /error: cannot write to stdout: no space left on device \(ENOSPC\); the command finished its work/);
        assert.doesNotMatch(applied.stderr, /\n\s+at |internal error/);
        assertEverythingOnce(standin);
        assert.deepEqual(stateGroups(site), ['pages', 'tagged']);
      } finally {
        closeSync(full);
      }
    });
  });

  it('plan --json | head -1 still ends quietly with exit 0', async () => {
    const site = new Site().write('purge.yaml', config());
    try {
      const result = await runClosing(site, ['plan', '--all', '--json'], { stdout: 'first-line' });
      assert.equal(result.code, 0);
      assert.equal(result.stderr, '');
    } finally {
      site.remove();
    }
  });
});

describe('a journal whose last line was cut short', () => {
  it('is cut back to its last complete line before the next append; later applies keep working', async () => {
    let refuse = true;
    await withSite({ fault: (ctx) => (refuse ? tagRefused(ctx) : undefined) }, config(), async (site, standin) => {
      assert.equal((await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env })).code, 1);
      assert.equal(standin.accepted.length, 10);
      // A crash in the middle of the next append.
      appendFileSync(join(site.dir, '.purgeplan/state.json.journal'), '{"type":"request","index":10,"id":"02');
      refuse = false;
      // The same command resumes: only the tag is sent.
      const resumed = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, /Resuming the interrupted apply/);
      assert.equal(standin.accepted.length, 11);
      assert.deepEqual(journalLines(site).map((line) => line.type), ['plan', ...Array<string>(10).fill('request'), 'state', 'request', 'state', 'complete']);
      // And the journal blocks nothing afterwards, twice over.
      for (const expected of [22, 33]) {
        const again = await site.run(['apply', '--auto-approve', '--all', '--api-url', standin.url], { env });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(standin.accepted.length, expected);
      }
    });
  });
});

describe('files written through symbolic links, never replacing them', { timeout: 120_000 }, () => {
  it('a state, journal and lock that are links to a volume stay links; the files they lead to are written', async () => {
    await withSite({}, config(), async (site, standin) => {
      mkdirSync(join(site.dir, 'volume'));
      mkdirSync(join(site.dir, '.purgeplan'));
      for (const name of ['state.json', 'state.json.journal', 'state.json.lock']) symlinkSync(`../volume/${name}`, join(site.dir, '.purgeplan', name));
      for (let run = 0; run < 2; run++) {
        const result = await site.run(['apply', '--auto-approve', '--all', '--api-url', standin.url], { env });
        assert.equal(result.code, 0, result.stderr);
        for (const name of ['state.json', 'state.json.journal', 'state.json.lock']) {
          assert.ok(lstatSync(join(site.dir, '.purgeplan', name)).isSymbolicLink(), `${name} is still a link`);
        }
        assert.deepEqual(stateGroups(site, 'volume/state.json'), ['pages', 'tagged']);
        assert.equal(journalLines(site, 'volume/state.json.journal').at(-1)!.type, 'complete');
        assert.ok(!existsSync(join(site.dir, 'volume/state.json.lock')), 'the lock it led to is removed');
        assert.deepEqual(readdirSync(join(site.dir, 'volume')).sort(), ['state.json', 'state.json.journal'], 'no temp file left');
      }
      assert.equal(standin.accepted.length, 22);
      // The next plan reads the state through the link: nothing is due.
      const plan = await site.run(['plan', '--detailed-exitcode']);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    });
  });

  it('a state link into a directory that does not exist (a volume not mounted) is an error before anything is sent', async () => {
    await withSite({}, config(), async (site, standin) => {
      mkdirSync(join(site.dir, '.purgeplan'));
      symlinkSync('../volume/state.json', join(site.dir, '.purgeplan/state.json'));
      const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /the state file .*state\.json: the directory .*volume does not exist/);
      assert.equal(standin.log.length, 0, 'nothing sent');
      assert.ok(!existsSync(join(site.dir, 'volume')), 'the directory is not created');
      assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.lock')));
    });
  });

  it('a state file that is a directory or a fifo is refused before anything is sent, without hanging', async () => {
    for (const make of ['directory', 'fifo'] as const) {
      await withSite({}, config(), async (site, standin) => {
        mkdirSync(join(site.dir, '.purgeplan'));
        const state = join(site.dir, '.purgeplan/state.json');
        if (make === 'directory') mkdirSync(state);
        else execFileSync('mkfifo', [state]);
        const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`state\\.json is a ${make === 'fifo' ? 'fifo' : 'directory'}.*not a regular file`));
        assert.doesNotMatch(result.stderr, /internal error/);
        assert.equal(standin.log.length, 0);
      });
    }
  });

  it('plan --out through a link writes the file it leads to and keeps the link; apply reads it', async () => {
    await withSite({}, config(), async (site, standin) => {
      mkdirSync(join(site.dir, 'plans'));
      symlinkSync('plans/release.plan', join(site.dir, 'release.plan'));
      assert.equal((await site.run(['plan', '--out', 'release.plan'])).code, 0);
      assert.ok(lstatSync(join(site.dir, 'release.plan')).isSymbolicLink());
      assert.equal(readlinkSync(join(site.dir, 'release.plan')), 'plans/release.plan');
      assert.equal((JSON.parse(site.read('plans/release.plan')) as { requests: unknown[] }).requests.length, 11);
      const applied = await site.run(['apply', 'release.plan', '--api-url', standin.url], { env });
      assert.equal(applied.code, 0, applied.stderr);
      assertEverythingOnce(standin);
    });
  });
});

describe('plan --out: -, devices, missing directories', () => {
  it('--out - writes the plan document alone on stdout, the human plan on stderr, and no file named -', async () => {
    const site = new Site().write('purge.yaml', config());
    try {
      for (const extra of [[], ['--json']]) {
        const result = await site.run(['plan', '--out', '-', ...extra]);
        assert.equal(result.code, 0, result.stderr);
        const plan = JSON.parse(result.stdout) as { requests: unknown[]; config: { path: string } };
        assert.equal(plan.requests.length, 11);
        assert.equal(plan.config.path, 'purge.yaml');
        if (extra.length === 0) assert.match(result.stderr, /Plan: 11 requests/);
        assert.ok(!existsSync(join(site.dir, '-')));
      }
      // What --out - printed is a plan file apply accepts.
      site.write('piped.plan', (await site.run(['plan', '--out', '-'])).stdout);
      assert.equal((await site.run(['show', 'piped.plan'])).code, 0);
    } finally {
      site.remove();
    }
  });

  it('--out /dev/stdout, a fifo or a device is refused, and none is replaced by a regular file', async () => {
    // Through links in the site (as /dev/stdout is itself a link): a purgeplan that replaced the
    // target would replace these links, never the system's devices.
    const site = new Site().write('purge.yaml', config());
    try {
      execFileSync('mkfifo', [join(site.dir, 'a-fifo')]);
      symlinkSync('/dev/stdout', join(site.dir, 'stdout'));
      symlinkSync('/dev/null', join(site.dir, 'null'));
      // Node gives a child a socket for stdout; a shell pipe is a fifo.
      for (const [out, kind] of [['stdout', /socket/], ['null', /character device/], ['a-fifo', /fifo/]] as const) {
        const result = await site.run(['plan', '--out', out]);
        assert.equal(result.code, 1, out);
        assert.match(result.stderr, new RegExp(`--out ${out} is a`));
        assert.match(result.stderr, kind);
        assert.doesNotMatch(result.stderr, /internal error/);
      }
      const piped = spawnSync('sh', ['-c', '"$0" "$1" plan --out stdout | cat', process.execPath, CLI], { cwd: site.dir, encoding: 'utf8' });
      assert.match(piped.stderr, /--out stdout is a fifo \(a pipe\), not a regular file/);
      assert.equal(piped.stdout, '');
      assert.ok(lstatSync(join(site.dir, 'stdout')).isSymbolicLink());
      assert.ok(lstatSync(join(site.dir, 'null')).isSymbolicLink());
      assert.ok(lstatSync(join(site.dir, 'a-fifo')).isFIFO());
    } finally {
      site.remove();
    }
  });

  it('a missing directory is an error (not created); a path through a regular file is a clear error', async () => {
    const site = new Site().write('purge.yaml', config()).write('a-file', 'x');
    try {
      const missing = await site.run(['plan', '--out', 'plans/release.plan']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot write --out plans\/release\.plan: the directory .*plans does not exist/);
      assert.ok(!existsSync(join(site.dir, 'plans')));
      const through = await site.run(['plan', '--out', 'a-file/release.plan']);
      assert.equal(through.code, 1);
      assert.match(through.stderr, /--out a-file\/release\.plan.*ENOTDIR/);
      assert.doesNotMatch(through.stderr, /internal error/);
    } finally {
      site.remove();
    }
  });
});

describe('a file that cannot be written after the purges went out', () => {
  /** At the first purge, `volume` (where the state's link leads) becomes a regular file: the state write fails with ENOTDIR. */
  function volumeLost(site: Site): StandinOptions['fault'] {
    return (ctx) => {
      if (ctx.purgeSeq === 1) {
        renameSync(join(site.dir, 'volume'), join(site.dir, 'volume.away'));
        writeFileSync(join(site.dir, 'volume'), 'not a directory');
      }
      return undefined;
    };
  }

  for (const json of [false, true]) {
    it(`the state${json ? ' (--json)' : ''}: a clear error naming the file and what was sent, not an internal error; a re-run records it`, async () => {
      const site = new Site().write('purge.yaml', config());
      mkdirSync(join(site.dir, 'volume'));
      mkdirSync(join(site.dir, '.purgeplan'));
      symlinkSync('../volume/state.json', join(site.dir, '.purgeplan/state.json'));
      const standin = await startStandin({ tokens: [TOKEN], zones: [ZONE], fault: volumeLost(site) });
      try {
        const result = await site.run(['apply', '--auto-approve', '--api-url', standin.url, ...(json ? ['--json'] : [])], { env });
        assert.equal(result.code, 1);
        assert.doesNotMatch(result.stderr, /internal error|a bug in purgeplan/);
        assert.match(result.stderr, /error: cannot write the state file .*state\.json: .*\(ENOTDIR\); all 11 requests of the plan had been sent and accepted by Cloudflare/);
        assert.match(result.stderr, /run the same command again: it sends only what was not accepted, and records the state/);
        if (json) {
          const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { type: string; ok: boolean; done: number; error: string };
          assert.deepEqual([summary.type, summary.ok, summary.done], ['summary', false, 11]);
          assert.match(summary.error, /cannot write the state file/);
        } else {
          assert.doesNotMatch(result.stdout, /Apply complete/);
        }
        assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.lock')), 'the lock is removed');
        assertEverythingOnce(standin);

        rmSync(join(site.dir, 'volume'));
        renameSync(join(site.dir, 'volume.away'), join(site.dir, 'volume'));
        const again = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(standin.accepted.length, 11, 'nothing sent twice');
        assert.deepEqual(stateGroups(site, 'volume/state.json'), ['pages', 'tagged']);
      } finally {
        await standin.close();
        site.remove();
      }
    });
  }

  it('the journal, mid-run: the error says what Cloudflare accepted and what a re-run sends again', async () => {
    const site = new Site().write('purge.yaml', config()).write('blocker', 'a regular file');
    const fault: StandinOptions['fault'] = (ctx) => {
      if (ctx.purgeSeq === 1) {
        rmSync(join(site.dir, '.purgeplan/state.json.journal'));
        symlinkSync('../blocker/journal', join(site.dir, '.purgeplan/state.json.journal'));
      }
      return undefined;
    };
    const standin = await startStandin({ tokens: [TOKEN], zones: [ZONE], fault });
    try {
      const result = await site.run(['apply', '--auto-approve', '--concurrency', '1', '--api-url', standin.url], { env });
      assert.equal(result.code, 1);
      assert.doesNotMatch(result.stderr, /internal error/);
      assert.match(result.stderr, /cannot write the apply journal .*state\.json\.journal: .*\(ENOTDIR\); 1 of 11 requests had been sent and accepted by Cloudflare: those purges are done; 10 not sent/);
      assert.match(result.stderr, /1 accepted request the journal could not record will be sent again/);
      assert.equal(standin.accepted.length, 1, 'nothing more was sent');
      assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json')), 'no state recorded');
      assert.ok(!existsSync(join(site.dir, '.purgeplan/state.json.lock')));
    } finally {
      await standin.close();
      site.remove();
    }
  });
});

describe('a release job on --base whose purge failed', () => {
  it('says that a later --base run will not retry the failed groups, and recommends the state', async () => {
    await withSite({ fault: tagRefused }, config(), async (site, standin) => {
      site.initGit();
      const before = site.commit('first');
      site.write('purge.yaml', config().replace('{1..300}', '{1..30}').replace('tags: [release]', 'tags: [release, v2]'));
      site.commit('second');
      const failed = await site.run(['apply', '--auto-approve', '--base', before, '--api-url', standin.url], { env });
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, /1 group did not complete \(tagged\)/);
      assert.match(failed.stdout, /a later run with a newer --base .* will not retry them/);
      assert.match(failed.stdout, /keep the state file between runs/);
      // The same from a saved plan, and as a note event with --json.
      assert.equal((await site.run(['plan', '--base', before, '--out', 'release.plan'])).code, 0);
      const json = await site.run(['apply', 'release.plan', '--json', '--api-url', standin.url], { env });
      const notes = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; message?: string }).filter((event) => event.type === 'note');
      assert.ok(notes.some((note) => /will not retry them/.test(note.message ?? '')), json.stdout);
    });
  });

  it('says nothing of the kind when every request succeeded, or without --base', async () => {
    await withSite({ fault: tagRefused }, config(), async (site, standin) => {
      const stateBased = await site.run(['apply', '--auto-approve', '--api-url', standin.url], { env });
      assert.equal(stateBased.code, 1);
      assert.doesNotMatch(stateBased.stdout + stateBased.stderr, /--base/);
    });
    await withSite({}, config(), async (site, standin) => {
      site.initGit();
      const before = site.commit('first');
      site.write('purge.yaml', config().replace('tags: [release]', 'tags: [release, v2]'));
      site.commit('second');
      const ok = await site.run(['apply', '--auto-approve', '--base', before, '--api-url', standin.url], { env });
      assert.equal(ok.code, 0, ok.stderr);
      assert.doesNotMatch(ok.stdout + ok.stderr, /did not complete/);
    });
  });
});

describe('apply papercuts', () => {
  it('a request in flight at Ctrl-C is reported in flight, outcome unknown, not "not sent"', async () => {
    let received = 0;
    const fault: StandinOptions['fault'] = (ctx) => {
      if (ctx.purgeSeq === undefined) return undefined;
      received++;
      return { kind: 'delay', ms: 3000 };
    };
    for (const json of [false, true]) {
      received = 0;
      await withSite({ fault }, config(), async (site, standin) => {
        const result = await site.run(['apply', '--auto-approve', '--concurrency', '1', '--api-url', standin.url, ...(json ? ['--json'] : [])], {
          env,
          onSpawn: (child) => {
            const timer = setInterval(() => {
              if (received >= 1) {
                clearInterval(timer);
                child.kill('SIGINT');
              }
            }, 10);
          },
        });
        assert.equal(result.code, 130, result.stderr);
        if (json) {
          const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
          assert.equal(summary.unknown, 1);
          assert.equal(summary.not_sent, 10);
          assert.deepEqual((summary.failures as { status: string }[]).map((f) => f.status), ['unknown']);
        } else {
          assert.match(result.stdout, /Interrupted: 0 of 11 requests applied, 1 in flight when interrupted \(outcome unknown\), 10 not sent/);
          assert.match(result.stdout, /In flight when interrupted .*\n {2}\? \[1\/11\] www purge \(tagged\): no answer came before the interrupt/);
        }
      });
    }
  });

  it('apply without a terminal and without --auto-approve refuses before planning or showing anything', async () => {
    await withSite({}, config(), async (site, standin) => {
      for (const extra of [[], ['--json']]) {
        const result = await site.run(['apply', '--api-url', standin.url, ...extra], { env, input: 'yes\n' });
        assert.equal(result.code, 1);
        assert.match(result.stderr, /no terminal to ask on.*--auto-approve/);
        assert.doesNotMatch(result.stdout + result.stderr, /Plan: |https:\/\/www\.example\.com/);
        assert.equal(standin.log.length, 0);
        assert.ok(!existsSync(join(site.dir, '.purgeplan')), 'no lock, no state, no journal');
      }
    });
  });
});
