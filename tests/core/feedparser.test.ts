import { Readable } from 'node:stream';
import FeedParser from 'feedparser';
import { describe, expect, it } from 'vitest';
import { renderFeeds } from '../../functions/core/feeds/render-feeds.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import { bytes, testSite } from '../helpers/site.ts';

// npm feedparser (what many Node aggregators use) removes every run of text shaped like an HTML tag
// with a known name (`<script>`, `<b>`) from feed and item titles, whatever the encoding: it calls
// its stripHtml on the decoded title (feedparser 2.6.0, lib/feedparser.js, item.title). No encoding
// a feed may use can keep `<script>` in a title for its users. What Herald controls: every other
// character comes back exactly as typed (ampersands, quotes, `]]>`, `<` that starts no tag), in RSS
// and Atom alike, and a tag-shaped title loses only the tag, never its surroundings.

/** Every item's title and the feed's title, as npm feedparser reads them. */
function readWithFeedparser(xml: string): Promise<{ title: string; items: string[] }> {
  return new Promise((resolve, reject) => {
    const parser = new FeedParser({});
    const items: string[] = [];
    let title = '';
    parser.on('error', reject);
    parser.on('meta', (meta: FeedParser.Meta) => {
      title = meta.title;
    });
    parser.on('readable', () => {
      for (let item = parser.read(); item !== null; item = parser.read()) items.push(item.title);
    });
    parser.on('end', () => resolve({ title, items }));
    Readable.from([xml]).pipe(parser);
  });
}

const TITLES = [
  'Escaping <script>alert(1)</script> & friends',
  'A ]]> inside <![CDATA[ and &amp; typed',
  'Quotes "double" \'single\' <b>bold</b>',
  'a < b && c > d, <<<NotHTML>>> and <3',
];
/** What feedparser makes of each title: the tags with known HTML names removed, nothing else. */
const READ_BACK = [
  'Escaping alert(1) & friends',
  'A ]]> inside <![CDATA[ and &amp; typed',
  'Quotes "double" \'single\' bold',
  'a < b && c > d, <<<NotHTML>>> and <3',
];

describe('titles read back by npm feedparser', () => {
  const site = testSite({ title: 'Site <script>x</script> & "Co" ]]>' });
  const posts = TITLES.map((title, i) =>
    renderPost(
      parsePost(
        {
          key: `posts/p${i}.md`,
          bytes: bytes(`---\ntitle: ${JSON.stringify(title)}\ndate: 2024-01-0${i + 1}\n---\nBody ${i}.\n`),
        },
        site,
      ),
    ),
  );
  const feeds = new Map(renderFeeds(site, { kind: 'site' }, posts).map((f) => [f.key, f.body]));

  it.each(['rss.xml', 'atom.xml'])(
    'returns every %s title as typed but for the tags it strips',
    async (key) => {
      const feed = await readWithFeedparser(feeds.get(key) ?? '');
      expect(feed.title).toBe('Site x & "Co" ]]>');
      expect(feed.items).toEqual(READ_BACK);
    },
  );

  it('reads a title with no tag in it back exactly, characters XML escapes included', async () => {
    const feed = await readWithFeedparser(feeds.get('rss.xml') ?? '');
    expect(feed.items[3]).toBe(TITLES[3]);
    expect(feed.items[1]).toBe(TITLES[1]);
  });
});
