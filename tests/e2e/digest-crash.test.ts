import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/fixtures.ts';
import { type RunningLocalMode, startLocalMode, stopLocalMode } from '../helpers/local-mode.ts';

// Issue 16: digests exactly once, through the real CLI. Five `herald digest` processes at once,
// and a `herald digest` killed with SIGKILL at random moments, then local mode restarted: every
// subscriber has the digest once, nobody none.

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'herald-digest-crash-'));
const contentDir = join(work, 'content');
const dataDir = join(work, 'data');
const outbox = join(dataDir, 'outbox');
const SUBSCRIBERS = Array.from({ length: 40 }, (_, i) => `reader${i}@example.org`);
// herald.mjs starts Herald as a child with this Node flag unless it is already set: with it set,
// the process spawned here is the one that sends, and SIGKILL reaches it and nothing else.
const env = { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' };
let running: RunningLocalMode | undefined;

const herald = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, [HERALD, ...args, '--data', dataDir], { env })).stdout;

// What the spawned runs printed, for the messages of failed expectations.
let runOutput = '';
function spawnDigest(now: string): ChildProcess {
  const child = spawn(process.execPath, [HERALD, 'digest', '--now', now, '--data', dataDir, '--verbose'], {
    env,
  });
  const keep = (chunk: Buffer) => {
    runOutput += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

/** Digest files in the outbox per address, leaving out the files listed in `before`. */
function mailsPerAddress(before: Set<string> = new Set()): Map<string, number> {
  const counts = new Map<string, number>();
  for (const file of readdirSync(outbox)) {
    if (!file.endsWith('.eml') || before.has(file)) continue;
    const address = SUBSCRIBERS.find((a) => file.endsWith(`-${a}.eml`));
    if (address !== undefined) counts.set(address, (counts.get(address) ?? 0) + 1);
  }
  return counts;
}

const sent = (before: Set<string>) => [...mailsPerAddress(before).values()].reduce((a, b) => a + b, 0);

async function publishPost(slug: string, title: string): Promise<void> {
  writeFileSync(
    join(contentDir, 'posts', `${slug}.md`),
    `---\ntitle: ${title}\ndate: ${new Date(Date.now() - 60_000).toISOString()}\n---\nBody of ${title}.\n`,
  );
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${running?.siteUrl}feed.json`);
    const feed = response.ok ? ((await response.json()) as { items: { title: string }[] }) : { items: [] };
    if (feed.items.some((i) => i.title === title)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${title} never published`);
}

/**
 * A cut-off for a digest that carries the post: the post index dates a post's appearance by the
 * publish run that saw it, which can trail the feed by a moment.
 */
async function digestTimeWith(title: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const now = new Date().toISOString();
    if ((await herald('digest', '--preview', '--now', now)).includes(title)) return now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${title} is never in a digest`);
}

async function waitFor(what: string, done: () => boolean, seconds: number, pollMs = 100): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${runOutput}\n${running?.output()}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

beforeAll(async () => {
  cpSync(fixturePath('sites/golden'), contentDir, { recursive: true });
  writeFileSync(
    join(contentDir, 'site.yaml'),
    'title: Crash News\nbaseUrl: https://crash.example/\nauthor: Ann\nnewsletter:\n  from: Crash News <news@crash.example>\n  schedule: monday 09:00\n',
  );
  running = await startLocalMode(contentDir, dataDir);
  writeFileSync(join(work, 'readers.txt'), `${SUBSCRIBERS.join('\n')}\n`);
  await herald('subscribers', 'import', join(work, 'readers.txt'));
  // The newsletter switches on with the first publish run that sees it configured: what that run
  // publishes is from before the switch-on, so the posts the digests carry come after it.
  await publishPost('warm-up', 'Warm Up');
}, 90_000);

afterAll(async () => {
  if (running) await stopLocalMode(running);
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe('herald digest, exactly once (issue 16)', () => {
  it('five concurrent herald digest runs mail every subscriber once', async () => {
    await publishPost('crash-one', 'Crash One');
    const now = await digestTimeWith('Crash One');
    const runs = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<number | null>((resolve) => {
            spawnDigest(now).once('exit', resolve);
          }),
      ),
    );
    expect(runs, runOutput).toEqual([0, 0, 0, 0, 0]);
    const counts = mailsPerAddress();
    expect(counts.size, runOutput).toBe(SUBSCRIBERS.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('a herald digest killed twice at random moments, then local mode restarted: each mailed once', async () => {
    const before = new Set(readdirSync(outbox));
    await publishPost('crash-two', 'Crash Two');
    const now = await digestTimeWith('Crash Two');
    const kills: string[] = [];
    for (let round = 0; round < 2; round++) {
      const child = spawnDigest(now);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Anywhere from start-up to mid-send: after a random 0.3-2.3 s, or after it has sent a random
      // 1-12 more. The last kill comes after at least one message, so the digest is planned and half
      // sent when local mode starts again; a dozen a round leaves the last run plenty unsent.
      const extra = Math.floor(Math.random() * 13);
      const timed = extra === 0 && round !== 1;
      const target = sent(before) + Math.max(1, extra);
      const start = Date.now();
      const delay = 300 + Math.random() * 2000;
      await waitFor(
        'the digest run to reach its kill point',
        () => child.exitCode !== null || (timed ? Date.now() - start >= delay : sent(before) >= target),
        60,
        5,
      );
      child.kill('SIGKILL');
      await exited;
      kills.push(
        `kill ${round + 1} at ${sent(before)} mails (${timed ? `after ${Math.round(delay)} ms` : `target ${target}`})`,
      );
      runOutput += `${kills.at(-1)}\n`;
    }
    expect(sent(before), kills.join('; ')).toBeLessThan(SUBSCRIBERS.length);

    // Local mode finishes the digest the killed run left, on its next start.
    if (running) await stopLocalMode(running);
    running = await startLocalMode(contentDir, dataDir);
    await waitFor(
      'local mode to finish the digest',
      () => mailsPerAddress(before).size === SUBSCRIBERS.length,
      30,
    );
    expect(running.output()).toContain('interrupted digest resumed');
    // And a run after that has nothing to resume and sends nothing more.
    const again = await herald('digest', '--now', now);
    expect(again).not.toContain('Resumed');
    const counts = mailsPerAddress(before);
    expect(counts.size, kills.join('; ')).toBe(SUBSCRIBERS.length);
    expect(
      [...counts.entries()].filter(([, n]) => n !== 1),
      kills.join('; '),
    ).toEqual([]);
  }, 180_000);
});
