import { linkSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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

// Lock files are linked into place whole, so one that does not parse was damaged (a full disk): it
// is taken over once this old. The same age ends a takeover whose process died in the middle.
const DAMAGED_AFTER_MS = 5_000;
const POLL_MS = 100;
const NOTICE_AFTER_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** The locks this process holds: a lock naming this process that is not among them is a leftover. */
const held = new Set<string>();

/**
 * Takes the lock of a local S3 data folder, waiting while a command's own server holds it; a lock
 * whose process is gone (killed, crashed, a zombie, or a reused process id) is taken over.
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
  // The lock whose server was last found listening: asked once, not at every poll while waiting.
  let answered: string | undefined;
  for (;;) {
    const mine: StoreOwner = { pid: process.pid, shared: options.shared };
    if (createWhole(path, JSON.stringify(mine))) {
      held.add(path);
      return { lock: heldLock(path, mine) };
    }
    const found = readLock(path);
    // Released between the create and the read: try again at once.
    if (found === undefined) continue;
    if (found.owner === 'stale') {
      takeOver(path, found.text);
      continue;
    }
    const { owner } = found;
    // Its server refuses connections: the id is another process's now (a reboot, a container).
    if (owner.endpoint !== undefined && found.text !== answered) {
      if (await refused(owner.endpoint)) {
        takeOver(path, found.text);
        continue;
      }
      answered = found.text;
    }
    if (owner.shared) {
      if (options.shared)
        throw new HeraldError(
          `${folder}: local mode (process ${owner.pid}) already serves this data folder; stop it first or pass another --data folder (if no such process runs, remove ${path})`,
        );
      if (owner.endpoint !== undefined) return { endpoint: owner.endpoint, owner };
    }
    const waited = Date.now() - started;
    if (!told && owner.pid !== 0 && waited >= NOTICE_AFTER_MS) {
      told = true;
      options.onWait?.(owner);
    }
    if (waited > (options.timeoutMs ?? DEFAULT_TIMEOUT_MS))
      throw new HeraldError(
        `${folder}: still in use by process ${owner.pid} after ${Math.round(waited / 1000)} s; try again when it has finished (if no such process runs, remove ${path})`,
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Creates `path` holding `text`, unless it exists: written beside it and hard-linked into place, so
 * that the file is never seen empty or half written (a create and a write are two steps).
 */
function createWhole(path: string, text: string): boolean {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, text);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function heldLock(path: string, mine: StoreOwner): StoreLock {
  return {
    serving(endpoint) {
      if (!held.has(path)) return;
      // Replaced whole by a rename: a reader never sees the file half written.
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ ...mine, endpoint }));
      renameSync(temporary, path);
    },
    release() {
      if (!held.has(path)) return;
      // Only our own: a lock taken over after this process was thought gone is the new owner's.
      const found = readLock(path);
      held.delete(path);
      if (found !== undefined && found.owner !== 'stale' && found.owner.pid === process.pid)
        rmSync(path, { force: true });
    },
  };
}

/** The lock's text and its live owner, or 'stale' when nobody holds it any more. */
function readLock(path: string): { text: string; owner: StoreOwner | 'stale' } | undefined {
  let text: string;
  let age: number;
  try {
    text = readFileSync(path, 'utf8');
    age = Date.now() - statSync(path).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let owner: Partial<StoreOwner> | undefined;
  try {
    owner = JSON.parse(text) as Partial<StoreOwner>;
  } catch {
    owner = undefined;
  }
  // Damaged (process 0 stands for unknown): waited for a moment, in case of a clock step.
  if (typeof owner?.pid !== 'number')
    return { text, owner: Math.abs(age) > DAMAGED_AFTER_MS ? 'stale' : { pid: 0, shared: false } };
  // Our own id on a lock we do not hold: left by an earlier process that had the same id.
  const live = owner.pid === process.pid ? held.has(path) : alive(owner.pid);
  return {
    text,
    owner: live
      ? {
          pid: owner.pid,
          shared: owner.shared === true,
          ...(typeof owner.endpoint === 'string' ? { endpoint: owner.endpoint } : {}),
        }
      : 'stale',
  };
}

/**
 * Removes a lock judged stale, if it still is the one judged. Takeovers are serialised by a second
 * lock file: a stale lock cannot be replaced except by a takeover, so under that lock, a lock file
 * with the same text is the stale one and removing it cannot remove a live owner's (each owner's
 * text differs: its process id, and its endpoint once serving).
 */
function takeOver(path: string, staleText: string): void {
  const breaking = `${path}.takeover`;
  if (!createWhole(breaking, String(process.pid))) {
    // Another process is taking over; one that died doing so is given up on after a while.
    try {
      if (Date.now() - statSync(breaking).mtimeMs > DAMAGED_AFTER_MS) rmSync(breaking, { force: true });
    } catch {
      // Gone already.
    }
    return;
  }
  try {
    if (readLock(path)?.text === staleText) unlinkSync(path);
  } finally {
    rmSync(breaking, { force: true });
  }
}

/** Whether a process runs with this id: a zombie (exited, not yet reaped) does not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: the state follows the command name in parentheses; Z is a zombie, X dead.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    // No /proc (macOS, Windows), or it exited just now: kill(0) answered.
    return true;
  }
}

/** Whether nothing listens at the endpoint (a refused connection, not a slow answer). */
async function refused(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  }
}
