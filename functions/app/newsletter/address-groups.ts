// How the newsletter bucket keeps its addresses: grouped by the first two characters of their id
// (4,096 groups), each group one object holding the subscriber records and suppressions of its
// addresses. One object per address cost a request per address: importing 100,000 people took
// 100,000 writes (7 minutes into local mode), and exporting them 100,000 reads. Grouped, an import
// or export costs at most 4,096 requests, while one reader's change still rewrites only a few
// kilobytes (about 25 addresses per group at 100,000). Every write of a group is conditional on
// the version read, so concurrent writers (a sign-up during an import) never drop each other's
// records: the loser reads the group again and redoes its change.
import type { Subscriber, Suppression } from '../../core/newsletter/subscriber.ts';
import { type BlobStore, WriteConflict } from '../../ports/blob-store.ts';
import { hashOf } from '../hash-of.ts';

/** What the list holds for one address. */
export interface AddressRecords {
  subscriber?: Subscriber;
  suppression?: Suppression;
}

/** One group as stored. */
interface GroupFile {
  subscribers: Record<string, Subscriber>;
  suppressed: Record<string, Suppression>;
}

const GROUPS = 'address-groups/';
// Ids are base64url: two characters make 4,096 groups.
const GROUP_CHARS = 2;
// A group lost to concurrent writers this many times in a row is left to the caller to retry:
// something is wrong beyond ordinary contention.
const MAX_ATTEMPTS = 25;
// Enough reads in flight to hide S3's latency when every group is read (an export, a digest's plan).
const READS_IN_FLIGHT = 32;
// Above this many groups, an update lists the groups rather than reading each one it touches.
const LIST_FIRST_ABOVE = 64;

/** The group an id belongs to. */
export function groupOf(id: string): string {
  return id.slice(0, GROUP_CHARS);
}

/** The version of one address's subscriber record, for a conditional change of that record alone. */
export function recordVersion(subscriber: Subscriber): string {
  return hashOf(subscriber);
}

/**
 * The groups of addresses in a bucket: reading them, and changing them with conditional writes.
 * Private to {@link NewsletterStore}, which owns the bucket's layout.
 */
export class AddressGroups {
  constructor(private readonly store: BlobStore) {}

  /** The records of one address. */
  async read(id: string): Promise<AddressRecords> {
    const { file } = await this.readGroup(groupOf(id));
    return recordsOf(file, id);
  }

  /**
   * Changes the records of the given ids, one conditional write per group touched. `change` gets
   * the current records of a group's ids (an empty object for an unknown id), replaces in the map
   * those it changes (with `set`; an entry left as it was is not written) and returns what it did;
   * when a concurrent writer changed the group first it is called again on the fresh records, so
   * it must not act outside its return value.
   * @param onGroup - told each group's result once it is stored
   * @returns one result per group, in no particular order
   * @throws WriteConflict when a group kept changing under us {@link MAX_ATTEMPTS} times
   */
  async update<R>(
    ids: Iterable<string>,
    change: (records: Map<string, AddressRecords>) => R,
    onGroup: (result: R) => void = () => {},
    inFlight = READS_IN_FLIGHT,
  ): Promise<R[]> {
    const byGroup = new Map<string, string[]>();
    for (const id of ids) {
      const group = groupOf(id);
      const list = byGroup.get(group);
      if (list === undefined) byGroup.set(group, [id]);
      else list.push(id);
    }
    const groups = [...byGroup];
    // Many groups (an import): one listing says which exist, and a group that does not is written
    // without first asking for it (most groups of a first import). A few: a read each is cheaper.
    const existing = groups.length > LIST_FIRST_ABOVE ? await this.groupKeys() : undefined;
    const results: R[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const [group, groupIds] = groups[next++] as [string, string[]];
        const result = await this.updateGroup(group, groupIds, change, existing?.has(keyOf(group)) ?? true);
        results.push(result);
        onGroup(result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, groups.length) }, worker));
    return results;
  }

  /** Every address's records, in id order; groups are read a window at a time, in parallel. */
  async *all(): AsyncIterable<[string, AddressRecords]> {
    const keys = [...(await this.groupKeys())];
    for (let start = 0; start < keys.length; start += READS_IN_FLIGHT) {
      const files = await Promise.all(
        keys
          .slice(start, start + READS_IN_FLIGHT)
          .map(async (key) => parseGroup(await this.store.get(key), key)),
      );
      for (const file of files) {
        const ids = [...new Set([...Object.keys(file.subscribers), ...Object.keys(file.suppressed)])].sort(
          compareIds,
        );
        for (const id of ids) yield [id, recordsOf(file, id)];
      }
    }
  }

  private async updateGroup<R>(
    group: string,
    ids: readonly string[],
    change: (records: Map<string, AddressRecords>) => R,
    mayExist: boolean,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      // Should another writer create the group meanwhile, the write below fails and we read it.
      const { file, version } =
        attempt === 1 && !mayExist ? { file: emptyGroup(), version: undefined } : await this.readGroup(group);
      const records = new Map(ids.map((id) => [id, recordsOf(file, id)]));
      const read = new Map(records);
      const result = change(records);
      let changed = false;
      for (const [id, now] of records) {
        // `change` replaces the records it changes (see update): an entry it left alone is the same object.
        if (now === read.get(id)) continue;
        const { subscriber, suppression } = now;
        if (subscriber === undefined) delete file.subscribers[id];
        else file.subscribers[id] = subscriber;
        if (suppression === undefined) delete file.suppressed[id];
        else file.suppressed[id] = suppression;
        changed = true;
      }
      if (!changed) return result;
      try {
        await this.store.put(keyOf(group), JSON.stringify(sortedGroup(file)), {
          contentType: 'application/json',
          ...(version === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: version }),
        });
        return result;
      } catch (error) {
        if (!(error instanceof WriteConflict) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The keys of the stored groups, in key order. */
  private async groupKeys(): Promise<Set<string>> {
    const keys = new Set<string>();
    for await (const info of this.store.list(GROUPS)) if (info.key.endsWith('.json')) keys.add(info.key);
    return keys;
  }

  private async readGroup(group: string): Promise<{ file: GroupFile; version: string | undefined }> {
    const key = keyOf(group);
    const found = await this.store.getVersioned(key);
    return { file: parseGroup(found?.body, key), version: found?.etag };
  }
}

function keyOf(group: string): string {
  return `${GROUPS}${group}.json`;
}

function parseGroup(body: Uint8Array | undefined, key: string): GroupFile {
  if (body === undefined) return emptyGroup();
  let parsed: Partial<GroupFile>;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body)) as Partial<GroupFile>;
  } catch (error) {
    // Never rewrite a group we cannot read: that would drop every address in it.
    throw new Error(`${key}: not valid JSON; restore it from a backup or a version of the object`, {
      cause: error,
    });
  }
  return { subscribers: parsed.subscribers ?? {}, suppressed: parsed.suppressed ?? {} };
}

function emptyGroup(): GroupFile {
  return { subscribers: {}, suppressed: {} };
}

function recordsOf(file: GroupFile, id: string): AddressRecords {
  const subscriber = Object.hasOwn(file.subscribers, id) ? file.subscribers[id] : undefined;
  const suppression = Object.hasOwn(file.suppressed, id) ? file.suppressed[id] : undefined;
  return { ...(subscriber ? { subscriber } : {}), ...(suppression ? { suppression } : {}) };
}

// Ids in key order, so that a group's bytes depend only on what it holds.
function sortedGroup(file: GroupFile): GroupFile {
  const sorted = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareIds(a, b)));
  return { subscribers: sorted(file.subscribers), suppressed: sorted(file.suppressed) };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
