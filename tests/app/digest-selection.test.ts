import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { planDigest } from '../../functions/app/newsletter/plan-digest.ts';
import { sendDigestJob } from '../../functions/app/newsletter/send-digest.ts';
import { publishDue, rebuildSite } from '../../functions/app/publish-site.ts';
import type { EmailAddress } from '../../functions/core/newsletter/email-address.ts';
import { postFile } from '../helpers/memory-content.ts';
import {
  memoryNewsletter,
  newsletterSite,
  newsletterSiteYaml,
  numberedPost,
  parseMail,
  publishAt,
} from '../helpers/newsletter.ts';
import { testSiteYaml } from '../helpers/site.ts';

// What a digest carries, driven through the use-cases (publishing, the tick, rebuilds, planning and
// sending) rather than hand-written state: the posts the site newly published, each mailed once.

const site = newsletterSite();
const API = 'https://api.example.org/';
type World = ReturnType<typeof memoryNewsletter>;

/** A world whose newsletter was switched on (its first publish run) at `on`, with two readers. */
async function world(on = '2026-11-16T09:00:00Z'): Promise<World> {
  const w = memoryNewsletter(Date.parse(on));
  for (const email of ['ann@example.org', 'bob@example.org'] as EmailAddress[]) {
    await w.newsletter.writeSubscriber({
      id: w.signer.subscriberId(email),
      email,
      status: 'active',
      categories: [],
      consent: { source: 'form', requestedAt: on, confirmedAt: on },
      confirmationsSent: [],
      updatedAt: on,
    });
  }
  await publishAt(w, on);
  return w;
}

/** Plans the digest due at `until` and sends every job; returns the plan and the subjects mailed. */
async function digest(w: World, until: string) {
  const before = w.mailer.sent.length;
  const plan = await planDigest(w, site, { until: new Date(until) });
  for (let next = w.queue.take(); next; next = w.queue.take())
    await sendDigestJob(w, site, next.job, { apiUrl: API });
  const mails = w.mailer.sent.slice(before);
  return { plan, posts: plan.posts, mails };
}

const post = (n: number, date: string, extra = '') => Object.fromEntries([numberedPost(n, date, extra)]);

describe('digests carry what the site newly published', () => {
  it('mails a post uploaded after a digest but dated before it, exactly once', async () => {
    const w = await world();
    await publishAt(w, '2026-11-20T10:00:00Z', post(1, '2026-11-20T10:00:00Z'));
    expect((await digest(w, '2026-11-23T09:00:00Z')).posts).toEqual(['Post 1']);
    // Written on Saturday, uploaded on Monday after the digest went out.
    await publishAt(w, '2026-11-23T11:00:00Z', post(2, '2026-11-21T10:00:00Z'));
    const next = await digest(w, '2026-11-30T09:00:00Z');
    expect(next.posts).toEqual(['Post 2']);
    expect(next.mails.map((m) => m.to).sort()).toEqual(['ann@example.org', 'bob@example.org']);
    expect((await parseMail(next.mails[0]?.raw ?? new Uint8Array())).subject).toBe('Field Notes: Post 2');
    expect((await digest(w, '2026-12-07T09:00:00Z')).plan.skipped).toBe('no-new-posts');
  });

  it('mails a scheduled post in the first digest after its date, not before', async () => {
    const w = await world();
    await publishAt(w, '2026-11-17T10:00:00Z', post(1, '2026-11-24T12:00:00Z'));
    expect((await digest(w, '2026-11-23T09:00:00Z')).plan.skipped).toBe('no-new-posts');
    await publishDue({ ...publishDeps(w), clock: { now: () => new Date('2026-11-24T12:01:00Z') } });
    expect((await digest(w, '2026-11-30T09:00:00Z')).posts).toEqual(['Post 1']);
    expect((await digest(w, '2026-12-07T09:00:00Z')).posts).toEqual([]);
  });

  it('mails a scheduled post whose date passed even before the tick ran', async () => {
    const w = await world();
    await publishAt(w, '2026-11-17T10:00:00Z', post(1, '2026-11-23T08:00:00Z'));
    expect((await digest(w, '2026-11-23T09:00:00Z')).posts).toEqual(['Post 1']);
    // The tick comes late: the post's appearance is its date, which the digest already covered.
    await publishDue({ ...publishDeps(w), clock: { now: () => new Date('2026-11-23T09:30:00Z') } });
    expect((await digest(w, '2026-11-30T09:00:00Z')).posts).toEqual([]);
  });

  it('never mails a slug-conflict loser; when the winner is deleted the loser is mailed once', async () => {
    const w = await world();
    const report = await publishAt(w, '2026-11-20T10:00:00Z', {
      'posts/a.md': postFile('Winner', '2026-11-20T09:00:00Z', 'slug: same'),
      'posts/b.md': postFile('Loser', '2026-11-20T09:30:00Z', 'slug: same'),
    });
    expect(report.failed.map((e) => e.message)).toEqual([
      'posts/b.md: slug: /posts/same/ is already the URL of posts/a.md',
    ]);
    expect((await digest(w, '2026-11-23T09:00:00Z')).posts).toEqual(['Winner']);
    // An edit of the loser still loses.
    await publishAt(w, '2026-11-24T10:00:00Z', {
      'posts/b.md': postFile('Loser, edited', '2026-11-24T09:30:00Z', 'slug: same'),
    });
    expect((await digest(w, '2026-11-30T09:00:00Z')).posts).toEqual([]);
    // The winner goes: the URL is now the other post's, which the site shows for the first time.
    await publishAt(w, '2026-11-30T10:00:00Z', { 'posts/a.md': undefined });
    expect((await digest(w, '2026-12-07T09:00:00Z')).posts).toEqual(['Loser, edited']);
    expect((await digest(w, '2026-12-14T09:00:00Z')).posts).toEqual([]);
  });

  it('mails nothing for an imported archive, nor what a rebuild after a loss of state finds', async () => {
    const w = await world();
    const archive: Record<string, string> = {};
    for (let n = 1; n <= 30; n++)
      Object.assign(archive, post(n, `2025-0${1 + (n % 9)}-1${n % 10}T10:00:00Z`));
    await publishAt(w, '2026-11-20T10:00:00Z', archive);
    expect((await digest(w, '2026-11-23T09:00:00Z')).plan.skipped).toBe('no-new-posts');
    await publishAt(w, '2026-11-24T10:00:00Z', post(31, '2026-11-24T10:00:00Z'));
    expect((await digest(w, '2026-11-30T09:00:00Z')).posts).toEqual(['Post 31']);
    // The state bucket is lost and rebuilt: nothing tells old posts from new ones, so the rebuild
    // takes each post to have appeared at its own date and the newsletter to start now.
    await publishAt(w, '2026-12-01T10:00:00Z', post(32, '2026-12-01T10:00:00Z'));
    w.state.objects.clear();
    await rebuildSite({ ...publishDeps(w), clock: { now: () => new Date('2026-12-02T10:00:00Z') } });
    expect((await digest(w, '2026-12-07T09:00:00Z')).posts).toEqual([]);
    await publishAt(w, '2026-12-08T10:00:00Z', post(33, '2026-12-05T10:00:00Z'));
    expect((await digest(w, '2026-12-14T09:00:00Z')).posts).toEqual(['Post 33']);
  });

  it('never mails a post again after an edit, a new date, a re-upload, a rename keeping its URL or a rebuild', async () => {
    const w = await world();
    await publishAt(w, '2026-11-20T10:00:00Z', post(1, '2026-11-20T10:00:00Z'));
    expect((await digest(w, '2026-11-23T09:00:00Z')).posts).toEqual(['Post 1']);
    // Edited with a new title and a later date.
    await publishAt(w, '2026-11-24T10:00:00Z', {
      'posts/p1.md': postFile('Post 1, revised', '2026-11-24T09:00:00Z'),
    });
    // Deleted and uploaded again.
    await publishAt(w, '2026-11-25T10:00:00Z', { 'posts/p1.md': undefined });
    await publishAt(w, '2026-11-25T11:00:00Z', post(1, '2026-11-20T10:00:00Z'));
    // Renamed, keeping its URL through a slug, in one upload.
    await publishAt(w, '2026-11-26T10:00:00Z', {
      'posts/p1.md': undefined,
      'posts/first.md': postFile('Post 1', '2026-11-20T10:00:00Z', 'slug: p1'),
    });
    // A new slug: the same post at a new URL.
    await publishAt(w, '2026-11-27T10:00:00Z', {
      'posts/first.md': postFile('Post 1', '2026-11-20T10:00:00Z', 'slug: first-post'),
    });
    // A new site.yaml rebuilds the site.
    await publishAt(w, '2026-11-28T10:00:00Z', {}, newsletterSiteYaml({ description: 'New words.' }));
    await rebuildSite({ ...publishDeps(w), clock: { now: () => new Date('2026-11-29T10:00:00Z') } });
    const next = await digest(w, '2026-11-30T09:00:00Z');
    expect(next.posts).toEqual([]);
    expect(next.mails).toEqual([]);
  });

  it('starts from the moment the newsletter is switched on, never mailing the past', async () => {
    const w = memoryNewsletter(Date.parse('2026-11-20T09:00:00Z'));
    await publishAt(w, '2026-11-20T09:00:00Z', {}, testSiteYaml());
    await publishAt(w, '2026-11-28T10:00:00Z', post(1, '2026-11-28T10:00:00Z'), testSiteYaml());
    // Switched on on Sunday: post 1 was on the site before, post 2 comes after.
    await publishAt(w, '2026-11-29T12:00:00Z', {}, newsletterSiteYaml());
    await publishAt(w, '2026-11-29T13:00:00Z', post(2, '2026-11-29T13:00:00Z'));
    const first = await planDigest(w, site, { until: new Date('2026-11-30T09:00:00Z') });
    expect(first).toMatchObject({ since: '2026-11-29T12:00:00.000Z', posts: ['Post 2'] });
  });

  it('gives digests planned within one minute their own ids, losing no post', async () => {
    const w = await world();
    await publishAt(w, '2026-11-30T09:00:00Z', post(1, '2026-11-30T09:00:00Z'));
    const first = await digest(w, '2026-11-30T09:00:05Z');
    await publishAt(w, '2026-11-30T09:00:10Z', post(2, '2026-11-30T09:00:10Z'));
    const second = await digest(w, '2026-11-30T09:00:25Z');
    expect([first.plan.digestId, second.plan.digestId]).toEqual(['2026-11-30T09-00Z', '2026-11-30T09-00Z-2']);
    expect([first.posts, second.posts]).toEqual([['Post 1'], ['Post 2']]);
    expect(second.mails.map((m) => m.to).sort()).toEqual(['ann@example.org', 'bob@example.org']);
  });

  it('mails each reader at most once when planning dies between recording a digest and queueing it', async () => {
    const w = await world();
    await publishAt(w, '2026-11-20T10:00:00Z', post(1, '2026-11-20T10:00:00Z'));
    const queue = w.queue;
    // The queue accepts the jobs, then planning dies before it records that it is done.
    let fail = true;
    const dying = {
      enqueue: async (jobs: Parameters<typeof queue.enqueue>[0]) => {
        await queue.enqueue(jobs);
        if (fail) throw new Error('connection reset');
      },
    };
    await expect(
      planDigest({ ...w, queue: dying }, site, { until: new Date('2026-11-23T09:00:00Z') }),
    ).rejects.toThrow('connection reset');
    fail = false;
    // The sender works through the job it got; then a manual run an hour later finishes the plan.
    const job = queue.take()?.job;
    if (!job) throw new Error('no job');
    await sendDigestJob(w, site, job, { apiUrl: API });
    await publishAt(w, '2026-11-23T09:30:00Z', post(2, '2026-11-23T09:30:00Z'));
    const retry = await digest(w, '2026-11-23T10:00:00Z');
    expect(retry.plan).toMatchObject({ resumed: true, posts: ['Post 1'] });
    expect(retry.mails).toEqual([]);
    // Everything after the interrupted digest comes in the next one.
    const next = await digest(w, '2026-11-30T09:00:00Z');
    expect(next.posts).toEqual(['Post 2']);
    const subjects = w.mailer.sent.map((m) => m.to);
    expect(subjects.sort()).toEqual([
      'ann@example.org',
      'ann@example.org',
      'bob@example.org',
      'bob@example.org',
    ]);
  });
});

function publishDeps(w: World) {
  return { content: w.content, output: w.output, state: w.state, clock: w.clock, log: silentLogger };
}
