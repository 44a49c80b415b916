import { pageAlternates, siteLanguageLinks, type TranslationLink } from '../config/language-site.ts';
import type { SiteConfig } from '../config/site-config.ts';
import { FEED_FORMATS } from '../feeds/feed-model.ts';
import { siteUrl } from '../posts/permalink.ts';
import type { Post, Term } from '../posts/post.ts';
import { type Taxonomy, termFolder } from '../site/taxonomies.ts';
import { longDate } from '../text/long-date.ts';
import { withHeadingAnchors } from './heading-anchors.ts';
import { type Html, html, raw } from './html.ts';
import { opensWithImage, readingMinutes } from './post-extras.ts';
import { THEME_CSS } from './theme.ts';

/** A link to a page: its title and absolute URL. */
export interface Link {
  title: string;
  url: string;
}

/** A post as list pages show it. */
export interface ListItem {
  title: string;
  url: string;
  /** ISO 8601. */
  published: string;
  summary: string;
  categories: Term[];
}

/** One feed of the site in its three formats, for autodiscovery and the feeds page. */
export interface FeedSet {
  title: string;
  /** `` or `categories/<slug>/`. */
  folder: string;
}

const FEED_LINKS = [
  { format: FEED_FORMATS.rss, type: 'application/rss+xml', label: 'RSS' },
  { format: FEED_FORMATS.atom, type: 'application/atom+xml', label: 'Atom' },
  { format: FEED_FORMATS.json, type: 'application/feed+json', label: 'JSON Feed' },
] as const;

interface LayoutOptions {
  title: string;
  description: string;
  /** Site-relative path of the page, e.g. `/posts/hello/`. */
  path: string;
  type: 'website' | 'article';
  image?: string;
  feeds: FeedSet[];
  body: Html;
  /** A post's translations, linked as `hreflang` alternates with the page itself. */
  translations?: readonly TranslationLink[] | undefined;
}

/** Answers kept per site configuration, at most `limit` of them a site. */
interface SiteMemo<T> {
  sites: WeakMap<SiteConfig, Map<string, T>>;
  limit: number;
}

/** The answer for `key` on `site`, computed once; a site past the limit starts over rather than growing. */
function remembered<T>(memo: SiteMemo<T>, site: SiteConfig, key: string, compute: () => T): T {
  let answers = memo.sites.get(site);
  if (answers === undefined) {
    answers = new Map();
    memo.sites.set(site, answers);
  }
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = compute();
    if (answers.size >= memo.limit) answers.clear();
    answers.set(key, answer);
  }
  return answer;
}

// A site's pages link to the same few paths (home, feeds, categories) thousands of times in a build,
// and resolving each against the base URL was a fifth of a post page's template time: every site
// keeps what it resolved. Page URLs themselves (canonical links) are not kept: each is used once.
const resolvedLinks: SiteMemo<string> = { sites: new WeakMap(), limit: 10_000 };

/** {@link siteUrl}, remembered per site. */
function linkTo(site: SiteConfig, path: string): string {
  return remembered(resolvedLinks, site, path, () => siteUrl(site, path));
}

/** The document around every page: head with canonical URL, social cards and feed autodiscovery. */
function layout(site: SiteConfig, page: LayoutOptions): string {
  const canonical = siteUrl(site, page.path);
  const languages = siteLanguageLinks(site);
  // A language's home page has an equivalent in every other language: its home; a post's are its
  // translations. Other pages have none.
  const links =
    page.path === '/' && languages.length > 0
      ? [...languages, { code: 'x-default', url: languages[0]?.url ?? site.baseUrl }]
      : pageAlternates(site, canonical, page.translations ?? []);
  const alternates = html`${links.map((l) => html`<link rel="alternate" hreflang="${l.code}" href="${l.url}">\n`)}`;
  const languageNav =
    languages.length > 0
      ? html`<nav aria-label="Languages"><ul>${languages.map((l) => html`<li><a href="${l.url}" hreflang="${l.code}" lang="${l.code}"${l.current ? raw(' aria-current="true"') : ''}>${l.name}</a></li>`)}</ul></nav>\n`
      : '';
  const title = page.path === '/' ? site.title : `${page.title} – ${site.title}`;
  return `<!doctype html>\n${html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${page.description}">
<link rel="canonical" href="${canonical}">
${alternates}<meta property="og:site_name" content="${site.title}">
<meta property="og:type" content="${page.type}">
<meta property="og:title" content="${page.title}">
<meta property="og:description" content="${page.description}">
<meta property="og:url" content="${canonical}">
${page.image ? html`<meta property="og:image" content="${page.image}">\n` : ''}<meta name="twitter:card" content="${page.image ? 'summary_large_image' : 'summary'}">
${page.feeds.map((feed) => FEED_LINKS.map(({ format, type }) => html`<link rel="alternate" type="${type}" title="${feed.title}" href="${linkTo(site, feed.folder + format.file)}">\n`))}<style>${raw(THEME_CSS)}</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="site">
<a class="name" href="${site.baseUrl}">${site.title}</a>
<nav aria-label="Site"><ul><li><a href="${linkTo(site, '/')}">Home</a></li><li><a href="${linkTo(site, '/feeds/')}">Feeds</a></li></ul></nav>
${languageNav}</header>
<main id="content">
${page.body}
</main>
<footer class="site">
<p>${site.description || site.title}</p>
<p class="feeds">Follow: ${FEED_LINKS.map(({ format, label }) => html`<a href="${linkTo(site, format.file)}">${label}</a> `)}</p>
</footer>
</body>
</html>
`}`;
}

// Each post's date is shown on its page and on every list page holding it (the site's, its
// categories', tags' and series'): the markup of a date is kept per site, as links are.
const datesShown: SiteMemo<Html> = { sites: new WeakMap(), limit: 20_000 };

/** A date as pages show it, in the site's language and time zone, machine-readable too. */
export function dateText(site: SiteConfig, iso: string): Html {
  return remembered(datesShown, site, iso, () => {
    const instant = new Date(iso);
    return html`<time datetime="${instant.toISOString()}">${longDate(site.language, site.timezone, instant)}</time>`;
  });
}

function categoryLinks(site: SiteConfig, categories: Term[]): Html {
  return termLinks(site, 'categories', categories);
}

/** Links to the pages of a post's categories, tags or series. */
function termLinks(site: SiteConfig, taxonomy: Taxonomy, terms: readonly Term[]): Html {
  return html`${terms.map((t, i) => html`${i > 0 ? ', ' : ''}<a href="${linkTo(site, termFolder(taxonomy, t.slug))}">${t.name}</a>`)}`;
}

function siteFeeds(site: SiteConfig): FeedSet {
  return { title: site.title, folder: '' };
}

/**
 * A post's page: title, date, author, reading time, categories, image (unless the body opens with
 * it), body, tags, links to its neighbours.
 * @param newer - the next post in time, if any
 * @param older - the previous post in time, if any
 * @param translations - its translations in the site's other languages
 */
export function postPage(
  site: SiteConfig,
  post: Post,
  newer: Link | undefined,
  older: Link | undefined,
  translations?: readonly TranslationLink[],
): string {
  const minutes = readingMinutes(post.contentHtml);
  const cover =
    post.image !== undefined && !opensWithImage(post.contentHtml, post.image) ? post.image : undefined;
  const body = html`<article>
<h1>${post.title}</h1>
<p class="meta">${dateText(site, post.published)} · ${post.authors.map((a) => a.name).join(', ')} · ${minutes} min read${post.categories.length > 0 ? html` · ${categoryLinks(site, post.categories)}` : ''}</p>
${cover ? html`<figure class="cover"><img src="${cover}" alt="${post.title}"></figure>\n` : ''}${raw(withHeadingAnchors(post.contentHtml))}
${post.series?.length ? html`<p class="series">Series: ${termLinks(site, 'series', post.series)}</p>\n` : ''}${post.tags.length > 0 ? html`<p class="tags">Tags: ${termLinks(site, 'tags', post.tags)}</p>\n` : ''}</article>
<nav class="neighbours" aria-label="More posts">
${older ? html`<a rel="prev" href="${older.url}">← ${older.title}</a>` : html`<span></span>`}
${newer ? html`<a rel="next" href="${newer.url}">${newer.title} →</a>` : html`<span></span>`}
</nav>`;
  return layout(site, {
    title: post.title,
    description: post.summary,
    path: post.path,
    type: 'article',
    ...(post.image ? { image: post.image } : {}),
    translations,
    feeds: [
      siteFeeds(site),
      ...post.categories.map((c) => ({ title: `${site.title}: ${c.name}`, folder: `categories/${c.slug}/` })),
    ],
    body,
  });
}

/** What a list page shows and links to. */
export interface ListPageOptions {
  heading: string;
  description: string;
  path: string;
  items: ListItem[];
  newer?: Link;
  older?: Link;
  /** The feeds this list mirrors (the site's, or a category's too). */
  feeds: FeedSet[];
  /** On a category's pages: its subscribe form asks for that category's posts only. */
  category?: Term;
  /** Text shown under the heading (a category's description from its `_index.md`). */
  intro?: string;
}

/** The home page, a category page or an archive page: posts with summaries, and pagination. */
export function listPage(site: SiteConfig, page: ListPageOptions): string {
  const feed = page.feeds[page.feeds.length - 1] ?? siteFeeds(site);
  const body = html`<h1>${page.heading}</h1>
${
  page.intro
    ? html`<p>${page.intro}</p>
`
    : ''
}<p class="meta feeds">Subscribe: ${FEED_LINKS.map(({ format, label }) => html`<a href="${linkTo(site, feed.folder + format.file)}">${label}</a> `)}</p>
${site.subscribeUrl ? subscribeForm(site.subscribeUrl, page.category) : ''}<ol class="posts">
${page.items.map(
  (item) => html`<li><article><h2><a href="${item.url}">${item.title}</a></h2>
<p class="meta">${dateText(site, item.published)}${item.categories.length > 0 ? html` · ${categoryLinks(site, item.categories)}` : ''}</p>
<p>${item.summary}</p></article></li>
`,
)}</ol>
<nav class="pages" aria-label="Pages">
${page.newer ? html`<a rel="prev" href="${page.newer.url}">← ${page.newer.title}</a>` : html`<span></span>`}
${page.older ? html`<a rel="next" href="${page.older.url}">${page.older.title} →</a>` : html`<span></span>`}
</nav>`;
  return layout(site, {
    title: page.heading,
    description: page.description,
    path: page.path,
    type: 'website',
    feeds: page.feeds,
    body,
  });
}

function subscribeForm(action: string, category: Term | undefined): Html {
  // The API takes category names or slugs; the name reads better in the consent record.
  return html`<form class="subscribe" method="post" action="${action}">
<label for="subscribe-email">${category ? `Get new posts in ${category.name} by e-mail` : 'Get new posts by e-mail'}</label>
${
  category
    ? html`<input type="hidden" name="categories" value="${category.name}">
`
    : ''
}
<input id="subscribe-email" name="email" type="email" autocomplete="email" required placeholder="you@example.com">
<button type="submit">Subscribe</button>
</form>
`;
}

/**
 * The page a person sees on opening /feeds/ in a browser: what a feed is, how to subscribe, every
 * feed of the site, and the latest posts. (Browsers are dropping XSLT, so feeds themselves stay XML.)
 */
export function feedsPage(site: SiteConfig, feeds: FeedSet[], latest: ListItem[]): string {
  const body = html`<h1>Follow ${site.title}</h1>
<p>A feed lets a feed reader (NetNewsWire, Feedly, Inoreader, Thunderbird…) show you each new post as it is published. Copy a feed's address into your reader's "add subscription" box; most readers also find the feeds from this site's address alone.</p>
<p>Each feed comes in three formats with the same posts: RSS and Atom work everywhere; JSON Feed suits newer readers.</p>
<h2>Feeds</h2>
<ul>
${feeds.map(
  (
    feed,
  ) => html`<li>${feed.title}: ${FEED_LINKS.map(({ format, label }) => html`<a href="${linkTo(site, feed.folder + format.file)}">${label}</a> `)}</li>
`,
)}</ul>
<h2>Latest posts</h2>
<ol class="posts">
${latest.map((item) => html`<li><a href="${item.url}">${item.title}</a> <span class="meta">${dateText(site, item.published)}</span></li>\n`)}</ol>`;
  return layout(site, {
    title: 'Feeds',
    description: `How to follow ${site.title} in a feed reader`,
    path: '/feeds/',
    type: 'website',
    feeds,
    body,
  });
}

/** The frame of the newsletter archive's pages: the site's layout, with the site's feeds. */
export function archiveLayout(
  site: SiteConfig,
  page: { title: string; description: string; path: string; body: Html },
): string {
  return layout(site, { ...page, type: 'website', feeds: [siteFeeds(site)] });
}

/** The page served for a missing path. */
export function notFoundPage(site: SiteConfig): string {
  const body = html`<h1>Page not found</h1>
<p>There is nothing at this address. It may have moved: the <a href="${site.baseUrl}">home page</a> lists the newest posts, and the <a href="${linkTo(site, '/feeds/')}">feeds</a> every post.</p>`;
  return layout(site, {
    title: 'Page not found',
    description: 'There is nothing at this address.',
    path: '/404.html',
    type: 'website',
    feeds: [siteFeeds(site)],
    body,
  });
}

/**
 * A sitemap of some of the site's pages.
 * @param urls - absolute URLs with their last change (ISO 8601)
 */
export function sitemap(urls: { loc: string; lastmod?: string }[]): string {
  const entries = urls.map(
    (u) => html`  <url><loc>${u.loc}</loc>${u.lastmod ? html`<lastmod>${u.lastmod}</lastmod>` : ''}</url>\n`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${html`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries}</urlset>\n`}`;
}

/**
 * A sitemap index: the sitemaps of the site, each an absolute URL.
 * @param urls - absolute URLs of sitemaps at the site's root (a sitemap may only list URLs below its own folder)
 */
export function sitemapIndex(urls: string[]): string {
  const entries = urls.map((loc) => html`  <sitemap><loc>${loc}</loc></sitemap>\n`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${html`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${entries}</sitemapindex>\n`}`;
}
