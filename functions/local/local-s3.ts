import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver, { type S3rverEvent } from 's3rver';
import { HeraldError } from '../core/errors.ts';
import { keyProblem } from '../core/site/object-key.ts';
import { escapeXmlText } from '../core/text/xml-writer.ts';
import { FolderListings, listInKeyOrder } from './s3rver-listing.ts';
import { type AcquireOptions, acquireStore, type StoreLock } from './store-lock.ts';

export type { S3rverEvent };

/** A running S3-compatible server on loopback, for local mode and tests. */
export interface LocalS3 {
  endpoint: string;
  server: S3rver;
  /** What start-up repaired after a crash: one line per file, naming the object's key. */
  repaired: string[];
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 with the given buckets. Listing more than 1,000 keys needs the process
 * to run with `--openssl-legacy-provider` (s3rver encrypts continuation tokens with DES).
 * @param directory - where objects are kept (they survive a restart)
 * @param buckets - bucket names to create if missing
 * @param port - 0 for any free port
 * @param access - the folder's lock when the caller took it; otherwise it is taken here, as
 *   local mode's (`shared`: other processes use this server) or a command's own
 * @throws HeraldError when another process serves the folder as local mode
 */
export async function startLocalS3(
  directory: string,
  buckets: string[],
  port = 0,
  access: { lock: StoreLock } | Omit<AcquireOptions, 'timeoutMs'> = { shared: false },
): Promise<LocalS3> {
  let lock: StoreLock;
  if ('lock' in access) lock = access.lock;
  else {
    const got = await acquireStore(directory, access);
    if (!('lock' in got))
      throw new HeraldError(
        `${directory}: local mode (process ${got.owner.pid}) serves this data folder at ${got.endpoint}; use that endpoint`,
      );
    lock = got.lock;
  }
  try {
    const server = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory,
      configureBuckets: buckets.map((name) => ({ name })),
    });
    // Only with the lock held: another server's writes in flight would look like a crash's leftovers.
    const repaired = await repairStore(directory);
    const listings = new FolderListings();
    makeObjectWritesAtomic(server, listings);
    listInKeyOrder(server, listings);
    // Each adds a first middleware: the key check ends up running before the conditions.
    honourConditionalWrites(server);
    refuseUnsafeKeys(server);
    // s3rver emits a taken port as an unhandled 'error' event; find out first.
    if (port !== 0) await assertPortFree(port, '--s3-port');
    const address: AddressInfo = await server.run();
    const endpoint = `http://127.0.0.1:${address.port}`;
    lock.serving(endpoint);
    return {
      endpoint,
      server,
      repaired,
      close: async () => {
        try {
          await server.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function assertPortFree(port: number, option: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portError(error, port, option)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** A clear error for a port that is taken, naming the option that changes it. */
export function portError(error: unknown, port: number, option: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new HeraldError(
      `port ${port} is in use: stop what uses it, or pass ${option} N (0 for any free port)`,
    );
  }
  return error as Error;
}

/**
 * Runs work for one id after the work queued before it for that id has settled: a mutex per key,
 * without holding anything for keys nobody is writing.
 */
function keyedExclusive(): <T>(id: string, work: () => Promise<T>) => Promise<T> {
  const locks = new Map<string, Promise<unknown>>();
  return <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const result = (locks.get(id) ?? Promise.resolve()).then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    locks.set(id, settled);
    void settled.then(() => {
      if (locks.get(id) === settled) locks.delete(id);
    });
    return result;
  };
}

/** The part of s3rver's filesystem store that Herald patches. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  putObject(object: {
    bucket: string;
    key: string;
    content: Buffer | Readable;
    metadata: unknown;
  }): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getMetadata(bucket: string, key: string): Promise<{ etag?: string }>;
}

/**
 * S3 replaces an object atomically; s3rver truncates the file and writes it in place, then writes
 * its metadata, so a concurrent GET can return half a feed, or new bytes cut to the old length.
 * Here the new bytes go to a temporary file that is renamed into place, and, per key, the rename
 * and the metadata write exclude a GET's metadata read and file open (an open file keeps its
 * contents across a rename).
 */
function makeObjectWritesAtomic(server: S3rver, listings: FolderListings): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  const exclusive = keyedExclusive();
  const getObject = store.getObject.bind(store);
  store.getObject = (bucket, key, options) =>
    exclusive(`${bucket}/${key}`, () => getObject(bucket, key, options));
  let sequence = 0;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    const created = await mkdir(dirname(objectPath), { recursive: true });
    // A new folder is a new entry of its parent's.
    if (created !== undefined) listings.changed(dirname(created));
    const temporary = `${objectPath}.${process.pid}.${++sequence}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(
      source,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      }),
      createWriteStream(temporary),
    );
    const digest = md5.digest('hex');
    return exclusive(`${object.bucket}/${object.key}`, async () => {
      await rename(temporary, objectPath);
      listings.written(dirname(objectPath), basename(objectPath));
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      return { size, md5: digest };
    });
  };
  // s3rver writes the metadata and MD5 files in place: a crash mid-write left a 0-byte metadata
  // file that made every later read of the object (and every start) fail with a 500. Each is now
  // written to a temporary file and renamed into place.
  store.putMetadata = async (bucket, key, metadata, md5Hex) => {
    const objectPath = store.getResourcePath(bucket, key, 'object');
    const metadataPath = store.getResourcePath(bucket, key, 'metadata.json');
    const allowed = Object.fromEntries(
      Object.entries((metadata ?? {}) as Record<string, unknown>).filter(
        ([name]) => METADATA_HEADERS.has(name) || name.startsWith('x-amz-meta-'),
      ),
    );
    const writes: [string, string][] = [[metadataPath, JSON.stringify(allowed, null, 2)]];
    if (md5Hex) writes.unshift([`${objectPath}.md5`, md5Hex]);
    for (const [path, text] of writes) {
      const temporary = `${path}.${process.pid}.${++sequence}.tmp`;
      await writeFile(temporary, text);
      await rename(temporary, path);
    }
  };
}

// s3rver keeps an object as <folder>/<key>._S3rver_object plus ._S3rver_metadata.json and
// ._S3rver_object.md5 files, and Herald's writes add a .<pid>.<n>.tmp suffix: a path segment must
// leave room for the longest within a file name's 255 bytes.
const MAX_SEGMENT_BYTES = 200;
const RESERVED = '._S3rver_';

/** Why the local endpoint refuses a key, or undefined when it accepts it. */
export function localKeyProblem(key: string): string | undefined {
  const problem = keyProblem(key);
  if (problem !== undefined) return problem;
  if (key.includes(RESERVED)) return `contains "${RESERVED}", which the local store uses for its own files`;
  const encoder = new TextEncoder();
  if (key.split('/').some((segment) => encoder.encode(segment).byteLength > MAX_SEGMENT_BYTES))
    return `has a path segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  return undefined;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  get(header: string): string;
  status: number;
  type: string;
  body: unknown;
}

/**
 * s3rver maps a key straight onto a file path, so `posts/../../herald-site/x.html` wrote into the
 * site bucket and `posts/../../../../x` outside the data folder. A first middleware answers 400, as
 * S3 answers an invalid argument, for any request whose bucket and key, copy source or listing
 * prefix is not one canonical key.
 */
function refuseUnsafeKeys(server: S3rver): void {
  firstMiddleware(server, async (ctx, next) => {
    const problem = requestKeyProblem(ctx);
    if (problem === undefined) return next();
    s3ErrorAnswer(ctx, 400, 'InvalidArgument', problem);
  });
}

/**
 * s3rver ignores `If-None-Match` and `If-Match` on PUT, which AWS S3 honours and which Herald's
 * subscribe API relies on to let exactly one of several concurrent writers win. Conditional PUTs
 * to one key are serialised here, the condition is checked against the stored ETag, and the loser
 * gets S3's 412 PreconditionFailed.
 */
function honourConditionalWrites(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  const exclusive = keyedExclusive();
  firstMiddleware(server, async (ctx, next) => {
    const ifNoneMatch = ctx.get('if-none-match');
    const ifMatch = ctx.get('if-match').replace(/"/g, '');
    if (ctx.method !== 'PUT' || (ifNoneMatch === '' && ifMatch === '')) return next();
    const [bucket = '', ...rest] = ctx.path.slice(1).split('/').map(decodeURIComponent);
    const key = rest.join('/');
    await exclusive(`${bucket}/${key}`, async () => {
      const exists = await store.existsObject(bucket, key);
      const etag = exists ? (await store.getMetadata(bucket, key)).etag?.replace(/"/g, '') : undefined;
      const holds = ifNoneMatch === '*' ? !exists : ifMatch !== '' && etag === ifMatch;
      if (holds) return next();
      s3ErrorAnswer(
        ctx,
        412,
        'PreconditionFailed',
        'At least one of the preconditions you specified did not hold',
      );
    });
  });
}

type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<unknown>;

/** Puts a middleware before all of s3rver's own (Koa composes the list when the server starts). */
function firstMiddleware(server: S3rver, middleware: Middleware): void {
  (server as unknown as { middleware: Middleware[] }).middleware.unshift(middleware);
}

function s3ErrorAnswer(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXmlText(message)}</Message></Error>\n`;
}

function requestKeyProblem(ctx: KoaContext): string | undefined {
  const named: [string, string][] = [['path', ctx.path]];
  const copySource = ctx.get('x-amz-copy-source');
  if (copySource !== '')
    named.push(['x-amz-copy-source', copySource.replace(/^\/?/, '/').replace(/\?.*$/, '')]);
  for (const [what, path] of named) {
    let decoded: string;
    try {
      decoded = path.split('/').map(decodeURIComponent).join('/');
    } catch {
      return `the ${what} is not valid percent-encoding`;
    }
    // "/" lists buckets and "/bucket" or "/bucket/" is a bucket; anything longer holds a key.
    const withoutSlash = decoded.slice(1);
    if (withoutSlash === '' || /^[^/]+\/?$/.test(withoutSlash)) continue;
    const problem = localKeyProblem(withoutSlash);
    if (problem !== undefined)
      return `the key ${JSON.stringify(withoutSlash.replace(/^[^/]*\//, ''))} ${problem}`;
  }
  const prefix = ctx.query.prefix;
  if (typeof prefix === 'string' && prefix.split('/').some((s) => s === '.' || s === '..'))
    return `the prefix ${JSON.stringify(prefix)} has a "." or ".." path segment`;
  return undefined;
}

// The metadata s3rver keeps (S3Object.ALLOWED_METADATA), besides x-amz-meta-*.
const METADATA_HEADERS = new Set([
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-type',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
]);

const OBJECT_SUFFIX = '._S3rver_object';
const METADATA_SUFFIX = '._S3rver_metadata.json';

/**
 * Makes a data folder that a killed process left behind readable again, before s3rver serves it:
 * temporary files of interrupted writes are removed; a metadata file that does not parse is
 * removed (the object stays, served without its stored headers); an MD5 file that is not an MD5
 * is removed (s3rver computes it again); metadata of an object that is gone is removed.
 * @param directory - s3rver's data folder
 * @returns one line per repair, naming the bucket and key
 */
export async function repairStore(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(directory, { recursive: true })).map(String);
  } catch {
    return [];
  }
  const files = new Set(names);
  const repaired: string[] = [];
  const keyOf = (name: string, suffix: string) => name.slice(0, -suffix.length);
  for (const name of names) {
    const path = join(directory, name);
    if (/\.\d+\.\d+\.tmp$/.test(name) && name.includes('._S3rver_')) {
      await rm(path, { force: true });
      repaired.push(`${name}: removed the temporary file of an interrupted write`);
    } else if (name.endsWith(METADATA_SUFFIX)) {
      const key = keyOf(name, METADATA_SUFFIX);
      if (!files.has(`${key}${OBJECT_SUFFIX}`)) {
        await rm(path, { force: true });
        repaired.push(`${key}: removed metadata of an object that is gone`);
        continue;
      }
      try {
        JSON.parse(await readFile(path, 'utf8'));
      } catch {
        await rm(path, { force: true });
        repaired.push(`${key}: its metadata was cut short by a crash; removed (the object is kept)`);
      }
    } else if (name.endsWith(`${OBJECT_SUFFIX}.md5`)) {
      const text = await readFile(path, 'utf8').catch(() => '');
      if (!/^[0-9a-f]{32}$/.test(text)) {
        await rm(path, { force: true });
        repaired.push(
          `${keyOf(name, `${OBJECT_SUFFIX}.md5`)}: its checksum was cut short by a crash; computed again`,
        );
      }
    }
  }
  return repaired;
}
