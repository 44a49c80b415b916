import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/fixtures.ts';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'herald-mistakes-'));
const content = join(work, 'content');
cpSync(fixturePath('sites/golden'), content, { recursive: true });
writeFileSync(join(work, 'not-a-folder'), 'x');

async function herald(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HERALD, ...args], { cwd: work });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// A port that is taken for the whole file, and one where nothing listens (taken, then freed).
let blocker: Server;
let takenPort = 0;
let deadPort = 0;
async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}
beforeAll(async () => {
  blocker = createServer();
  takenPort = await listen(blocker);
  const probe = createServer();
  deadPort = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => blocker.close());

const start = ['start', '--content', content, '--data', join(work, 'data')];

// Each mistake a user makes, the one line Herald answers with, and the exit code.
interface Mistake {
  args: () => string[];
  code: number;
  /** The whole line, a pattern for it, or (for ports known only at run time) a function making it. */
  line: string | RegExp | (() => string);
}

const mistakes: Mistake[] = [
  {
    args: () => ['rebuild', '--data', join(work, 'data'), '--shard-size', '0'],
    code: 2,
    line: "herald: error: option '--shard-size <posts>' argument '0' is invalid. use a whole number of posts from 1 to 100000, e.g. 2000",
  },
  {
    args: () => [...start, '--port', 'abc'],
    code: 2,
    line: "herald: error: option '--port <port>' argument 'abc' is invalid. use a port number from 1 to 65535, or 0 for any free port",
  },
  {
    args: () => [...start, '--port', '99999'],
    code: 2,
    line: /^herald: error: option '--port <port>' argument '99999' is invalid\. use a port number/,
  },
  {
    args: () => [...start, '--port', '0', '--s3-port', String(takenPort)],
    code: 2,
    line: () =>
      `herald start: port ${takenPort} is in use: stop what uses it, or pass --s3-port N (0 for any free port)`,
  },
  {
    args: () => ['start', '--content', 'no-content-here', '--port', '0', '--s3-port', '0'],
    code: 2,
    line: 'herald start: --content no-content-here: no such folder; create it (with site.yaml and posts/) or pass --content DIR',
  },
  {
    args: () => ['build', '--content', 'not-a-folder'],
    code: 2,
    line: 'herald build: --content not-a-folder: is a file, not a folder',
  },
  {
    args: () => ['build', '--content', content, '--now', 'yesterday'],
    code: 2,
    line: "herald: error: option '--now <iso>' argument 'yesterday' is invalid. use an ISO 8601 date and time, e.g. 2026-11-30T09:00:00Z",
  },
  {
    args: () => ['build', '--base-url', 'example.org'],
    code: 2,
    line: /^herald: error: option '--base-url <url>' argument 'example.org' is invalid\. use an absolute URL/,
  },
  {
    args: () => ['build', '--conten', content],
    code: 2,
    line: "herald: error: unknown option '--conten' (Did you mean --content?)",
  },
  { args: () => ['biuld'], code: 2, line: "herald: error: unknown command 'biuld' (Did you mean build?)" },
  {
    args: () => ['subscribers', 'import', 'missing.csv'],
    code: 2,
    line: 'herald subscribers import: missing.csv: no such file; give the path of a subscriber list (CSV or one address a line)',
  },
  ...(['rebuild', 'digest', 'subscribers list'] as const).map((command) => ({
    args: () => [...command.split(' '), '--endpoint', `http://127.0.0.1:${deadPort}`],
    code: 2,
    line: () =>
      `herald ${command}: --endpoint http://127.0.0.1:${deadPort}: nothing answers there; start local mode (npm start) or leave --endpoint out to use .herald/`,
  })),
  {
    args: () => ['subscribers', 'list', '--data', 'empty-data'],
    code: 2,
    line: 'herald subscribers list: --data empty-data: no local mode data here; run npm start first, or pass --data DIR',
  },
  {
    args: () => ['digest', '--now', 'tomorrow morning'],
    code: 2,
    line: /^herald: error: option '--now <iso>' argument 'tomorrow morning' is invalid/,
  },
  { args: () => ['subscribers', 'add'], code: 2, line: "herald: error: missing required argument 'email'" },
];

describe('every user mistake through the real CLI', () => {
  it.each(mistakes.map((m, i) => [i, m] as const))(
    'mistake %i: one line, no stack trace, the right exit code',
    async (_i, mistake) => {
      const args = mistake.args();
      const result = await herald(args);
      const expected = typeof mistake.line === 'function' ? mistake.line() : mistake.line;
      expect({ args, code: result.code }).toEqual({ args, code: mistake.code });
      expect(result.stdout).toBe('');
      expect(result.stderr.endsWith('\n')).toBe(true);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      if (typeof expected === 'string') expect(lines[0]).toBe(expected);
      else expect(lines[0]).toMatch(expected);
    },
    30_000,
  );

  it('shows where the error came from with --verbose', async () => {
    const result = await herald(['subscribers', 'import', 'missing.csv', '--verbose']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'herald subscribers import: missing.csv: no such file; give the path of a subscriber list (CSV or one address a line)',
    );
    // The trace points into the TypeScript sources, through the bundle's source map.
    expect(result.stderr).toMatch(/\n\s+at .*functions\/cli\/newsletter-actions\.ts:\d+/);
  });

  it('prints its version and exits 0', async () => {
    const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
    expect(await herald(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('documents the exit codes and what each command builds in its help', async () => {
    const help = await herald(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('  1  some posts (or addresses) failed');
    expect(help.stdout).toContain('  2  a usage or configuration mistake');
    const build = await herald(['build', '--help']);
    expect(build.stdout.replace(/\s+/g, ' ')).toMatch(
      /HTML site \(post, home, archive, category and feeds pages/,
    );
  });
});
