import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
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

  it('keeps a reader of one key whole while other writers replace it (through the one server)', async () => {
    const folder = dataFolder();
    const s3 = await startLocalS3(folder, ['b']);
    try {
      const store = new S3BlobStore(createS3Client(s3.endpoint), 'b');
      const bodies = [JSON.stringify({ n: 'x'.repeat(10) }), JSON.stringify({ n: 'y'.repeat(5000) })];
      await store.put('state.json', bodies[0] ?? '');
      let bad = 0;
      const writes = (async () => {
        for (let i = 0; i < 60; i++) await store.put('state.json', bodies[i % 2] ?? '');
      })();
      const reads = (async () => {
        for (let i = 0; i < 120; i++) {
          const text = new TextDecoder().decode(await store.get('state.json'));
          if (!bodies.includes(text)) bad++;
        }
      })();
      await Promise.all([writes, reads]);
      expect(bad).toBe(0);
    } finally {
      await s3.close();
    }
  });
});
