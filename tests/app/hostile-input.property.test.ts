import fc from 'fast-check';
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { addSubscriber } from '../../functions/app/newsletter/manage-subscribers.ts';
import { planDigest } from '../../functions/app/newsletter/plan-digest.ts';
import { sendDigestJob } from '../../functions/app/newsletter/send-digest.ts';
import { parseSiteConfig } from '../../functions/core/config/site-config.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { jsonFeedErrors, xmlWellFormed } from '../helpers/feed-checks.ts';
import { contentStore } from '../helpers/memory-content.ts';
import { memoryNewsletter, newsletterSiteYaml, parseMail, publishAt } from '../helpers/newsletter.ts';

// Strings from every plane, with the characters that break XML, HTML and JSON made common: markup,
// quotes, CDATA ends, NUL and other controls, lone surrogates, U+FFFE/U+FFFF, URL schemes.
const HOSTILE_PIECES = [
  '<',
  '>',
  '&',
  '"',
  "'",
  ']]>',
  '<![CDATA[',
  '\u0000',
  '\u0008',
  '\u000b',
  '\u001f',
  '\ud800',
  '\udc00',
  '\ufffe',
  '\uffff',
  '\u2028',
  '\n',
  '\r\n',
  '\t',
  '\\',
  'javascript:',
  'data:',
  '//',
  '/',
  '..',
  '#',
  '%00',
  '&#0;',
  '<script>',
  '</p>',
  '<div>',
  '*',
  '_',
  '[',
  '](',
  ')',
  '`',
  '{',
  '}',
  ':',
  '-',
  ' ',
];
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...HOSTILE_PIECES), maxLength: 12 }),
  fc.string({
    unit: fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: 'binary', maxLength: 3 })),
    maxLength: 20,
  }),
);

const hostilePost = fc.record({
  title: hostileString,
  slug: hostileString,
  description: hostileString,
  categories: fc.array(hostileString, { maxLength: 3 }),
  tags: fc.array(hostileString, { maxLength: 3 }),
  author: fc.record({ name: hostileString, email: hostileString, url: hostileString }),
  image: hostileString,
  // Fields that choose where things are written: an alias or url must never leave the site or
  // land outside its folder, and an unreadable date must be a reported error, not a crash.
  aliases: fc.array(
    fc.oneof(
      hostileString,
      fc.constantFrom('/old/', 'old', '../../x/', '//evil.example/', '/posts/p0/', '/rss.xml'),
    ),
    { maxLength: 3 },
  ),
  url: fc.option(fc.oneof(hostileString, fc.constantFrom('/a/', '../x/', '/rss.xml', '/')), {
    nil: undefined,
  }),
  expiryDate: fc.option(fc.oneof(hostileString, fc.constantFrom('2024-03-01', '2030-01-01')), {
    nil: undefined,
  }),
  series: fc.array(hostileString, { maxLength: 2 }),
  summary: hostileString,
  body: hostileString,
});

type HostilePost = typeof hostilePost extends fc.Arbitrary<infer T> ? T : never;

// JSON front matter carries any string, lone surrogates and NUL included, as \u escapes.
function postFile(post: HostilePost, index: number): string {
  const { body, ...fields } = post;
  return `${JSON.stringify({ ...fields, date: `2024-01-${String(index + 10)}` })}\n${body}\n`;
}

describe('every output is well-formed for any post (property)', () => {
  it('random strings in every field: feeds parse, pages parse, JSON is valid, bad posts are reported', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostilePost, { minLength: 1, maxLength: 3 }), async (posts) => {
        const files = Object.fromEntries(posts.map((p, i) => [`posts/p${i}.md`, postFile(p, i)]));
        const content = await contentStore({
          ...files,
          'posts/plain.md': '---\ntitle: Plain\ndate: 2024-01-01\naliases: [/old-plain/]\n---\nx\n',
        });
        const site = new MemoryBlobStore();
        const report = await buildSite({
          content,
          output: site,
          clock: fixedClock(new Date('2024-06-01Z')),
          log: silentLogger,
        });
        for (const error of report.failed) expect(error.message).toMatch(/^posts\/p\d\.md: [^:]+: /);
        expect(report.published + report.expired + report.failed.length).toBe(posts.length + 1);
        // A hostile alias never takes a plain post's redirect.
        expect(site.text('old-plain/index.html')).toContain('/posts/plain/');
        for (const key of report.written) {
          // Every written key is a plain relative path inside the output bucket.
          expect([key, key.split('/').every((part) => part !== '' && part !== '.' && part !== '..')]).toEqual(
            [key, true],
          );
          // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for.
          expect([key, /[\u0000-\u001f\\]/.test(key)]).toEqual([key, false]);
          const body = site.text(key) ?? '';
          if (key.endsWith('.xml')) expect([key, xmlWellFormed(body)]).toEqual([key, true]);
          if (key.endsWith('.json')) expect([key, jsonFeedErrors(body)]).toEqual([key, []]);
          if (key.endsWith('.html')) {
            const errors: string[] = [];
            parse(body, { onParseError: (e) => errors.push(e.code) });
            expect([key, errors]).toEqual([key, []]);
          }
          // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for NUL is the point.
          expect([key, /\u0000/.test(body)]).toEqual([key, false]);
        }
      }),
      // Bounded for CI (about 3 s here); HERALD_PROPERTY_RUNS=500 searches harder, HERALD_PROPERTY_SEED replays.
      {
        numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 40),
        seed: Number(process.env.HERALD_PROPERTY_SEED ?? Date.now() % 2 ** 31),
      },
    );
  });

  it('random strings in every field of a digest: each e-mail parses as MIME, its HTML parses, its headers are well-formed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostilePost, { minLength: 1, maxLength: 2 }),
        fc.record({ title: hostileString, fromName: hostileString, postalAddress: hostileString }),
        fc.array(hostileString, { maxLength: 2 }),
        fc.emailAddress(),
        async (posts, siteFields, categories, address) => {
          const yaml = newsletterSiteYaml({
            title: siteFields.title,
            newsletter: {
              from: { name: siteFields.fromName, address: 'digest@example.org' },
              schedule: 'monday 09:00',
              postalAddress: siteFields.postalAddress,
              content: 'full',
            },
          });
          let site: ReturnType<typeof parseSiteConfig>;
          try {
            site = parseSiteConfig(yaml);
          } catch (error) {
            // A site.yaml Herald refuses (an empty title, say) is reported, not mailed.
            if (error instanceof ConfigError) return;
            throw error;
          }
          const world = memoryNewsletter(Date.parse('2024-06-03T09:00:00Z'));
          await publishAt(world, '2024-05-27T09:00:00Z', {}, yaml);
          // Dated days before the digest, within its maximum age.
          const files = Object.fromEntries(
            posts.map(({ body, ...fields }, i) => [
              `posts/p${i}.md`,
              `${JSON.stringify({ ...fields, date: `2024-05-3${i}` })}\n${body}\n`,
            ]),
          );
          await publishAt(
            world,
            '2024-06-01T09:00:00Z',
            { ...files, 'posts/plain.md': '---\ntitle: Plain\ndate: 2024-05-30\n---\nx\n' },
            yaml,
          );
          const deps = { ...world, clock: world.timer };
          await addSubscriber(deps, { email: 'reader@example.org', categories: [] }, 'cli');
          await addSubscriber(deps, { email: address, categories }, 'cli');
          await planDigest(world, site, { until: new Date('2024-06-03T09:00:00Z') });
          for (let next = world.queue.take(); next; next = world.queue.take())
            await sendDigestJob(world, site, next.job, { apiUrl: 'https://api.example.org/' });
          // The reader of every post gets one at least: Plain always publishes.
          expect(world.mailer.sent.map((m) => m.to)).toContain('reader@example.org');
          for (const mail of world.mailer.sent) {
            const raw = Buffer.from(mail.raw);
            const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
            // Headers in 7-bit ASCII (encoded words for the rest), CRLF lines of at most 998 characters.
            expect([mail.to, /^[\t\x20-\x7e\r\n]*$/.test(head)]).toEqual([mail.to, true]);
            for (const line of head.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
            expect(head.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
            const parsed = await parseMail(mail.raw);
            expect(parsed.from?.value.map((a) => a.address)).toEqual(['digest@example.org']);
            const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
            expect(to.flatMap((t) => t?.value.map((a) => a.address))).toEqual([mail.to]);
            expect(typeof parsed.subject).toBe('string');
            expect(parsed.subject).not.toMatch(/[\r\n]/);
            expect(parsed.text).toContain('https://api.example.org/unsubscribe?token=');
            expect(typeof parsed.html).toBe('string');
            const errors: string[] = [];
            parse(parsed.html || '', { onParseError: (e) => errors.push(e.code) });
            expect([mail.to, errors]).toEqual([mail.to, []]);
            // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for NUL is the point.
            expect(/\u0000/.test(`${parsed.subject}${parsed.text}${parsed.html}`)).toBe(false);
          }
        },
      ),
      {
        numRuns: Number(process.env.HERALD_PROPERTY_RUNS ?? 25),
        seed: Number(process.env.HERALD_PROPERTY_SEED ?? Date.now() % 2 ** 31),
      },
    );
  }, 60_000);
});
