import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { createS3Client, S3BlobStore } from '../../functions/adapters/s3-blob-store.ts';
import {
  type ApiRequest,
  handleApiRequest,
  SUBSCRIBE_ANSWER_MS,
} from '../../functions/app/newsletter/http-api.ts';
import { NewsletterStore } from '../../functions/app/newsletter/newsletter-store.ts';
import { planDigest } from '../../functions/app/newsletter/plan-digest.ts';
import { runDigestNow } from '../../functions/app/newsletter/run-digest.ts';
import { sendDigestJob } from '../../functions/app/newsletter/send-digest.ts';
import { suppressAddresses } from '../../functions/app/newsletter/suppress-addresses.ts';
import { publishedCategories } from '../../functions/app/post-index/post-index.ts';
import { parseEmailAddress } from '../../functions/core/newsletter/email-address.ts';
import { startLocalS3 } from '../../functions/local/local-s3.ts';
import type { BlobStore } from '../../functions/ports/blob-store.ts';
import { type Mailer, type OutgoingMail, SendError, type SendQuota } from '../../functions/ports/mailer.ts';
import { postFile } from '../helpers/memory-content.ts';
import {
  linkIn,
  memoryNewsletter,
  newsletterSite,
  numberedPost,
  parseMail,
  publishAt,
} from '../helpers/newsletter.ts';

const API = 'https://api.example.org/';
const site = newsletterSite();

type World = ReturnType<typeof memoryNewsletter>;

function request(
  method: string,
  pathAndQuery: string,
  body = '',
  headers: Record<string, string> = {},
): ApiRequest {
  const url = new URL(pathAndQuery, API);
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'test', ...headers },
    body,
    sourceIp: '192.0.2.1',
  };
}

const call = (world: World, req: ApiRequest) => handleApiRequest(world, { site, apiUrl: API }, req);

async function subscribeAndConfirm(world: World, email: string, categories: string[] = []): Promise<void> {
  const before = world.mailer.sent.length;
  const body = new URLSearchParams([
    ['email', email],
    ...categories.map((c): [string, string] => ['categories', c]),
  ]).toString();
  expect((await call(world, request('POST', '/subscribe', body))).status).toBe(202);
  const mail = world.mailer.sent[before];
  if (!mail) throw new Error('no confirmation mail');
  const confirm = new URL(linkIn((await parseMail(mail.raw)).text, `${API}confirm?`));
  expect((await call(world, request('GET', `/confirm${confirm.search}`))).status).toBe(200);
}

/** The newsletter's first publish run: the site is built and digests start from this moment. */
const SWITCHED_ON = '2026-11-23T09:00:00Z';

/** Switches the newsletter on, then publishes one post, as the tests of sending need. */
async function publishOnePost(world: World): Promise<void> {
  await publishAt(world, SWITCHED_ON);
  await publishAt(
    world,
    '2026-11-29T10:00:00Z',
    Object.fromEntries([numberedPost(1, '2026-11-29T10:00:00Z')]),
  );
}

/** A numbered post file in the given categories. */
const post = (n: number, date: string, categories?: string[]): [string, string] =>
  numberedPost(n, date, categories ? `categories: ${JSON.stringify(categories)}` : '');

const switchedOn = new WeakSet<World>();

/**
 * Uploads posts and publishes them at the newest one's date, through the publish use-case; the
 * newsletter is switched on (at SWITCHED_ON) before a world's first posts.
 */
async function publish(world: World, posts: [string, string][]): Promise<void> {
  if (!switchedOn.has(world)) {
    await publishAt(world, SWITCHED_ON);
    switchedOn.add(world);
  }
  const at = posts
    .map(([, body]) => /^date: (.+)$/m.exec(body)?.[1] ?? SWITCHED_ON)
    .sort()
    .at(-1);
  await publishAt(world, at ?? SWITCHED_ON, Object.fromEntries(posts));
}

async function runDigest(world: World, until: string, mailer: Mailer = world.mailer) {
  const plan = await planDigest(world, site, { until: new Date(until) });
  for (let next = world.queue.take(); next; next = world.queue.take())
    await sendDigestJob({ ...world, mailer }, site, next.job, { apiUrl: API });
  return plan;
}

describe('subscribe API', () => {
  it('double opt-in: a pending subscriber becomes active from the mailed link, with consent evidence', async () => {
    const world = memoryNewsletter();
    const response = await call(
      world,
      request('POST', '/subscribe', 'email=Reader%40Example.org&categories=How-to+tech'),
    );
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toContain('text/html');
    const id = world.signer.subscriberId(parse('reader@example.org'));
    expect(await world.newsletter.readSubscriber(id)).toMatchObject({
      status: 'pending',
      categories: ['how-to-tech'],
      consent: { source: 'form', ip: '192.0.2.1' },
    });
    const mail = await parseMail(world.mailer.sent[0]?.raw ?? new Uint8Array());
    expect(mail.subject).toBe('Confirm your subscription to Field Notes');
    expect(mail.to && 'value' in mail.to ? mail.to.value[0]?.address : '').toBe('Reader@example.org');
    const link = linkIn(mail.text, `${API}confirm?token=`);
    expect(link).not.toContain('reader');
    const confirmed = await call(world, request('GET', new URL(link).pathname + new URL(link).search));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('Subscribed');
    expect(await world.newsletter.readSubscriber(id)).toMatchObject({
      status: 'active',
      // Confirmed after the subscribe answer, which takes SUBSCRIBE_ANSWER_MS.
      consent: { confirmedAt: '2026-11-30T09:00:01.000Z' },
    });
  });

  it('answers JSON clients in JSON, with CORS for the site origin only', async () => {
    const world = memoryNewsletter();
    const json = await call(
      world,
      request('POST', '/subscribe', JSON.stringify({ email: 'a@example.org', categories: ['Travel'] }), {
        'content-type': 'application/json',
        origin: 'https://example.org',
      }),
    );
    expect(json.status).toBe(202);
    expect(JSON.parse(json.body)).toMatchObject({ ok: true });
    expect(json.headers['access-control-allow-origin']).toBe('https://example.org');
    const foreign = await call(
      world,
      request('POST', '/subscribe', JSON.stringify({ email: 'b@example.org' }), {
        'content-type': 'application/json',
        origin: 'https://evil.example',
      }),
    );
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    // What the README's form script sends: the form's fields, asking for JSON (no preflight needed).
    const script = await call(
      world,
      request('POST', '/subscribe', 'email=c%40example.org&categories=Travel&website=', {
        accept: 'application/json',
        origin: 'https://example.org',
      }),
    );
    expect(script.status).toBe(202);
    expect(JSON.parse(script.body)).toMatchObject({ ok: true });
    expect(script.headers['access-control-allow-origin']).toBe('https://example.org');
    expect(
      await world.newsletter.readSubscriber(world.signer.subscriberId(parse('c@example.org'))),
    ).toMatchObject({
      categories: ['travel'],
    });
    const preflight = await call(
      world,
      request('OPTIONS', '/subscribe', '', { origin: 'https://example.org' }),
    );
    expect(preflight.status).toBe(204);
  });

  it('answers the same whether the address is new, pending, active, suppressed or rate-limited', async () => {
    const world = memoryNewsletter();
    await subscribeAndConfirm(world, 'active@example.org');
    await call(world, request('POST', '/subscribe', 'email=pending%40example.org'));
    await world.newsletter.writeSuppression(world.signer.subscriberId(parse('gone@example.org')), {
      email: parse('gone@example.org'),
      reason: 'bounce',
      at: '2026-01-01T00:00:00Z',
    });
    const answers = await Promise.all(
      ['new@example.org', 'pending@example.org', 'active@example.org', 'gone@example.org'].map((email) =>
        call(world, request('POST', '/subscribe', `email=${encodeURIComponent(email)}`)),
      ),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    // Only the new address got mail; the suppressed one got none, ever.
    const recipients = world.mailer.sent.map((m) => m.to);
    expect(recipients).toEqual(['active@example.org', 'pending@example.org', 'new@example.org']);
  });

  it('does not mail-bomb an address: one confirmation per 10 minutes, three a day', async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 20; i++) {
      await call(world, request('POST', '/subscribe', 'email=target%40example.org'));
      world.timer.advance(60_000);
    }
    expect(world.mailer.sent).toHaveLength(2);
    world.timer.advance(24 * 3600_000);
    for (let i = 0; i < 50; i++) {
      await call(world, request('POST', '/subscribe', 'email=target%40example.org'));
      world.timer.advance(11 * 60_000);
    }
    expect(world.mailer.sent).toHaveLength(5);
  });

  it.each([
    ['in memory', async () => new MemoryBlobStore()],
    [
      "in local mode's S3 (s3rver)",
      async () => {
        const s3 = await startLocalS3(mkdtempSync(join(tmpdir(), 'herald-race-')), ['newsletter']);
        onTestFinished(() => s3.close());
        return new S3BlobStore(createS3Client(s3.endpoint), 'newsletter');
      },
    ],
  ])(
    'sends one confirmation for 50 concurrent subscribes of one address (%s)',
    async (_where, bucket) => {
      const world = memoryNewsletter();
      const store = await bucket();
      const raced = { ...world, newsletter: new NewsletterStore(store) };
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          handleApiRequest(
            raced,
            { site, apiUrl: API },
            request('POST', '/subscribe', 'email=race%40example.org'),
          ),
        ),
      );
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(world.mailer.sent.map((m) => m.to)).toEqual(['race@example.org']);
    },
    30_000,
  );

  it('answers every accepted subscribe at the same moment, whatever the path and however slow the services', async () => {
    // Virtual time: store and mail service take random times (seeded), as S3 and SES do; the answer
    // resolves only once the padding has passed, so the time it resolves at is what a client sees.
    let seed = 16;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const base = memoryNewsletter();
    const bucket = new MemoryBlobStore();
    const slow = <T>(ms: number, work: () => Promise<T>) => base.timer.sleep(ms).then(work);
    const slowBucket: BlobStore = {
      get: (key) => slow(1 + random() * 60, () => bucket.get(key)),
      getVersioned: (key) => slow(1 + random() * 60, () => bucket.getVersioned(key)),
      put: (key, body, options) => slow(5 + random() * 80, () => bucket.put(key, body, options)),
      delete: (key) => slow(5 + random() * 80, () => bucket.delete(key)),
      list: (prefix) => bucket.list(prefix),
    };
    const world = { ...base, newsletter: new NewsletterStore(slowBucket) };
    const slowMailer: Mailer = {
      send: (mail) => slow(20 + random() * 880, () => world.mailer.send(mail)),
      quota: () => world.mailer.quota(),
      findSent: (key, to) => world.mailer.findSent(key, to),
    };
    await subscribeAndConfirm(world, 'active@example.org');
    await world.newsletter.writeSuppression(world.signer.subscriberId(parse('gone@example.org')), {
      email: parse('gone@example.org'),
      reason: 'bounce',
      at: '2026-01-01T00:00:00Z',
    });
    const answerTime = async (email: string, extra = '') => {
      const started = world.timer.now().getTime();
      const answer = await handleApiRequest(
        { ...world, mailer: slowMailer },
        { site, apiUrl: API },
        request('POST', '/subscribe', `email=${encodeURIComponent(email)}${extra}`),
      );
      expect(answer.status).toBe(202);
      return world.timer.now().getTime() - started;
    };
    const times: Record<string, number[]> = {};
    const note = (path: string, ms: number) => {
      times[path] = [...(times[path] ?? []), ms];
    };
    for (let i = 0; i < 6; i++) {
      world.timer.advance(11 * 60_000);
      const mailed = world.mailer.sent.length;
      note('new (confirmation mailed)', await answerTime(`new${i}@example.org`));
      note(
        'pending, within 10 minutes (rate-limited, nothing mailed)',
        await answerTime(`new${i}@example.org`),
      );
      world.timer.advance(11 * 60_000);
      note('pending, later (confirmation mailed again)', await answerTime(`new${i}@example.org`));
      note('active', await answerTime('active@example.org'));
      note('suppressed', await answerTime('gone@example.org'));
      note('a bot (honeypot field filled)', await answerTime(`bot${i}@example.org`, '&website=x'));
      expect(world.mailer.sent.length - mailed).toBe(2);
    }
    // Not a threshold: every path, every time, answers at exactly the padding.
    for (const [path, durations] of Object.entries(times))
      expect({ path, durations }).toEqual({ path, durations: durations.map(() => SUBSCRIBE_ANSWER_MS) });
    expect(Object.keys(times)).toHaveLength(6);
  });

  it('rejects bad addresses and header injection with a reason, and odd bodies without a stack trace', async () => {
    const world = memoryNewsletter();
    const injected = await call(
      world,
      request('POST', '/subscribe', `email=${encodeURIComponent('a@example.org\r\nBcc: x@example.com')}`),
    );
    expect(injected.status).toBe(400);
    expect(injected.body).toContain('line break');
    expect(
      (await call(world, request('POST', '/subscribe', '{', { 'content-type': 'application/json' }))).status,
    ).toBe(415);
    expect(
      (await call(world, request('POST', '/subscribe', 'x', { 'content-type': 'text/csv' }))).status,
    ).toBe(415);
    expect((await call(world, request('POST', '/subscribe', `email=${'a'.repeat(20_000)}`))).status).toBe(
      413,
    );
    expect((await call(world, request('GET', '/subscribe'))).status).toBe(405);
    expect((await call(world, request('GET', '/nope'))).status).toBe(404);
    // The honeypot field: a bot is told what everyone is told, and nothing is sent.
    expect(
      (await call(world, request('POST', '/subscribe', 'email=bot%40example.org&website=spam'))).status,
    ).toBe(202);
    expect(world.mailer.sent).toHaveLength(0);
  });

  it('shows clear pages for forged, expired and misused tokens', async () => {
    const world = memoryNewsletter();
    await call(world, request('POST', '/subscribe', 'email=late%40example.org'));
    const link = new URL(
      linkIn((await parseMail(world.mailer.sent[0]?.raw ?? new Uint8Array())).text, `${API}confirm?`),
    );
    const token = link.searchParams.get('token') ?? '';
    const forged = await call(world, request('GET', `/confirm?token=${token.slice(0, -2)}AA`));
    expect(forged.status).toBe(400);
    expect(forged.body).toContain('This link is not valid');
    const misused = await call(
      world,
      request('POST', `/unsubscribe?token=${token}`, 'List-Unsubscribe=One-Click'),
    );
    expect(misused.status).toBe(400);
    world.timer.advance(49 * 3600_000);
    const expired = await call(world, request('GET', `/confirm${link.search}`));
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('This link has expired');
    expect(expired.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('unsubscribes on POST only: a GET shows a button', async () => {
    const world = memoryNewsletter();
    await subscribeAndConfirm(world, 'reader@example.org');
    const id = world.signer.subscriberId(parse('reader@example.org'));
    const token = world.signer.sign('unsubscribe', id);
    const page = await call(world, request('GET', `/unsubscribe?token=${token}`));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<form method="post" action="${API}unsubscribe?token=${token}">`);
    expect((await world.newsletter.readSubscriber(id))?.status).toBe('active');
    const oneClick = await call(
      world,
      request('POST', `/unsubscribe?token=${token}`, 'List-Unsubscribe=One-Click'),
    );
    expect(oneClick.status).toBe(200);
    expect(await world.newsletter.readSubscriber(id)).toMatchObject({
      status: 'unsubscribed',
      unsubscribedVia: 'one-click',
    });
    // Again: still a success, nothing changes.
    expect(
      (await call(world, request('POST', `/unsubscribe?token=${token}`, 'List-Unsubscribe=One-Click')))
        .status,
    ).toBe(200);
  });
});

describe('welcome mail and full posts (site.yaml options)', () => {
  const options = (extra: Record<string, unknown>) =>
    newsletterSite({
      newsletter: { from: 'Field Notes <digest@example.org>', schedule: 'monday 09:00', ...extra },
    });

  it('welcomes a reader once, on the first confirmation, with their preferences link', async () => {
    const world = memoryNewsletter();
    const welcoming = options({ welcome: true });
    const api = (req: ApiRequest) => handleApiRequest(world, { site: welcoming, apiUrl: API }, req);
    await api(request('POST', '/subscribe', 'email=new%40example.org'));
    const confirmation = await parseMail(world.mailer.sent[0]?.raw ?? new Uint8Array());
    const link = new URL(linkIn(confirmation.text, `${API}confirm?`));
    await api(request('GET', `/confirm${link.search}`));
    await api(request('GET', `/confirm${link.search}`));
    expect(world.mailer.sent).toHaveLength(2);
    const welcome = await parseMail(world.mailer.sent[1]?.raw ?? new Uint8Array());
    expect(welcome.subject).toBe('Welcome to Field Notes');
    expect(welcome.text).toContain('come by e-mail every Monday at 09:00 (Europe/London)');
    const id = world.signer.subscriberId(parse('new@example.org'));
    expect(welcome.text).toContain(`${API}preferences?token=${world.signer.sign('unsubscribe', id)}`);
    // Without the option, no welcome.
    const quiet = memoryNewsletter();
    await subscribeAndConfirm(quiet, 'new@example.org');
    expect(quiet.mailer.sent).toHaveLength(1);
  });

  it('content: full puts each sanitised body, links absolute, in the digest; summary stays the default', async () => {
    const world = memoryNewsletter();
    await publishAt(world, SWITCHED_ON);
    await subscribeAndConfirm(world, 'reader@example.org');
    await publishAt(world, '2026-11-24T10:00:00Z', {
      'posts/p1.md': postFile(
        'Post 1',
        '2026-11-24T10:00:00Z',
        '',
        'First [link](/posts/p0/).\n\nSecond paragraph.',
      ),
    });
    const full = options({ content: 'full' });
    await planDigest(world, full, { until: new Date('2026-11-30T09:00:00Z') });
    for (let next = world.queue.take(); next; next = world.queue.take())
      await sendDigestJob(world, full, next.job, { apiUrl: API });
    const mail = await parseMail(world.mailer.sent.at(-1)?.raw ?? new Uint8Array());
    expect(mail.html).toContain('First <a href="https://example.org/posts/p0/">link</a>.');
    expect(mail.text).toContain('First link.\n\nSecond paragraph.');
    expect(newsletterSite().newsletter?.content).toBe('summary');
  });
});

describe('web archive of sent digests', () => {
  it('the next publish run writes /newsletter/, a page per digest linking every post, and a feed', async () => {
    const world = memoryNewsletter();
    await publishOnePost(world);
    await subscribeAndConfirm(world, 'reader@example.org');
    await publishAt(
      world,
      '2026-11-29T11:00:00Z',
      Object.fromEntries([numberedPost(2, '2026-11-29T11:00:00Z', 'categories: [Travel]')]),
    );
    const plan = await runDigest(world, '2026-11-30T09:00:00Z');
    expect(await world.output.get('newsletter/index.html')).toBeDefined();
    expect(await world.output.get(`newsletter/${plan.digestId}/index.html`)).toBeUndefined();
    // The tick after the digest: its pages appear.
    const report = await publishAt(world, '2026-11-30T09:05:00Z');
    expect(report.pages).toEqual(
      expect.arrayContaining([
        `newsletter/${plan.digestId}/index.html`,
        'newsletter/index.html',
        'newsletter/atom.xml',
      ]),
    );
    const text = async (key: string) => new TextDecoder().decode(await world.output.get(key));
    const page = await text(`newsletter/${plan.digestId}/index.html`);
    for (const n of [1, 2])
      expect(page).toContain(`<a href="https://example.org/posts/p${n}/">Post ${n}</a>`);
    expect(page).toContain('<h1>Field Notes: Post 2 and 1 more</h1>');
    const list = await text('newsletter/index.html');
    expect(list).toContain(
      `<a href="https://example.org/newsletter/${plan.digestId}/">Field Notes: Post 2 and 1 more</a>`,
    );
    expect(list).toContain('2 posts');
    const feed = await text('newsletter/atom.xml');
    expect(feed).toContain(`<id>https://example.org/newsletter/${plan.digestId}/</id>`);
    expect(feed).toContain('&lt;a href="https://example.org/posts/p1/"&gt;Post 1&lt;/a&gt;');
    // Nothing changed: the next run rewrites none of them.
    expect(
      (await publishAt(world, '2026-11-30T09:10:00Z')).pages.filter((k) => k.startsWith('newsletter/')),
    ).toEqual([]);
    // A preview archives nothing.
    await publishAt(
      world,
      '2026-12-01T10:00:00Z',
      Object.fromEntries([numberedPost(3, '2026-12-01T10:00:00Z')]),
    );
    await planDigest(world, site, { until: new Date('2026-12-07T09:00:00Z'), preview: true });
    expect(
      (await publishAt(world, '2026-12-07T09:05:00Z')).pages.filter((k) => k.startsWith('newsletter/')),
    ).toEqual([]);
  });
});

describe('preferences page', () => {
  const categories = async () => [
    { name: 'Cooking', slug: 'cooking' },
    { name: 'Travel', slug: 'travel' },
  ];
  const callWith = (world: World, req: ApiRequest) =>
    handleApiRequest(world, { site, apiUrl: API, categories }, req);

  it('is linked from every digest; a reader narrows categories, pauses, unsubscribes, and digests follow', async () => {
    const world = memoryNewsletter();
    await publishAt(world, SWITCHED_ON);
    await subscribeAndConfirm(world, 'reader@example.org');
    const id = world.signer.subscriberId(parse('reader@example.org'));
    await publishAt(
      world,
      '2026-11-25T10:00:00Z',
      Object.fromEntries([
        numberedPost(1, '2026-11-24T10:00:00Z', 'categories: [Travel]'),
        numberedPost(2, '2026-11-25T10:00:00Z', 'categories: [Cooking]'),
      ]),
    );
    await runDigest(world, '2026-11-30T09:00:00Z');
    const digest = await parseMail(world.mailer.sent.at(-1)?.raw ?? new Uint8Array());
    const link = linkIn(digest.text, `${API}preferences?`);
    expect(digest.html).toContain(`href="${link.replaceAll('&', '&amp;')}"`);
    const url = new URL(link);
    const shown = await callWith(world, request('GET', `${url.pathname}${url.search}`));
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('E-mail digests go to <strong>reader@example.org</strong>.');
    expect(shown.body).toContain('<input type="checkbox" name="categories" value="travel"> Travel');
    // A GET changes nothing (link scanners follow GETs).
    expect((await world.newsletter.readSubscriber(id))?.categories).toEqual([]);

    const saved = await callWith(
      world,
      request('POST', `${url.pathname}${url.search}`, 'categories=travel&action=save'),
    );
    expect(saved.body).toContain('Saved. The next digest follows your choice.');
    expect(saved.body).toContain('value="travel" checked');
    expect((await world.newsletter.readSubscriber(id))?.categories).toEqual(['travel']);
    const sent = world.mailer.sent.length;
    await publishAt(
      world,
      '2026-12-02T10:00:00Z',
      Object.fromEntries([
        numberedPost(3, '2026-12-01T10:00:00Z', 'categories: [Cooking]'),
        numberedPost(4, '2026-12-02T10:00:00Z', 'categories: [Travel]'),
      ]),
    );
    await runDigest(world, '2026-12-07T09:00:00Z');
    expect(world.mailer.sent.length).toBe(sent + 1);
    expect((await parseMail(world.mailer.sent.at(-1)?.raw ?? new Uint8Array())).subject).toBe(
      'Field Notes: Post 4',
    );

    await callWith(
      world,
      request('POST', `${url.pathname}${url.search}`, 'categories=travel&paused=yes&action=save'),
    );
    expect((await world.newsletter.readSubscriber(id))?.pausedAt).toBeDefined();
    await publishAt(
      world,
      '2026-12-08T10:00:00Z',
      Object.fromEntries([numberedPost(5, '2026-12-08T10:00:00Z', 'categories: [Travel]')]),
    );
    await runDigest(world, '2026-12-14T09:00:00Z');
    expect(world.mailer.sent.length).toBe(sent + 1);

    const left = await callWith(world, request('POST', `${url.pathname}${url.search}`, 'action=unsubscribe'));
    expect(left.body).toContain('Unsubscribed');
    expect(await world.newsletter.readSubscriber(id)).toMatchObject({
      status: 'unsubscribed',
      unsubscribedVia: 'link',
    });
    // An old link cannot subscribe anyone again.
    await callWith(world, request('POST', `${url.pathname}${url.search}`, 'categories=travel&action=save'));
    expect((await world.newsletter.readSubscriber(id))?.status).toBe('unsubscribed');
    expect((await callWith(world, request('GET', `${url.pathname}${url.search}`))).body).toContain(
      'Not subscribed',
    );
  });

  it("lists the site's published categories, named as the site names them", async () => {
    const world = memoryNewsletter();
    expect(await publishedCategories(world.state)).toEqual([]);
    await publish(world, [post(1, '2026-11-24T10:00:00Z', ['How-to tech', 'Travel'])]);
    expect(await publishedCategories(world.state)).toEqual([
      { name: 'How-to tech', slug: 'how-to-tech' },
      { name: 'Travel', slug: 'travel' },
    ]);
  });

  it('refuses forged and confirmation tokens, and hostile form values change nothing else', async () => {
    const world = memoryNewsletter();
    await subscribeAndConfirm(world, 'reader@example.org');
    const id = world.signer.subscriberId(parse('reader@example.org'));
    expect(
      (
        await callWith(
          world,
          request('GET', '/preferences?token=uAAAAAAAAAAAAAAAAAAAAAA.0.AAAAAAAAAAAAAAAAAAAAAA'),
        )
      ).status,
    ).toBe(400);
    const confirmToken = world.signer.sign('confirm', id, new Date('2030-01-01T00:00:00Z'));
    expect((await callWith(world, request('GET', `/preferences?token=${confirmToken}`))).status).toBe(400);
    const token = world.signer.sign('unsubscribe', id);
    const hostile = new URLSearchParams([
      ['categories', '<script>alert(1)</script>'],
      ...Array.from({ length: 80 }, (_, i): [string, string] => ['categories', `c${i}`]),
      ['status', 'active'],
      ['email', 'other@example.org'],
    ]).toString();
    const answer = await callWith(world, request('POST', `/preferences?token=${token}`, hostile));
    expect(answer.status).toBe(200);
    expect(answer.body).not.toContain('<script>');
    const stored = await world.newsletter.readSubscriber(id);
    expect(stored?.email).toBe('reader@example.org');
    expect(stored?.categories.length).toBe(50);
    // Slugs only: whatever was posted is reduced to a category slug.
    expect(stored?.categories.every((c) => /^[a-z0-9-]+$/.test(c))).toBe(true);
  });
});

describe('digests', () => {
  it('sends each active subscriber the posts since the last digest in their categories, once', async () => {
    const world = memoryNewsletter();
    await subscribeAndConfirm(world, 'all@example.org');
    await subscribeAndConfirm(world, 'also@example.org');
    await subscribeAndConfirm(world, 'travel@example.org', ['Travel']);
    await subscribeAndConfirm(world, 'cooking@example.org', ['Cooking']);
    await call(world, request('POST', '/subscribe', 'email=pending%40example.org'));
    const confirmations = world.mailer.sent.length;
    await publishAt(world, SWITCHED_ON);
    // Post 1 is uploaded two weeks after its date, more than maxAgeDays (7): an old post, left out.
    await publishAt(
      world,
      '2026-11-24T10:00:00Z',
      Object.fromEntries([
        numberedPost(1, '2026-11-10T10:00:00Z'),
        numberedPost(2, '2026-11-24T10:00:00Z', 'categories: [Travel]'),
      ]),
    );
    await publishAt(
      world,
      '2026-11-27T10:00:00Z',
      Object.fromEntries([numberedPost(3, '2026-11-27T10:00:00Z')]),
    );

    const plan = await runDigest(world, '2026-11-30T09:00:00Z');
    expect(plan).toMatchObject({
      since: '2026-11-23T09:00:00.000Z',
      posts: ['Post 3', 'Post 2'],
      recipients: 5,
      jobs: 1,
    });
    const digests = world.mailer.sent.slice(confirmations);
    expect(digests.map((m) => m.to).sort()).toEqual([
      'all@example.org',
      'also@example.org',
      'travel@example.org',
    ]);
    const travel = await parseMail(
      digests.find((m) => m.to === 'travel@example.org')?.raw ?? new Uint8Array(),
    );
    expect(travel.subject).toBe('Field Notes: Post 2');
    const all = await parseMail(digests.find((m) => m.to === 'all@example.org')?.raw ?? new Uint8Array());
    expect(all.subject).toBe('Field Notes: Post 3 and 1 more');
    // Personal unsubscribe links: each one names its own subscriber.
    const unsubscribe = (m: typeof all) =>
      m.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    expect(unsubscribe(all)).not.toBe(unsubscribe(travel));
    // Two subscribers with the same choice get one composed message, each filled in with their own
    // address, message id and link (header and body), whose token names them.
    const also = await parseMail(digests.find((m) => m.to === 'also@example.org')?.raw ?? new Uint8Array());
    expect(also.subject).toBe(all.subject);
    expect(also.messageId).not.toBe(all.messageId);
    for (const [mail, email] of [
      [all, 'all@example.org'],
      [also, 'also@example.org'],
    ] as const) {
      expect(mail.headerLines.find((h) => h.key === 'to')?.line).toBe(`To: ${email}`);
      const link = /<([^<>]+)>/.exec(unsubscribe(mail))?.[1] ?? 'missing';
      expect(mail.text).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
      const verified = world.signer.verify(
        new URL(link).searchParams.get('token') ?? '',
        'unsubscribe',
        new Date(),
      );
      expect(verified).toEqual({
        ok: true,
        token: { purpose: 'unsubscribe', subscriberId: world.signer.subscriberId(parse(email)) },
      });
    }

    // The same schedule time again (EventBridge can deliver twice): nothing more.
    expect((await runDigest(world, '2026-11-30T09:00:00Z')).skipped).toBe('already-planned');
    // A week with no posts: no mail.
    expect((await runDigest(world, '2026-12-07T09:00:00Z')).skipped).toBe('no-new-posts');
    expect(world.mailer.sent.length).toBe(confirmations + 3);
  });

  it('mails every recipient exactly once when a job is retried after a crash', async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 30; i++) await subscribeAndConfirm(world, `r${i}@example.org`);
    await publishOnePost(world);
    await planDigest(world, site, { until: new Date('2026-11-30T09:00:00Z') });
    const job = world.queue.take()?.job;
    if (!job) throw new Error('no job');
    const before = world.mailer.sent.length;
    // The mail service dies after 12 messages (a network error, not a refusal): those in flight are
    // left marked "sending".
    let calls = 0;
    const flaky: Mailer = {
      send: async (mail: OutgoingMail) => {
        if (++calls > 12) throw new Error('socket hang up');
        return world.mailer.send(mail);
      },
      quota: () => world.mailer.quota(),
      findSent: (key, to) => world.mailer.findSent(key, to),
    };
    await expect(
      sendDigestJob({ ...world, mailer: flaky }, site, job, { apiUrl: API, concurrency: 4 }),
    ).rejects.toThrow('socket hang up');
    expect(world.mailer.sent.length - before).toBe(12);
    // SQS retries the job, twice: the first retry finishes it, the second finds nothing to do.
    const retry = await sendDigestJob(world, site, job, { apiUrl: API });
    const again = await sendDigestJob(world, site, job, { apiUrl: API });
    const recipients = world.mailer.sent.slice(before).map((m) => m.to);
    expect(recipients.length).toBe(30);
    expect(new Set(recipients).size).toBe(30);
    expect(retry).toMatchObject({ sent: 18, skipped: 12, recovered: 0, held: 0 });
    expect(again).toMatchObject({ sent: 0, skipped: 30 });
  });

  it('five concurrent digest runs mail every subscriber once', async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 40; i++) await subscribeAndConfirm(world, `r${i}@example.org`);
    await publishOnePost(world);
    const before = world.mailer.sent.length;
    // Each run has its own queue, as five `herald digest` processes do; they share the bucket.
    const runs = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        runDigestNow(world, site, { until: new Date(Date.parse('2026-11-30T09:00:00Z') + i), apiUrl: API }),
      ),
    );
    const recipients = world.mailer.sent.slice(before).map((m) => m.to);
    expect(recipients.length).toBe(40);
    expect(new Set(recipients).size).toBe(40);
    expect(runs.filter((r) => r.plan.skipped === undefined && !r.plan.resumed).length).toBe(1);
  });

  it('a digest run killed mid-send is finished by the next run, which says so: each mailed once', async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 30; i++) await subscribeAndConfirm(world, `r${i}@example.org`);
    await publishOnePost(world);
    const before = world.mailer.sent.length;
    // The process dies inside the 13th and later sends: the 13th and 14th after the mail service took
    // the message (the "sent" marker never written), the rest before it did.
    let calls = 0;
    const dying: Mailer = {
      send: async (mail: OutgoingMail) => {
        calls++;
        if (calls > 14) throw new Error('killed');
        const accepted = await world.mailer.send(mail);
        if (calls > 12) throw new Error('killed');
        return accepted;
      },
      quota: () => world.mailer.quota(),
      findSent: (key, to) => world.mailer.findSent(key, to),
    };
    await expect(
      runDigestNow({ ...world, mailer: dying }, site, {
        until: new Date('2026-11-30T09:00:00Z'),
        apiUrl: API,
      }),
    ).rejects.toThrow('killed');
    expect(world.mailer.sent.length - before).toBe(14);
    // A later subscriber was not on the list when the digest was planned: the resumption skips them.
    world.timer.advance(3600_000);
    await subscribeAndConfirm(world, 'late@example.org');
    const late = world.mailer.sent.length;
    const next = await runDigestNow(world, site, { until: new Date('2026-11-30T10:00:00Z'), apiUrl: API });
    const digests = [...world.mailer.sent.slice(before, late - 1), ...world.mailer.sent.slice(late)].map(
      (m) => m.to,
    );
    expect(digests).not.toContain('late@example.org');
    expect(digests.length).toBe(30);
    expect(new Set(digests).size).toBe(30);
    // The two the mail service had are recorded, not mailed again; the rest in flight are mailed now.
    expect(next.resumed).toMatchObject({ digestId: '2026-11-30T09-00Z', recipients: 16 });
    expect(next.resumed?.report).toMatchObject({ sent: 16, recovered: 2, held: 0 });
    expect(next.resumed?.inDoubt).toBeGreaterThanOrEqual(2);
    const markers = await world.newsletter.markers('2026-11-30T09-00Z');
    expect([...markers.values()].every((m) => m.status === 'sent' && m.messageId)).toBe(true);
    // And the run after that has nothing left to finish.
    expect(
      (await runDigestNow(world, site, { until: new Date('2026-11-30T10:00:00Z'), apiUrl: API })).resumed,
    ).toBeUndefined();
  });

  it("with SES (no record by key) re-sends a dead sender's claim only after the lease, and says who is held", async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 10; i++) await subscribeAndConfirm(world, `s${i}@example.org`);
    await publishOnePost(world);
    const before = world.mailer.sent.length;
    let calls = 0;
    const ses = (dieAfter: number): Mailer => ({
      send: async (mail: OutgoingMail) => {
        if (++calls > dieAfter) throw new Error('killed');
        return world.mailer.send(mail);
      },
      quota: () => world.mailer.quota(),
      findSent: async () => 'unknown',
    });
    await planDigest(world, site, { until: new Date('2026-11-30T09:00:00Z') });
    const job = world.queue.take()?.job;
    if (!job) throw new Error('no job');
    await expect(
      sendDigestJob({ ...world, mailer: ses(4) }, site, job, { apiUrl: API, concurrency: 3 }),
    ).rejects.toThrow('killed');
    const first = world.mailer.sent.length - before;
    expect(first).toBe(4);
    const inFlight = [...(await world.newsletter.markers(job.digestId)).values()].filter(
      (m) => m.status === 'sending',
    ).length;
    expect(inFlight).toBeGreaterThan(0);
    // (The job's unsent rest was handed to a continuation job as it failed; SQS retries the job itself.)
    while (world.queue.take());
    // A retry within the lease leaves the claims alone (their sender might be at work) and queues
    // them again for when the lease has run out.
    world.timer.advance(60_000);
    const early = await sendDigestJob({ ...world, mailer: ses(Infinity) }, site, job, { apiUrl: API });
    expect(early.held).toBe(inFlight);
    expect(early.sent).toBe(10 - first - inFlight);
    const later = world.queue.take();
    expect(later?.delaySeconds).toBe(900);
    expect(later?.job.subscriberIds).toHaveLength(inFlight);
    // After the lease they are sent: SES cannot say they had it, and no live sender can hold them.
    world.timer.advance(15 * 60_000);
    const after = await sendDigestJob({ ...world, mailer: ses(Infinity) }, site, later?.job ?? job, {
      apiUrl: API,
    });
    expect(after).toMatchObject({ sent: inFlight, held: 0 });
    const recipients = world.mailer.sent.slice(before).map((m) => m.to);
    expect(new Set(recipients).size).toBe(10);
    expect(recipients.length).toBe(10);
  });

  it('paces sends to the SES rate and retries throttling with backoff (fake clock)', async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 50; i++) await subscribeAndConfirm(world, `p${i}@example.org`);
    await publishOnePost(world);
    await planDigest(world, site, { until: new Date('2026-11-30T09:00:00Z') });
    const job = world.queue.take()?.job;
    if (!job) throw new Error('no job');
    const starts: number[] = [];
    let throttles = 0;
    // The 21st message is throttled, and so is its first retry: two backoffs in a row. (Which send
    // meets a throttle depends on the order of the sends in flight; the same message's retries do not.)
    let throttled: string | undefined;
    const ses: Mailer = {
      send: async (mail) => {
        if (starts.length === 20 && throttled === undefined) throttled = mail.to;
        if (mail.to === throttled && throttles < 2) {
          throttles++;
          throw new SendError('throttled', 'Maximum sending rate exceeded.');
        }
        starts.push(world.timer.now().getTime());
        return world.mailer.send(mail);
      },
      quota: async (): Promise<SendQuota> => ({ maxSendRate: 10, max24HourSend: 50_000, sentLast24Hours: 0 }),
      findSent: (key, to) => world.mailer.findSent(key, to),
    };
    const t0 = world.timer.now().getTime();
    const report = await sendDigestJob({ ...world, mailer: ses }, site, job, { apiUrl: API });
    expect(report).toMatchObject({ sent: 50, rejected: 0, continued: 0 });
    // Evenly spaced at 10 per second: no second ever holds more than 10 starts.
    for (const start of starts)
      expect(starts.filter((s) => s >= start && s < start + 1000).length).toBeLessThanOrEqual(10);
    const elapsed = (starts[starts.length - 1] ?? 0) - t0;
    // 49 gaps of 105 ms (95% of the rate) plus the two backoffs (about 1 s and 2 s).
    expect(elapsed).toBeGreaterThan(49 * 105 + 1500);
    expect(elapsed).toBeLessThan(49 * 106 + 4500);
    expect(throttles).toBe(2);
  });

  it('hands the rest to a new job when the daily quota or the invocation time runs out', async () => {
    const world = memoryNewsletter();
    for (let i = 0; i < 10; i++) await subscribeAndConfirm(world, `q${i}@example.org`);
    await publishOnePost(world);
    await planDigest(world, site, { until: new Date('2026-11-30T09:00:00Z') });
    const job = world.queue.take()?.job;
    if (!job) throw new Error('no job');
    const before = world.mailer.sent.length;
    const limited: Mailer = {
      send: (m) => world.mailer.send(m),
      quota: async () => ({ maxSendRate: 100, max24HourSend: 100, sentLast24Hours: 96 }),
      findSent: (key, to) => world.mailer.findSent(key, to),
    };
    const report = await sendDigestJob({ ...world, mailer: limited }, site, job, { apiUrl: API });
    expect(report).toMatchObject({ sent: 4, continued: 6 });
    const next = world.queue.take();
    expect(next?.delaySeconds).toBe(900);
    expect(next?.job.subscriberIds).toHaveLength(6);
    let left = 3;
    const timed = await sendDigestJob(world, site, next?.job ?? job, {
      apiUrl: API,
      remainingMs: () => (left-- > 0 ? 120_000 : 1000),
    });
    expect(timed).toMatchObject({ sent: 3, continued: 3 });
    expect(world.queue.take()?.delaySeconds).toBe(0);
    expect(world.mailer.sent.length - before).toBe(7);
  });
});

describe('bounces and complaints', () => {
  it('suppress the address: no digest, no confirmation mail', async () => {
    const world = memoryNewsletter();
    await subscribeAndConfirm(world, 'gone@example.org');
    await subscribeAndConfirm(world, 'stays@example.org');
    await suppressAddresses(world, {
      kind: 'bounce',
      permanent: true,
      addresses: ['Gone@example.org'],
      detail: 'Permanent/General',
      at: '2026-11-30T10:00:00Z',
    });
    await suppressAddresses(world, {
      kind: 'bounce',
      permanent: false,
      addresses: ['stays@example.org'],
      detail: 'Transient/MailboxFull',
      at: '2026-11-30T10:00:00Z',
    });
    const id = world.signer.subscriberId(parse('gone@example.org'));
    expect(await world.newsletter.readSubscriber(id)).toMatchObject({
      status: 'unsubscribed',
      unsubscribedVia: 'bounce',
    });
    await publishOnePost(world);
    const before = world.mailer.sent.length;
    await runDigest(world, '2026-11-30T09:00:00Z');
    expect(world.mailer.sent.slice(before).map((m) => m.to)).toEqual(['stays@example.org']);
    await call(world, request('POST', '/subscribe', 'email=gone%40example.org'));
    expect(world.mailer.sent.length).toBe(before + 1);
  });
});

function parse(text: string) {
  const checked = parseEmailAddress(text);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.address;
}
