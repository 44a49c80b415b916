import type { DigestPost } from '../../core/newsletter/digest-posts.ts';
import type { Subscriber, Suppression } from '../../core/newsletter/subscriber.ts';
import { type BlobStore, WriteConflict } from '../../ports/blob-store.ts';
import { AddressGroups, type AddressRecords, recordVersion } from './address-groups.ts';

/** A planned digest: its posts are fixed when it is planned, so every batch sends the same thing. */
export interface DigestRecord {
  id: string;
  /** Posts that first appeared on the site after `since` and at or before `until` (ISO 8601). */
  since: string;
  until: string;
  posts: DigestPost[];
  plannedAt: string;
}

/**
 * What one recipient of a digest has had. "sending" is claimed before the send and names when, so
 * that a sender that died holding it can be told from one still at work (see send-digest.ts);
 * "sent" records the mail service's id for the message.
 */
export interface SentMarker {
  at: string;
  status: 'sending' | 'sent' | 'rejected';
  messageId?: string;
  reason?: string;
}

/** Where the newsletter's schedule stands. */
export interface DigestState {
  /** The cut-off of the last planned digest (ISO 8601). */
  lastUntil: string;
  lastDigestId: string;
  /**
   * A digest whose jobs may have been queued but whose planning did not finish: the next plan
   * completes it (queues its jobs again; the sender's markers skip whoever had it) before anything new.
   */
  pending?: string;
}

// Where each subscriber and suppression was one object, before addresses were grouped (see
// address-groups.ts); such objects are folded into their groups by the first store that sees them.
const LEGACY_SUBSCRIBERS = 'subscribers/';
const LEGACY_SUPPRESSED = 'suppressed/';
const DIGESTS = 'digests/';
const STATE = 'digests/state.json';

/**
 * The newsletter's private bucket: subscriber records and suppressed addresses in groups (see
 * {@link AddressGroups}), planned digests and, per digest, one marker per recipient.
 */
export class NewsletterStore {
  private readonly addresses: AddressGroups;
  private legacyFolded: Promise<void> | undefined;

  constructor(private readonly store: BlobStore) {
    this.addresses = new AddressGroups(store);
  }

  async readSubscriber(id: string): Promise<Subscriber | undefined> {
    await this.ready();
    return (await this.addresses.read(id)).subscriber;
  }

  async writeSubscriber(subscriber: Subscriber): Promise<void> {
    await this.ready();
    await this.addresses.update([subscriber.id], (records) => {
      records.set(subscriber.id, { ...records.get(subscriber.id), subscriber });
    });
  }

  /**
   * A subscriber with the version a {@link replaceSubscriber} can name, so that of two concurrent
   * requests for one address exactly one changes the record (and sends the one confirmation).
   */
  async readSubscriberVersioned(
    id: string,
  ): Promise<{ subscriber: Subscriber; version: string } | undefined> {
    const subscriber = await this.readSubscriber(id);
    return subscriber === undefined ? undefined : { subscriber, version: recordVersion(subscriber) };
  }

  /**
   * Writes a subscriber only if the record is still the version read (or, without one, still absent).
   * @throws WriteConflict when another request changed the record first
   */
  async replaceSubscriber(subscriber: Subscriber, version: string | undefined): Promise<void> {
    await this.ready();
    const [written] = await this.addresses.update([subscriber.id], (records) => {
      const current = records.get(subscriber.id)?.subscriber;
      const holds =
        version === undefined
          ? current === undefined
          : current !== undefined && recordVersion(current) === version;
      if (holds) records.set(subscriber.id, { ...records.get(subscriber.id), subscriber });
      return holds;
    });
    if (!written) throw new WriteConflict(`subscriber ${subscriber.id}`);
  }

  async deleteSubscriber(id: string): Promise<void> {
    await this.ready();
    await this.addresses.update([id], (records) => {
      const { suppression } = records.get(id) ?? {};
      records.set(id, suppression ? { suppression } : {});
    });
  }

  /** Every subscriber id, in id order. */
  async *subscriberIds(): AsyncIterable<string> {
    await this.ready();
    for await (const [id, records] of this.addresses.all()) if (records.subscriber) yield id;
  }

  /** Every suppressed subscriber id, in id order. */
  async *suppressedIds(): AsyncIterable<string> {
    await this.ready();
    for await (const [id, records] of this.addresses.all()) if (records.suppression) yield id;
  }

  /** Every address the list knows, with its subscriber record and suppression, in id order. */
  async *addressRecords(): AsyncIterable<[string, AddressRecords]> {
    await this.ready();
    yield* this.addresses.all();
  }

  /**
   * Changes the records of many addresses with few writes (an import): see {@link AddressGroups.update}.
   * `change` may be called again for a group that a concurrent writer changed first.
   */
  async updateAddresses<R>(
    ids: Iterable<string>,
    change: (records: Map<string, AddressRecords>) => R,
    onGroup?: (result: R) => void,
  ): Promise<R[]> {
    await this.ready();
    return this.addresses.update(ids, change, onGroup);
  }

  async readSuppression(id: string): Promise<Suppression | undefined> {
    await this.ready();
    return (await this.addresses.read(id)).suppression;
  }

  async writeSuppression(id: string, suppression: Suppression): Promise<void> {
    await this.ready();
    await this.addresses.update([id], (records) => {
      records.set(id, { ...records.get(id), suppression });
    });
  }

  /** Once per store: folds what an earlier version kept one object per address into the groups. */
  private ready(): Promise<void> {
    this.legacyFolded ??= this.foldLegacyRecords().catch((error: unknown) => {
      // Tried again by the next call: a failed listing must not disable the store for good.
      this.legacyFolded = undefined;
      throw error;
    });
    return this.legacyFolded;
  }

  private async foldLegacyRecords(): Promise<void> {
    const legacy = new Map<string, AddressRecords>();
    const keys: string[] = [];
    for (const [prefix, field] of [
      [LEGACY_SUBSCRIBERS, 'subscriber'],
      [LEGACY_SUPPRESSED, 'suppression'],
    ] as const) {
      for await (const info of this.store.list(prefix)) {
        const bytes = await this.store.get(info.key);
        if (bytes === undefined) continue;
        const id = info.key.slice(prefix.length, -'.json'.length);
        let value: Subscriber & Suppression;
        try {
          value = JSON.parse(new TextDecoder().decode(bytes)) as Subscriber & Suppression;
        } catch (error) {
          // Nothing is folded (or deleted) until every record reads: none may be lost.
          throw new Error(
            `${info.key}: not valid JSON; restore it from a backup or a version of the object`,
            {
              cause: error,
            },
          );
        }
        legacy.set(id, { ...legacy.get(id), [field]: value });
        keys.push(info.key);
      }
    }
    if (legacy.size === 0) return;
    // A record already in a group was written after the change of layout: it is the newer one.
    await this.addresses.update(legacy.keys(), (records) => {
      for (const [id, found] of records) records.set(id, { ...legacy.get(id), ...found });
    });
    for (const key of keys) await this.store.delete(key);
  }

  readDigestState(): Promise<DigestState | undefined> {
    return this.readJson<DigestState>(STATE);
  }

  writeDigestState(state: DigestState): Promise<void> {
    return this.writeJson(STATE, state);
  }

  /** The schedule state with the version a {@link replaceDigestState} can name. */
  async readDigestStateVersioned(): Promise<{ state: DigestState | undefined; version: string | undefined }> {
    const found = await this.store.getVersioned(STATE);
    return found === undefined
      ? { state: undefined, version: undefined }
      : { state: JSON.parse(new TextDecoder().decode(found.body)) as DigestState, version: found.etag };
  }

  /**
   * Writes the schedule state only if it is still the version read (absent, without one): of
   * concurrent planners exactly one plans the next digest.
   * @throws WriteConflict when another planner wrote it first
   */
  replaceDigestState(state: DigestState, version: string | undefined): Promise<void> {
    return this.store.put(STATE, JSON.stringify(state), {
      contentType: 'application/json',
      ...(version === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: version }),
    });
  }

  readDigest(id: string): Promise<DigestRecord | undefined> {
    return this.readJson<DigestRecord>(`${DIGESTS}${id}/digest.json`);
  }

  writeDigest(digest: DigestRecord): Promise<void> {
    return this.writeJson(`${DIGESTS}${digest.id}/digest.json`, digest);
  }

  /**
   * Writes a new digest record, only if no digest has its id.
   * @throws WriteConflict when a concurrent planner took the id
   */
  createDigest(digest: DigestRecord): Promise<void> {
    return this.store.put(`${DIGESTS}${digest.id}/digest.json`, JSON.stringify(digest), {
      contentType: 'application/json',
      ifNoneMatch: '*',
    });
  }

  /** The recipients' markers of a digest by subscriber id, for a resumed run's report. */
  async markers(digestId: string): Promise<Map<string, SentMarker>> {
    const found = new Map<string, SentMarker>();
    for (const id of await this.markedRecipients(digestId)) {
      const marker = await this.readMarker(digestId, id);
      if (marker !== undefined) found.set(id, marker);
    }
    return found;
  }

  /** Ids of the recipients of a digest that have a marker: those a retry must skip. */
  async markedRecipients(digestId: string): Promise<Set<string>> {
    const prefix = `${DIGESTS}${digestId}/sent/`;
    const ids = new Set<string>();
    for await (const info of this.store.list(prefix)) ids.add(info.key.slice(prefix.length, -'.json'.length));
    return ids;
  }

  writeMarker(digestId: string, subscriberId: string, marker: SentMarker): Promise<void> {
    return this.writeJson(`${DIGESTS}${digestId}/sent/${subscriberId}.json`, marker);
  }

  /**
   * Claims a recipient of a digest for this sender: writes the first marker only if there is none.
   * @returns false when another sender (a concurrent run or job) claimed them first
   */
  claimRecipient(digestId: string, subscriberId: string, marker: SentMarker): Promise<boolean> {
    return this.store
      .put(`${DIGESTS}${digestId}/sent/${subscriberId}.json`, JSON.stringify(marker), {
        contentType: 'application/json',
        ifNoneMatch: '*',
      })
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof WriteConflict) return false;
          throw error;
        },
      );
  }

  /** One recipient's marker with the version a {@link replaceMarker} can name; `undefined` if none. */
  async readMarkerVersioned(
    digestId: string,
    subscriberId: string,
  ): Promise<{ marker: SentMarker; version: string } | undefined> {
    const found = await this.store.getVersioned(`${DIGESTS}${digestId}/sent/${subscriberId}.json`);
    return found === undefined
      ? undefined
      : { marker: JSON.parse(new TextDecoder().decode(found.body)) as SentMarker, version: found.etag };
  }

  /** One recipient's marker, or `undefined`. */
  readMarker(digestId: string, subscriberId: string): Promise<SentMarker | undefined> {
    return this.readJson<SentMarker>(`${DIGESTS}${digestId}/sent/${subscriberId}.json`);
  }

  /**
   * Takes over a recipient whose sender stopped: replaces the marker only if it is still the
   * version read, so of two senders taking over one recipient exactly one does.
   * @returns false when another sender changed the marker first
   */
  replaceMarker(
    digestId: string,
    subscriberId: string,
    marker: SentMarker,
    version: string,
  ): Promise<boolean> {
    return this.store
      .put(`${DIGESTS}${digestId}/sent/${subscriberId}.json`, JSON.stringify(marker), {
        contentType: 'application/json',
        ifMatch: version,
      })
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof WriteConflict) return false;
          throw error;
        },
      );
  }

  deleteMarker(digestId: string, subscriberId: string): Promise<void> {
    return this.store.delete(`${DIGESTS}${digestId}/sent/${subscriberId}.json`);
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.store.get(key);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as T);
  }

  private writeJson(key: string, value: unknown): Promise<void> {
    return this.store.put(key, JSON.stringify(value), { contentType: 'application/json' });
  }
}
