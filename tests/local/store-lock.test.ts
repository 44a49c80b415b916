import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import { connectLocal } from '../../functions/cli/local-connection.ts';
import { LOCAL_BUCKETS } from '../../functions/local/local-mode.ts';
import { startLocalS3 } from '../../functions/local/local-s3.ts';
import { acquireStore } from '../../functions/local/store-lock.ts';

// One process serves a local mode data folder: two s3rver instances over the same files returned
// half-written JSON to each other's readers and let two conditional writers both win.

const folders: string[] = [];
function dataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-lock-'));
  folders.push(dir);
  return join(dir, 's3');
}
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the lock of a local S3 data folder', () => {
  it('is held while a server runs and released when it closes', async () => {
    const folder = dataFolder();
    const s3 = await startLocalS3(folder, ['b']);
    const owner = JSON.parse(readFileSync(`${folder}.lock`, 'utf8')) as Record<string, unknown>;
    expect(owner).toEqual({ pid: process.pid, shared: false, endpoint: s3.endpoint });
    await s3.close();
    expect(existsSync(`${folder}.lock`)).toBe(false);
  });

  it("makes a command wait for another command's server, and names who holds it", async () => {
    const folder = dataFolder();
    const first = await acquireStore(folder, { shared: false });
    const waits: number[] = [];
    await expect(
      acquireStore(folder, { shared: false, timeoutMs: 1500, onWait: (owner) => waits.push(owner.pid) }),
    ).rejects.toThrow(`still in use by process ${process.pid}`);
    expect(waits).toEqual([process.pid]);
    // Released while another waits: the waiter gets it.
    const second = acquireStore(folder, { shared: false });
    setTimeout(() => 'lock' in first && first.lock.release(), 300);
    expect('lock' in (await second)).toBe(true);
  });

  it("gives a command local mode's endpoint, and refuses a second local mode", async () => {
    const folder = dataFolder();
    const local = await startLocalS3(folder, ['b'], 0, { shared: true });
    try {
      const access = await acquireStore(folder, { shared: false });
      expect(access).toEqual({
        endpoint: local.endpoint,
        owner: { pid: process.pid, shared: true, endpoint: local.endpoint },
      });
      await expect(startLocalS3(folder, ['b'], 0, { shared: true })).rejects.toThrow(
        /local mode \(process \d+\) already serves this data folder/,
      );
      await expect(startLocalS3(folder, ['b'])).rejects.toThrow(`use that endpoint`);
    } finally {
      await local.close();
    }
  });

  it('takes over the lock of a process that was killed, or of a lock file cut short long ago', async () => {
    const folder = dataFolder();
    writeFileSync(`${folder}.lock`, JSON.stringify({ pid: deadPid(), shared: true, endpoint: 'http://x' }));
    const access = await acquireStore(folder, { shared: true, timeoutMs: 1000 });
    expect('lock' in access).toBe(true);
    if ('lock' in access) access.lock.release();

    writeFileSync(`${folder}.lock`, '{"pid":');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${folder}.lock`, old, old);
    expect('lock' in (await acquireStore(folder, { shared: false, timeoutMs: 1000 }))).toBe(true);
  });

  it("takes over a lock naming this process's id that it does not hold, or a server that refuses", async () => {
    const folder = dataFolder();
    writeFileSync(`${folder}.lock`, JSON.stringify({ pid: process.pid, shared: true }));
    const own = await acquireStore(folder, { shared: true, timeoutMs: 1000 });
    expect('lock' in own).toBe(true);
    if ('lock' in own) own.lock.release();
    // A live process (the test runner's parent) whose recorded server is gone: its id was reused.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const { port } = gone.address() as AddressInfo;
    await new Promise((resolve) => gone.close(resolve));
    writeFileSync(
      `${folder}.lock`,
      JSON.stringify({ pid: process.ppid, shared: true, endpoint: `http://127.0.0.1:${port}` }),
    );
    const reused = await acquireStore(folder, { shared: true, timeoutMs: 1000 });
    expect('lock' in reused).toBe(true);
    if ('lock' in reused) reused.lock.release();
  });

  it('lets one of several processes at a time hold it, when they all take over a dead one', async () => {
    const folder = dataFolder();
    writeFileSync(`${folder}.lock`, JSON.stringify({ pid: deadPid(), shared: false }));
    const log = `${folder}.log`;
    const script = `
      import { appendFileSync } from 'node:fs';
      import { acquireStore } from ${JSON.stringify(new URL('../../functions/local/store-lock.ts', import.meta.url).href)};
      const access = await acquireStore(${JSON.stringify(folder)}, { shared: false });
      appendFileSync(${JSON.stringify(log)}, 'in\\n');
      await new Promise((resolve) => setTimeout(resolve, 150));
      appendFileSync(${JSON.stringify(log)}, 'out\\n');
      access.lock.release();
    `;
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            cwd: fileURLToPath(new URL('../..', import.meta.url)),
            stdio: 'inherit',
          });
          child.once('exit', resolve);
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    // Never two inside at once: every "in" is followed by its own "out".
    expect(readFileSync(log, 'utf8')).toBe('in\nout\n'.repeat(4));
    expect(existsSync(`${folder}.lock`)).toBe(false);
  }, 60_000);

  it("lets a command use local mode's server instead of starting its own", async () => {
    const folder = dataFolder();
    const local = await startLocalS3(folder, Object.values(LOCAL_BUCKETS), 0, { shared: true });
    try {
      await new S3BlobStore(createS3Client(local.endpoint), LOCAL_BUCKETS.state).put('x.json', '{"a":1}');
      const lock = readFileSync(`${folder}.lock`, 'utf8');
      const connection = await connectLocal({ data: dirname(folder) });
      const store = new S3BlobStore(connection.client, LOCAL_BUCKETS.state);
      expect(new TextDecoder().decode(await store.get('x.json'))).toBe('{"a":1}');
      await connection.close();
      // Still local mode's lock, and its server still serves.
      expect(readFileSync(`${folder}.lock`, 'utf8')).toBe(lock);
      expect((await fetch(local.endpoint)).ok).toBe(true);
    } finally {
      await local.close();
    }
  });
});
