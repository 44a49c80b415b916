import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { HeraldError } from '../core/errors.ts';

/**
 * Who serves a local mode data folder. Two S3 servers over one folder break what each makes safe
 * for itself: a read in one could return another's new bytes cut to the old length (half a JSON
 * file), conditional writes in each were exclusive only among its own requests, and a starting
 * server's crash repair removed the other's writes in flight. So one process serves a folder: the
 * one holding its lock file, `<folder>.lock`.
 */
export interface StoreOwner {
  pid: number;
  /** Its S3 endpoint, once it answers. */
  endpoint?: string;
  /** `herald start`'s server, open to other processes (a command's own server is not). */
  shared: boolean;
}

/** What {@link acquireStore} got: the folder to serve, or the endpoint of local mode serving it. */
export type StoreAccess = { lock: StoreLock } | { endpoint: string; owner: StoreOwner };

/** The held lock of a data folder. */
export interface StoreLock {
  /** Records the endpoint, so that other processes can reach a shared server. */
  serving(endpoint: string): void;
  release(): void;
}

export interface AcquireOptions {
  /** Whether other processes may use this server (local mode) rather than wait for it to end. */
  shared: boolean;
  /** Told once when the folder is busy and this process waits. */
  onWait?: (owner: StoreOwner) => void;
  /** How long to wait for a command that holds the folder before giving up. */
  timeoutMs?: number;
}

// A lock file is written in one call after its exclusive create: one this young may still be empty.
const WRITE_GRACE_MS = 5_000;
const POLL_MS = 100;
const NOTICE_AFTER_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/**
 * Takes the lock of a local S3 data folder, waiting while a command's own server holds it; a lock
 * whose process is gone (killed, crashed) is taken over.
 * @param folder - the S3 data folder (the lock is the file beside it)
 * @returns the lock, or, when another local mode serves the folder and this process needs no
 *   server of its own (`shared` false), that server's endpoint
 * @throws HeraldError when local mode already serves the folder and this would be a second, or
 *   when a command holds it past the timeout
 */
export async function acquireStore(folder: string, options: AcquireOptions): Promise<StoreAccess> {
  const path = `${folder}.lock`;
  const started = Date.now();
  let told = false;
  for (;;) {
    const mine: StoreOwner = { pid: process.pid, shared: options.shared };
    try {
      writeFileSync(path, JSON.stringify(mine), { flag: 'wx' });
      return { lock: heldLock(path, mine) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    // Released between the create and the read: try again at once.
    if (owner === undefined) continue;
    if (owner === 'stale') {
      takeOver(path);
      continue;
    }
    if (owner !== 'unreadable' && owner.shared) {
      if (options.shared)
        throw new HeraldError(
          `${folder}: local mode (process ${owner.pid}) already serves this data folder; stop it first, or pass another --data folder`,
        );
      if (owner.endpoint !== undefined) return { endpoint: owner.endpoint, owner };
    }
    const waited = Date.now() - started;
    if (!told && owner !== 'unreadable' && waited >= NOTICE_AFTER_MS) {
      told = true;
      options.onWait?.(owner);
    }
    if (waited > (options.timeoutMs ?? DEFAULT_TIMEOUT_MS))
      throw new HeraldError(
        `${folder}: still in use by process ${owner === 'unreadable' ? '(unknown)' : owner.pid} after ${Math.round(waited / 1000)} s; try again when it has finished`,
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function heldLock(path: string, mine: StoreOwner): StoreLock {
  let held = true;
  return {
    serving(endpoint) {
      if (!held) return;
      // Replaced whole by a rename: a reader never sees the file half written.
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ ...mine, endpoint }));
      renameSync(temporary, path);
    },
    release() {
      if (!held) return;
      held = false;
      // Only our own: a lock taken over after this process was thought gone is the new owner's.
      const owner = readOwner(path);
      if (typeof owner === 'object' && owner.pid === process.pid) rmSync(path, { force: true });
    },
  };
}

function readOwner(path: string): StoreOwner | 'stale' | 'unreadable' | undefined {
  let text: string;
  let age: number;
  try {
    text = readFileSync(path, 'utf8');
    age = Date.now() - statSync(path).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let owner: Partial<StoreOwner>;
  try {
    owner = JSON.parse(text) as Partial<StoreOwner>;
  } catch {
    return age > WRITE_GRACE_MS ? 'stale' : 'unreadable';
  }
  if (typeof owner.pid !== 'number') return age > WRITE_GRACE_MS ? 'stale' : 'unreadable';
  return alive(owner.pid)
    ? {
        pid: owner.pid,
        shared: owner.shared === true,
        ...(typeof owner.endpoint === 'string' ? { endpoint: owner.endpoint } : {}),
      }
    : 'stale';
}

/**
 * Removes a dead owner's lock. Renamed away first, so that of two processes taking over at once
 * only one removes it; the other's rename finds nothing and it tries again.
 */
function takeOver(path: string): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // What was renamed may be a lock taken between our read and the rename: give it back if live.
  const owner = readOwner(aside);
  if (typeof owner === 'object') {
    try {
      writeFileSync(path, JSON.stringify(owner), { flag: 'wx' });
    } catch {
      // Someone else holds it now; that one wins.
    }
  }
  rmSync(aside, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
