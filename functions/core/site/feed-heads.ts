import type { Term } from '../posts/post.ts';
import { toSlug } from '../text/slug.ts';
import { compareEntries, hasExpired, isLive, type PostEntry } from './post-entry.ts';
import { folderTerm, type Taxonomy, termFolder } from './taxonomies.ts';

/**
 * The head of every feed: for each feed folder, the newest published posts of its scope, a few more
 * than a feed shows so that a deletion rarely needs the full index. Publishing one post touches only
 * these lists, which is what keeps it cheap on a 10,000-post site.
 */
export interface Heads {
  /** Per feed folder (`` or `<taxonomy>/<slug>/`), newest first, at most `capacity` posts. */
  lists: Record<string, PostEntry[]>;
  /** Folders whose list holds every published post of the scope. */
  complete: Record<string, boolean>;
  /** Posts dated after the last run, oldest first: the tick moves them into the lists. */
  upcoming: PostEntry[];
}

/**
 * The feed folders a post belongs to in the heads: the site's, and one per category. Tags and
 * series are not kept here: a site has many of them, and copies of their newest posts would make
 * the head (read and written by every run) grow to megabytes; their feeds are planned from the
 * whole index instead (see planTermFeeds in publish-outputs.ts).
 */
export function foldersOf(entry: PostEntry): string[] {
  return ['', ...new Set((entry.categories ?? []).map((name) => termFolder('categories', toSlug(name))))];
}

/**
 * The term of a category, tag or series folder, named as its newest post spells it (as a full
 * build names it: see byTerm in taxonomies.ts).
 */
export function termOf(folder: string, list: readonly PostEntry[]): { taxonomy: Taxonomy; term: Term } {
  const { taxonomy, slug } = folderTerm(folder) ?? { taxonomy: 'categories', slug: folder };
  const name = list.flatMap((e) => e[taxonomy] ?? []).find((n) => toSlug(n) === slug) ?? slug;
  return { taxonomy, term: { name, slug } };
}

/**
 * Builds the heads from every post that owns its URL.
 * @param entries - the winners of their paths, drafts excluded, any order
 * @param capacity - posts kept per list (at least the feed limit)
 */
export function buildHeads(entries: readonly PostEntry[], now: Date, capacity: number): Heads {
  // The site-wide feed exists even before the first post.
  const heads: Heads = { lists: { '': [] }, complete: { '': true }, upcoming: [] };
  for (const entry of [...entries].sort(compareEntries)) {
    if (hasExpired(entry, now.getTime())) continue;
    if (Date.parse(entry.published) > now.getTime()) {
      heads.upcoming.unshift(entry);
      continue;
    }
    for (const folder of foldersOf(entry)) {
      const list = heads.lists[folder] ?? [];
      heads.lists[folder] = list;
      heads.complete[folder] ??= true;
      if (list.length < capacity) list.push(entry);
      else heads.complete[folder] = false;
    }
  }
  return heads;
}

/**
 * Rebuilds one folder's list from every winner.
 * @returns nothing; the folder disappears when it has no published post
 */
export function refillFolder(
  heads: Heads,
  folder: string,
  entries: readonly PostEntry[],
  now: Date,
  capacity: number,
): void {
  const inScope = entries
    .filter((e) => isLive(e, now.getTime()) && foldersOf(e).includes(folder))
    .sort(compareEntries);
  if (inScope.length === 0 && folder !== '') {
    delete heads.lists[folder];
    delete heads.complete[folder];
    return;
  }
  heads.lists[folder] = inScope.slice(0, capacity);
  heads.complete[folder] = inScope.length <= capacity;
}

/**
 * Removes a post from every list.
 * @returns the folders it was in
 */
export function removeEntry(heads: Heads, source: string): Set<string> {
  const touched = new Set<string>();
  for (const [folder, list] of Object.entries(heads.lists)) {
    const at = list.findIndex((e) => e.source === source);
    if (at < 0) continue;
    list.splice(at, 1);
    touched.add(folder);
    if (list.length === 0 && heads.complete[folder] && folder !== '') {
      delete heads.lists[folder];
      delete heads.complete[folder];
    }
  }
  heads.upcoming = heads.upcoming.filter((e) => e.source !== source);
  return touched;
}

/**
 * Adds a post that owns its URL: into its folders' lists when it is published, else among upcoming.
 * A list that grows past `capacity` drops its oldest post and is no longer complete.
 */
export function addEntry(heads: Heads, entry: PostEntry, now: Date, capacity: number): void {
  if (hasExpired(entry, now.getTime())) return;
  if (Date.parse(entry.published) > now.getTime()) {
    heads.upcoming.push(entry);
    heads.upcoming.sort((a, b) => compareEntries(b, a));
    return;
  }
  for (const folder of foldersOf(entry)) {
    const list = heads.lists[folder];
    if (list === undefined) {
      heads.lists[folder] = [entry];
      heads.complete[folder] = true;
      continue;
    }
    const at = list.findIndex((e) => compareEntries(entry, e) < 0);
    // Older than every post of a list that does not hold them all: unknown posts may come between.
    if (at < 0 && !heads.complete[folder]) continue;
    list.splice(at < 0 ? list.length : at, 0, entry);
    if (list.length > capacity) {
      list.pop();
      heads.complete[folder] = false;
    }
  }
}

/**
 * Moves upcoming posts whose date has passed into the lists.
 * @returns the posts that went live
 */
export function promoteDue(heads: Heads, now: Date, capacity: number): PostEntry[] {
  const due = heads.upcoming.filter((e) => Date.parse(e.published) <= now.getTime());
  heads.upcoming = heads.upcoming.filter((e) => Date.parse(e.published) > now.getTime());
  for (const entry of due) addEntry(heads, entry, now, capacity);
  return due;
}

/**
 * Removes posts whose expiry has passed from the lists (and from upcoming, when they expire before
 * their date comes): the tick takes them off the site.
 * @returns the posts removed
 */
export function removeExpired(heads: Heads, now: Date): PostEntry[] {
  const expired = new Map<string, PostEntry>();
  for (const entry of [...Object.values(heads.lists).flat(), ...heads.upcoming])
    if (hasExpired(entry, now.getTime())) expired.set(entry.source, entry);
  for (const source of expired.keys()) removeEntry(heads, source);
  return [...expired.values()];
}

/** Folders whose list is shorter than a feed but does not hold every post: they need a refill. */
export function underfilled(heads: Heads, feedLimit: number): string[] {
  return Object.keys(heads.lists).filter(
    (f) => !heads.complete[f] && (heads.lists[f]?.length ?? 0) < feedLimit,
  );
}
