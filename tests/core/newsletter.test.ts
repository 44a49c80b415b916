import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from '../../functions/core/config/site-config.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import {
  personaliseDigest,
  renderConfirmation,
  renderDigest,
} from '../../functions/core/newsletter/digest-email.ts';
import {
  type DigestPost,
  digestPosts,
  postsForSubscriber,
} from '../../functions/core/newsletter/digest-posts.ts';
import { parseEmailAddress } from '../../functions/core/newsletter/email-address.ts';
import { composeMessage, MailMerge } from '../../functions/core/newsletter/mime.ts';
import { cronExpression, latestRunAtOrBefore } from '../../functions/core/newsletter/schedule.ts';
import { parseSesNotice } from '../../functions/core/newsletter/ses-notice.ts';
import { CONFIRMATION_LIMITS, requestSubscription } from '../../functions/core/newsletter/subscriber.ts';
import { TokenSigner } from '../../functions/core/newsletter/tokens.ts';
import type { PostEntry } from '../../functions/core/site/post-entry.ts';
import { newsletterSite, parseMail, SECRET } from '../helpers/newsletter.ts';

const address = (text: string) => {
  const checked = parseEmailAddress(text);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.address;
};

describe('parseEmailAddress', () => {
  it('accepts ordinary addresses, trims them and lower-cases the domain', () => {
    expect(parseEmailAddress('  Ada.Lovelace+news@Example.ORG ')).toEqual({
      ok: true,
      address: 'Ada.Lovelace+news@example.org',
    });
  });
  it('converts an internationalised domain to punycode', () => {
    expect(parseEmailAddress('anna@bücher.de')).toEqual({ ok: true, address: 'anna@xn--bcher-kva.de' });
  });
  it.each([
    ['a@example.org\r\nBcc: victim@example.com', 'line break'],
    ['a@example.org\nBcc:x@y.z', 'line break'],
    ['Ada <a@example.org>', 'cannot have'],
    ['a@example.org, b@example.org', 'cannot have'],
    ['plainaddress', 'not an e-mail address'],
    ['a@localhost', 'domain'],
    ['a@example.c', 'top-level'],
    ['"a b"@example.org', 'cannot have'],
    ['jürgen@example.org', 'outside ASCII'],
    [`${'x'.repeat(65)}@example.org`, 'more than 64'],
    [
      `a@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.hhhhhhh.org`,
      'longer than 254',
    ],
    ['', 'empty'],
  ])('rejects %j (%s)', (input, reason) => {
    const checked = parseEmailAddress(input);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toContain(reason);
  });
});

describe('TokenSigner', () => {
  const signer = new TokenSigner(SECRET);
  const now = new Date('2026-11-30T09:00:00Z');
  const id = signer.subscriberId(address('Reader@Example.org'));

  it('derives the same id for any capitalisation, and never shows the address', () => {
    expect(signer.subscriberId(address('reader@example.ORG'))).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const token = signer.sign('unsubscribe', id);
    expect(token).not.toContain('reader');
    expect(token).not.toContain('example');
  });
  it('verifies its own tokens', () => {
    expect(
      signer.verify(signer.sign('confirm', id, new Date(now.getTime() + 3600_000)), 'confirm', now),
    ).toEqual({
      ok: true,
      token: { purpose: 'confirm', subscriberId: id },
    });
    expect(
      signer.verify(signer.sign('unsubscribe', id), 'unsubscribe', new Date('2099-01-01')),
    ).toMatchObject({ ok: true });
  });
  it('refuses forged, altered, expired, misused and malformed tokens', () => {
    const token = signer.sign('confirm', id, new Date(now.getTime() + 3600_000));
    const other = new TokenSigner(`${SECRET}-other`).sign('confirm', id, new Date(now.getTime() + 3600_000));
    expect(signer.verify(other, 'confirm', now)).toEqual({ ok: false, problem: 'forged' });
    // Someone else's id under my signature, or a later expiry: the MAC no longer matches.
    const otherId = signer.subscriberId(address('victim@example.org'));
    expect(signer.verify(token.replace(id, otherId), 'confirm', now)).toEqual({
      ok: false,
      problem: 'forged',
    });
    const [head, , mac] = token.split('.');
    expect(signer.verify(`${head}.zzzzzz.${mac}`, 'confirm', now)).toEqual({ ok: false, problem: 'forged' });
    expect(signer.verify(token, 'confirm', new Date(now.getTime() + 2 * 3600_000))).toEqual({
      ok: false,
      problem: 'expired',
    });
    expect(signer.verify(token, 'unsubscribe', now)).toEqual({ ok: false, problem: 'wrong-purpose' });
    expect(signer.verify('', 'confirm', now)).toEqual({ ok: false, problem: 'malformed' });
    expect(signer.verify(`${token}x`, 'confirm', now)).toEqual({ ok: false, problem: 'malformed' });
  });
  it('refuses a short secret', () => {
    expect(() => new TokenSigner('short')).toThrow(/32 characters/);
  });
});

describe('digest schedule', () => {
  const weekly = { every: 'week', day: 'monday', hour: 9, minute: 0 } as const;
  it('becomes an EventBridge Scheduler cron expression', () => {
    expect(cronExpression(weekly)).toBe('cron(0 9 ? * MON *)');
    expect(cronExpression({ every: 'day', hour: 7, minute: 30 })).toBe('cron(30 7 ? * * *)');
  });
  it('finds the latest run in the site timezone, across daylight saving time', () => {
    // Monday 30 March 2026 is the day after the UK moves to BST: 09:00 local is 08:00 UTC.
    expect(latestRunAtOrBefore(weekly, new Date('2026-03-30T08:00:00Z'), 'Europe/London').toISOString()).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    expect(latestRunAtOrBefore(weekly, new Date('2026-03-30T07:59:59Z'), 'Europe/London').toISOString()).toBe(
      '2026-03-23T09:00:00.000Z',
    );
    expect(
      latestRunAtOrBefore(
        { every: 'day', hour: 7, minute: 30 },
        new Date('2026-07-01T05:00:00Z'),
        'Europe/London',
      ).toISOString(),
    ).toBe('2026-06-30T06:30:00.000Z');
  });
});

describe('site.yaml newsletter section', () => {
  const yaml = (section: string) =>
    `title: T\nbaseUrl: https://example.org/\nauthor: A\ntimezone: Europe/Paris\nnewsletter:\n${section}`;
  it('reads sender, schedule and CORS origins', () => {
    const site = parseSiteConfig(
      yaml('  from: "Field Notes <Digest@Example.org>"\n  schedule: every Friday at 7:30\n'),
    );
    expect(site.newsletter).toEqual({
      from: { name: 'Field Notes', address: 'Digest@example.org' },
      schedule: { every: 'week', day: 'friday', hour: 7, minute: 30 },
      corsOrigins: ['https://example.org'],
      confirmHours: 48,
      content: 'summary',
      welcome: false,
      maxAgeDays: 7,
    });
    expect(
      parseSiteConfig(yaml('  from: d@example.org\n  schedule: daily 06:00\n  maxAgeDays: 30\n')).newsletter
        ?.maxAgeDays,
    ).toBe(30);
    expect(
      parseSiteConfig(yaml('  from: d@example.org\n  schedule: daily 06:00\n')).newsletter?.schedule,
    ).toEqual({ every: 'day', hour: 6, minute: 0 });
  });
  it.each([
    ['  from: d@example.org\n  schedule: fortnightly\n', 'newsletter.schedule'],
    ['  from: not an address\n  schedule: monday 09:00\n', 'newsletter.from'],
    ['  schedule: monday 09:00\n', 'newsletter.from'],
    ['  from: d@example.org\n  schedule: monday 25:00\n', 'newsletter.schedule'],
    ['  from: d@example.org\n  schedule: monday 09:00\n  maxAgeDays: 0\n', 'newsletter.maxAgeDays'],
    ['  from: d@example.org\n  schedule: monday 09:00\n  maxAgeDays: a week\n', 'newsletter.maxAgeDays'],
  ])('names the field at fault', (section, field) => {
    try {
      parseSiteConfig(yaml(section));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
    }
  });
});

describe('requestSubscription', () => {
  const email = address('reader@example.org');
  const request = { email, categories: ['How-to tech'], consent: { source: 'form' as const } };
  const t0 = new Date('2026-11-30T09:00:00Z');
  it('limits confirmation mail per address', () => {
    let record = requestSubscription('id', undefined, request, t0).record;
    expect(record?.categories).toEqual(['how-to-tech']);
    const soon = requestSubscription('id', record, request, new Date(t0.getTime() + 60_000));
    expect(soon.sendConfirmation).toBe(false);
    let sent = 1;
    for (let i = 1; i < 10; i++) {
      const at = new Date(t0.getTime() + i * CONFIRMATION_LIMITS.gapMs);
      const next = requestSubscription('id', record, request, at);
      if (next.sendConfirmation) sent++;
      record = next.record ?? record;
    }
    expect(sent).toBe(CONFIRMATION_LIMITS.perDay);
    expect(
      requestSubscription('id', record, request, new Date(t0.getTime() + 25 * 3600_000)).sendConfirmation,
    ).toBe(true);
  });
});

const entry = (n: number, published: string, categories?: string[], image?: string): PostEntry => ({
  source: `posts/p${n}.md`,
  path: `/posts/p${n}/`,
  title: `Post ${n} — “quoted” & <tagged>`,
  summary: `Summary of post ${n}.`,
  published,
  updated: published,
  hash: `h${n}`,
  ...(categories ? { categories } : {}),
  ...(image ? { image } : {}),
});

describe('digest posts', () => {
  const site = newsletterSite();
  const entries = [
    entry(1, '2026-11-23T08:59:00Z'),
    entry(2, '2026-11-23T09:00:00Z'),
    entry(3, '2026-11-25T12:00:00Z', ['How-to tech']),
    entry(4, '2026-11-30T09:00:00Z', ['Travel']),
    entry(5, '2026-11-30T09:00:01Z'),
  ];
  it('shows what appeared newest first, leaving out posts more than maxAgeDays old when they appeared', () => {
    const appeared = (at: string) => entries.map((entry) => ({ entry, visibleAt: at }));
    const posts = digestPosts(site, appeared('2026-12-02T09:00:00Z'), 7);
    expect(posts.map((p) => p.url)).toEqual([
      'https://example.org/posts/p5/',
      'https://example.org/posts/p4/',
      'https://example.org/posts/p3/',
    ]);
    // Exactly seven days old is still in; a one-day limit keeps only what was a day old at most.
    expect(digestPosts(site, appeared('2026-11-30T09:00:00Z'), 7).map((p) => p.url)).toContain(
      'https://example.org/posts/p2/',
    );
    expect(digestPosts(site, appeared('2026-12-01T09:00:00Z'), 1)).toHaveLength(2);
    // The age counts when the post appeared, not when the digest goes out.
    expect(
      digestPosts(site, [{ entry: entries[0] as PostEntry, visibleAt: '2026-11-25T08:59:00Z' }], 2),
    ).toHaveLength(1);
    expect(postsForSubscriber(posts, ['how-to-tech']).map((p) => p.title)).toEqual([posts[2]?.title]);
    expect(postsForSubscriber(posts, [])).toHaveLength(3);
    expect(postsForSubscriber(posts, ['cooking'])).toEqual([]);
  });
});

describe('digest e-mail', () => {
  const site = newsletterSite();
  const posts: DigestPost[] = digestPosts(
    site,
    [
      entry(1, '2026-11-24T10:00:00Z', ['How-to tech'], 'https://example.org/images/x.webp'),
      entry(2, '2026-11-25T10:00:00Z'),
    ].map((entry) => ({ entry, visibleAt: entry.published })),
    7,
  );
  const unsubscribe = 'https://api.example.org/unsubscribe?token=uABC.0.xyz';
  const links = (url: string) => ({
    unsubscribe: url,
    preferences: url.replace('/unsubscribe?', '/preferences?'),
  });

  it('is multipart text and HTML with one-click unsubscribe headers, readable by a real parser', async () => {
    const bodies = personaliseDigest(renderDigest(site, posts, []), links(unsubscribe));
    const raw = await composeMessage({
      from: { name: 'Field Notes', address: 'digest@example.org' },
      to: 'reader@example.org',
      ...bodies,
      messageId: '2026-11-30T09-00Z.abc@example.org',
      date: new Date('2026-11-30T09:00:00Z'),
      headers: {
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      boundary: 'abc',
    });
    const text = raw.toString('latin1');
    expect(text.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(text).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(text).toMatch(/^Subject: =\?UTF-8\?/m);
    const mail = await parseMail(raw);
    expect(mail.subject).toBe('Field Notes: Post 2 — “quoted” & <tagged> and 1 more');
    expect(mail.from?.value).toEqual([{ name: 'Field Notes', address: 'digest@example.org' }]);
    expect(mail.messageId).toBe('<2026-11-30T09-00Z.abc@example.org>');
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line;
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribe}>`);
    expect(mail.text).toContain('Read: https://example.org/posts/p1/');
    expect(mail.text).toContain(`Unsubscribe with one click: ${unsubscribe}`);
    expect(mail.text).toContain('1 High Street, Oxford');
    const html = mail.html || '';
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).toContain('href="https://example.org/posts/p2/"');
    expect(html).toContain('src="https://example.org/images/x.webp" alt=""');
    expect(html).toContain('Post 1 — “quoted” &amp; &lt;tagged&gt;');
    expect(html).toContain(`href="${unsubscribe}"`);
    expect(html.indexOf('/posts/p2/')).toBeLessThan(html.indexOf('/posts/p1/'));
    // Every link is absolute: mail has no base URL.
    for (const [, href] of html.matchAll(/(?:href|src)="([^"]*)"/g)) expect(href).toMatch(/^https:\/\//);
    const parts = [
      ...text.matchAll(/^Content-Type: (text\/\w+); charset=utf-8\r\nContent-Transfer-Encoding: base64/gm),
    ].map((m) => m[1]);
    expect(parts).toEqual(['text/plain', 'text/html']);
  });

  it('merges each recipient into one composed message: the bytes the composer builds for them', async () => {
    const mailing = {
      from: { name: 'Notes de terrain — Zoë', address: 'digest@example.org' },
      replyTo: 'editor@example.org',
      subject: 'Notes de terrain: « Un article » — with a subject long enough to be folded in its header',
      date: new Date('2026-11-30T09:00:00Z'),
      headers: {
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': 'Notes <digest.example.org>',
      },
      boundary: 'digest',
    };
    const merge = await MailMerge.prepare(mailing, ['List-Unsubscribe']);
    const base = renderDigest(site, posts, []);
    const recipients = [
      ['reader@example.org', unsubscribe],
      [address("o'brien+news@Jõgeva.EE"), `https://api.example.org/unsubscribe?token=${'u'.repeat(180)}`],
      [`${'l'.repeat(64)}@${'d'.repeat(60)}.example.org`, `${unsubscribe}&x=${'é'.repeat(3)}`],
    ] as const;
    for (const [to, link] of recipients) {
      const { text, html } = personaliseDigest(base, links(link));
      const personal = {
        to,
        messageId: `2026-11-30.${to.length}@example.org`,
        text,
        html,
        personalHeaders: { 'List-Unsubscribe': `<${link}>` },
      };
      const merged = merge.fill(personal);
      expect(merged.toString('latin1')).toBe(
        (await composeMessage({ ...mailing, ...personal })).toString('latin1'),
      );
      const mail = await parseMail(merged);
      // Unfolded as RFC 5322 says: drop each CRLF that starts a continuation line.
      const header = (name: string) =>
        mail.headerLines.find((h) => h.key === name)?.line.replace(/\r\n/g, '');
      expect(header('to')).toBe(`To: ${to}`);
      // A link outside ASCII (never Herald's own) is RFC 2047-encoded, as the composer does.
      if (/^[\x20-\x7e]*$/.test(link)) expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${link}>`);
      expect(mail.text).toContain(`Unsubscribe with one click: ${link}`);
      expect(mail.subject).toBe(mailing.subject);
    }
    expect(() =>
      merge.fill({
        to: 'reader@example.org',
        messageId: 'x@example.org',
        text: '',
        html: '<p>x</p>',
        personalHeaders: { 'List-Unsubscribe': `<${unsubscribe}>` },
      }),
    ).toThrow(/text body is empty/);
    expect(() =>
      merge.fill({ to: 'reader@example.org', messageId: 'x@example.org', text: 'x', html: '<p>x</p>' }),
    ).toThrow(/List-Unsubscribe is empty/);
  });

  it('says which categories a subscriber chose', () => {
    const bodies = personaliseDigest(renderDigest(site, posts.slice(1), ['How-to tech']), links(unsubscribe));
    expect(bodies.subject).toBe('Field Notes: Post 1 — “quoted” & <tagged>');
    expect(bodies.text).toContain('subscribed to Field Notes (https://example.org/) (How-to tech)');
  });
});

describe('newsletter content and welcome options', () => {
  it('name the field and the allowed values when wrong', () => {
    expect(() =>
      newsletterSite({
        newsletter: { from: 'a@example.org', schedule: 'daily 07:00', content: 'everything' },
      }),
    ).toThrow(/newsletter\.content: must be summary or full/);
    expect(() =>
      newsletterSite({ newsletter: { from: 'a@example.org', schedule: 'daily 07:00', welcome: 'yes' } }),
    ).toThrow(/newsletter\.welcome: must be true or false/);
  });
});

describe('times in mails', () => {
  it('name their time zone: the confirmation link says until when, and where', () => {
    const expires = new Date('2026-11-30T09:05:00Z');
    const london = renderConfirmation(
      newsletterSite({ timezone: 'Europe/London' }),
      'https://x.example/c',
      expires,
    );
    expect(london.text).toContain('The link works until November 30, 2026 at 09:05 AM GMT (Europe/London).');
    const paris = renderConfirmation(
      newsletterSite({ timezone: 'Europe/Paris' }),
      'https://x.example/c',
      expires,
    );
    expect(paris.html).toContain('November 30, 2026 at 10:05 AM GMT+1 (Europe/Paris)');
    const utc = renderConfirmation(newsletterSite({ timezone: 'UTC' }), 'https://x.example/c', expires);
    expect(utc.text).toContain('until November 30, 2026 at 09:05 AM UTC.');
  });
});

describe('parseSesNotice', () => {
  it('reads configuration-set bounces and complaints, and identity notifications', () => {
    const bounce = {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        timestamp: '2026-11-30T10:00:00Z',
        bouncedRecipients: [{ emailAddress: 'Gone <gone@example.org>' }],
      },
    };
    expect(parseSesNotice(JSON.stringify(bounce))).toEqual({
      kind: 'bounce',
      permanent: true,
      addresses: ['gone@example.org'],
      detail: 'Permanent/General',
      at: '2026-11-30T10:00:00Z',
    });
    const soft = {
      notificationType: 'Bounce',
      bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'full@example.org' }] },
    };
    expect(parseSesNotice(JSON.stringify(soft))?.permanent).toBe(false);
    const complaint = {
      eventType: 'Complaint',
      complaint: {
        complaintFeedbackType: 'abuse',
        complainedRecipients: [{ emailAddress: 'angry@example.org' }],
      },
    };
    expect(parseSesNotice(JSON.stringify(complaint))).toMatchObject({
      kind: 'complaint',
      permanent: true,
      addresses: ['angry@example.org'],
    });
    expect(parseSesNotice(JSON.stringify({ eventType: 'Delivery' }))).toBeUndefined();
    expect(parseSesNotice('not json')).toBeUndefined();
  });
});
