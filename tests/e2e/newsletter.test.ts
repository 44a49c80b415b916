import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomSchemaErrors, xmlWellFormed } from '../helpers/feed-checks.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { type RunningLocalMode, startLocalMode, stopLocalMode } from '../helpers/local-mode.ts';
import { parseMail } from '../helpers/newsletter.ts';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'herald-newsletter-'));
const contentDir = join(work, 'content');
const dataDir = join(work, 'data');
const outbox = join(dataDir, 'outbox');
let running: RunningLocalMode;

const herald = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, [HERALD, ...args, '--data', dataDir])).stdout;

async function mailTo(address: string, count: number) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const files = readdirSync(outbox)
      .filter((f) => f.endsWith(`-${address}.eml`))
      .sort();
    if (files.length >= count) return Promise.all(files.map((f) => parseMail(readFileSync(join(outbox, f)))));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `expected ${count} mails to ${address}; outbox: ${readdirSync(outbox).join(', ')}\n${running.output()}`,
  );
}

async function publishPost(slug: string, title: string, at: Date, category = 'News'): Promise<void> {
  writeFileSync(
    join(contentDir, 'posts', `${slug}.md`),
    `---\ntitle: ${title}\ndate: ${at.toISOString()}\ncategories: [${category}]\n---\nBody of ${title}.\n`,
  );
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const feed = (await (await fetch(`${running.siteUrl}feed.json`)).json()) as {
      items: { title: string }[];
    };
    if (feed.items.some((i) => i.title === title)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${title} never published`);
}

beforeAll(async () => {
  cpSync(fixturePath('sites/golden'), contentDir, { recursive: true });
  writeFileSync(
    join(contentDir, 'site.yaml'),
    'title: Local News\nbaseUrl: https://local.example/\nauthor: Ann\nnewsletter:\n  from: Local News <news@local.example>\n  schedule: monday 09:00\n',
  );
  running = await startLocalMode(contentDir, dataDir);
}, 30_000);
afterAll(async () => {
  if (running?.child.exitCode === null) await stopLocalMode(running);
  rmSync(work, { recursive: true, force: true });
});

describe('newsletter in local mode', () => {
  it('subscribe, confirm from the outbox, digest, one-click unsubscribe, no further digest', async () => {
    const api = `${running.siteUrl}api/`;
    // The home page's form posts to the local API.
    expect(await (await fetch(running.siteUrl)).text()).toContain(`action="${api}subscribe"`);
    const subscribed = await fetch(`${api}subscribe`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'reader@example.org' }),
    });
    expect(subscribed.status).toBe(202);
    const [confirmation] = await mailTo('reader@example.org', 1);
    const confirm = /https?:\/\/\S+\/api\/confirm\?token=\S+/.exec(confirmation?.text ?? '')?.[0];
    expect(confirm).toBeDefined();
    const confirmed = await fetch(confirm ?? '');
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Subscribed');
    // The outbox page lists and renders the mail.
    expect(await (await fetch(`${running.siteUrl}_outbox/`)).text()).toContain(
      'Confirm your subscription to Local News',
    );

    await publishPost('fresh', 'Fresh From The Press', new Date(Date.now() - 60_000));
    // A digest carries what appeared on the site before its cut-off.
    const now = Date.now();
    // A preview shows what would go out and writes a sample, sending nothing.
    const preview = await herald('digest', '--now', new Date(now).toISOString(), '--preview');
    expect(preview).toContain('Fresh From The Press');
    const sample = /preview written to (\S+\.eml)/.exec(preview)?.[1] ?? 'missing';
    expect((await parseMail(readFileSync(resolve(sample)))).subject).toBe('Local News: Fresh From The Press');
    expect(readdirSync(outbox).filter((f) => f.endsWith('-reader@example.org.eml'))).toHaveLength(1);
    expect(await herald('digest', '--now', new Date(now).toISOString())).toContain('sent 1');
    const [, digest] = await mailTo('reader@example.org', 2);
    expect(digest?.subject).toBe('Local News: Fresh From The Press');
    expect(digest?.html).toContain(`href="${running.siteUrl}posts/fresh/"`);
    const post = digest?.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line;
    expect(post).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const unsubscribe =
      /<([^>]+)>/.exec(digest?.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '')?.[1] ?? '';
    expect(digest?.text).toContain(unsubscribe);

    // A link scanner's GET changes nothing; the one-click POST unsubscribes at once.
    expect((await fetch(unsubscribe)).status).toBe(200);
    expect(await herald('subscribers', 'list')).toMatch(/reader@example\.org\tactive/);
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.status).toBe(200);
    expect(await herald('subscribers', 'list')).toMatch(/reader@example\.org\tunsubscribed/);

    // A post after the first digest's cut-off, then the next digest: nothing for this reader.
    while (Date.now() < now + 1500) await new Promise((resolve) => setTimeout(resolve, 100));
    await publishPost('later', 'Later News', new Date());
    expect(await herald('digest', '--now', new Date(Date.now() + 1000).toISOString())).toContain(
      '1 posts; sent 0',
    );
    expect(readdirSync(outbox).filter((f) => f.endsWith('-reader@example.org.eml'))).toHaveLength(2);
  }, 60_000);

  it('mails a post uploaded late exactly once, and never a slug-conflict loser', async () => {
    const api = `${running.siteUrl}api/`;
    await fetch(`${api}subscribe`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'second@example.org' }),
    });
    const [confirmation] = await mailTo('second@example.org', 1);
    await fetch(/https?:\/\/\S+\/api\/confirm\?token=\S+/.exec(confirmation?.text ?? '')?.[0] ?? '');
    await herald('digest');
    // Dated two days ago (written then), uploaded now, after the digest; and a post that claims
    // the URL of an existing one, which the site does not publish.
    await publishPost('late', 'Late But Mailed', new Date(Date.now() - 2 * 86_400_000));
    writeFileSync(
      join(contentDir, 'posts', 'zz-copy.md'),
      '---\ntitle: Never Mailed\ndate: 2026-01-01\nslug: fresh\n---\nA copy.\n',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await herald('digest')).toContain('1 posts; sent 1');
    const mails = await mailTo('second@example.org', 2);
    expect(mails[1]?.subject).toBe('Local News: Late But Mailed');
    expect(mails[1]?.text).not.toContain('Never Mailed');
    expect(await herald('digest')).toContain('no new posts');
    expect(readdirSync(outbox).filter((f) => f.endsWith('-second@example.org.eml'))).toHaveLength(2);
  }, 60_000);

  it('a reader narrows categories on the preferences page from a digest; the next digest follows; the archive links every post', async () => {
    const api = `${running.siteUrl}api/`;
    await fetch(`${api}subscribe`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'prefs@example.org' }),
    });
    const [confirmation] = await mailTo('prefs@example.org', 1);
    await fetch(/https?:\/\/\S+\/api\/confirm\?token=\S+/.exec(confirmation?.text ?? '')?.[0] ?? '');
    await herald('digest');
    const written = new Date(Date.now() - 60_000);
    await publishPost('travel-notes', 'Travel Notes', written, 'Travel');
    await publishPost('news-item', 'News Item', written, 'News');
    const first = await herald('digest');
    const digestId = /Digest (\S+): 2 posts/.exec(first)?.[1];
    expect(digestId, first).toBeDefined();
    // Outbox file names need not sort by time: find each mail by its content.
    const digest = (await mailTo('prefs@example.org', 2)).find((m) => m.text?.includes('Travel Notes'));
    expect(digest?.text).toContain('Travel Notes');
    expect(digest?.text).toContain('News Item');

    // The digest's footer links to the reader's own page; GET shows it and changes nothing.
    const preferences = /https?:\/\/\S+\/api\/preferences\?token=\S+/.exec(digest?.text ?? '')?.[0] ?? '';
    expect(preferences).not.toBe('');
    const page = await fetch(preferences);
    expect(page.status).toBe(200);
    const form = await page.text();
    expect(form).toContain('prefs@example.org');
    expect(form).toMatch(/<input type="checkbox" name="categories" value="travel"> Travel/);
    expect(form).toMatch(/<input type="checkbox" name="categories" value="news"> News/);
    expect(await herald('subscribers', 'list')).toMatch(/^prefs@example\.org\tactive\tall posts\t/m);
    // The form posts the choice: Travel only.
    const saved = await fetch(preferences, {
      method: 'POST',
      body: new URLSearchParams([
        ['categories', 'travel'],
        ['action', 'save'],
      ]),
    });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved');
    expect(await herald('subscribers', 'list')).toMatch(/^prefs@example\.org\tactive\ttravel\t/m);

    // The next digest: a post in each category appeared; the reader gets the Travel one only.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await publishPost('more-travel', 'More Travel', new Date(), 'Travel');
    await publishPost('more-news', 'More News', new Date(), 'News');
    expect(await herald('digest')).toMatch(/: 2 posts; sent \d+/);
    const next = (await mailTo('prefs@example.org', 3)).find((m) => m.subject?.includes('More'));
    expect(next?.subject).toBe('Local News: More Travel');
    expect(next?.text).toContain('More Travel');
    expect(next?.text).not.toContain('More News');

    // The publish runs after the first digest (the uploads above) wrote its archive page, which
    // links every post it carried, the archive's list, and its feed.
    const archive = await fetch(`${running.siteUrl}newsletter/${digestId}/`);
    expect(archive.status).toBe(200);
    const archived = await archive.text();
    for (const slug of ['travel-notes', 'news-item'])
      expect(archived).toContain(`href="${running.siteUrl}posts/${slug}/"`);
    expect(await (await fetch(`${running.siteUrl}newsletter/`)).text()).toContain(
      `href="${running.siteUrl}newsletter/${digestId}/"`,
    );
    const feed = await (await fetch(`${running.siteUrl}newsletter/atom.xml`)).text();
    expect(xmlWellFormed(feed)).toBe(true);
    expect(await atomSchemaErrors(feed)).toEqual([]);
    expect(feed).toContain(`<id>${running.siteUrl}newsletter/${digestId}/</id>`);
  }, 90_000);

  it('imports a CSV, skipping invalid and suppressed addresses with reasons, and exports it', async () => {
    const csv = join(work, 'list.csv');
    writeFileSync(
      csv,
      '\uFEFFemail,categories\nann@example.org,News\nnot-an-address,\nANN@example.org,\nreader@example.org,\nbob@example.org,"News;Travel"\n',
    );
    const out = await herald('subscribers', 'import', csv);
    expect(out).toContain('list.csv:3: not-an-address: skipped: address');
    expect(out).toContain('list.csv:4: ANN@example.org: skipped: repeats line 2');
    expect(out).toContain('list.csv:5: reader@example.org: skipped: unsubscribed');
    expect(out).toContain('(CSV with an e-mail column): added 2 (2 active), updated 0, skipped 3.');
    const exported = await herald('subscribers', 'export');
    expect(exported.split('\n')[0]).toBe(
      'email,status,categories,source,requested_at,confirmed_at,ip,user_agent,note,unsubscribed_at,unsubscribed_via,suppressed_reason,suppressed_at,suppressed_detail,paused_at',
    );
    expect(exported).toMatch(/bob@example\.org,active,news;travel,import,/);
  }, 30_000);

  it('adds a subscriber to categories no post uses, with a warning naming them', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      HERALD,
      'subscribers',
      'add',
      'cat@example.org',
      '--categories',
      'Nwes, Nonexistent Cat, News',
      '--data',
      dataDir,
    ]);
    expect(stdout).toBe('cat@example.org: subscribed\n');
    expect(stderr.trimEnd().split('\n')).toEqual([
      'warning: --categories "Nwes": no post is in this category yet, so no digest will have posts for it (did you mean "News"?)',
      'warning: --categories "Nonexistent Cat": no post is in this category yet, so no digest will have posts for it',
    ]);
  }, 30_000);
});
