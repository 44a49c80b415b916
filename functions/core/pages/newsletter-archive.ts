// The web archive of sent digests: /newsletter/ lists them, /newsletter/<id>/ shows one with a link
// to each of its posts, /newsletter/atom.xml is a feed of them. Pure: digests in, pages out.
import type { SiteConfig } from '../config/site-config.ts';
import type { DigestPost } from '../newsletter/digest-posts.ts';
import { siteUrl } from '../posts/permalink.ts';
import { textElement, writeXmlDocument, type XmlElement } from '../text/xml-writer.ts';
import { html } from './html.ts';
import type { PlannedPage } from './page-plan.ts';
import { archiveLayout, dateText } from './templates.ts';

/** A digest as the archive keeps it: what went out, summaries only. */
export interface ArchivedDigest {
  id: string;
  /** The digest's cut-off (ISO 8601): its date in the archive. */
  until: string;
  posts: DigestPost[];
}

/** The title of a digest in the list and the feed: as its subject said it. */
export function digestTitle(site: SiteConfig, digest: ArchivedDigest): string {
  const [first] = digest.posts;
  if (first === undefined) return site.title;
  return digest.posts.length === 1
    ? `${site.title}: ${first.title}`
    : `${site.title}: ${first.title} and ${digest.posts.length - 1} more`;
}

/**
 * The archive's pages, to be written with the site's other pages (only those whose inputs
 * changed). Newest digest first.
 */
export function archivePages(site: SiteConfig, digests: readonly ArchivedDigest[]): PlannedPage[] {
  const sorted = [...digests].sort((a, b) => (a.until < b.until ? 1 : a.until > b.until ? -1 : 0));
  const pages: PlannedPage[] = sorted.map((digest) => ({
    key: `newsletter/${digest.id}/index.html`,
    inputs: ['digest', digest],
    needs: [],
    render: () => digestPage(site, digest),
  }));
  pages.push({
    key: 'newsletter/index.html',
    inputs: ['digests', sorted.map((d) => [d.id, d.until, digestTitle(site, d)])],
    needs: [],
    render: () => digestListPage(site, sorted),
  });
  pages.push({
    key: 'newsletter/atom.xml',
    inputs: ['digest feed', sorted.slice(0, site.feedLimit)],
    needs: [],
    render: () => digestFeed(site, sorted.slice(0, site.feedLimit)),
  });
  return pages;
}

function digestListPage(site: SiteConfig, digests: readonly ArchivedDigest[]): string {
  const body = html`<h1>Newsletter archive</h1>
<p>Every e-mail digest ${site.title} has sent, newest first. <a href="${siteUrl(site, 'newsletter/atom.xml')}">Atom feed of the digests</a>.</p>
${
  digests.length === 0
    ? html`<p>No digest has been sent yet.</p>`
    : html`<ol class="posts">
${digests.map(
  (d) =>
    html`<li><a href="${siteUrl(site, `newsletter/${d.id}/`)}">${digestTitle(site, d)}</a> <span class="meta">${dateText(site, d.until)} · ${d.posts.length === 1 ? '1 post' : `${d.posts.length} posts`}</span></li>\n`,
)}</ol>`
}`;
  return archiveLayout(site, {
    title: 'Newsletter archive',
    description: `Every e-mail digest of ${site.title}`,
    path: '/newsletter/',
    body,
  });
}

function digestPage(site: SiteConfig, digest: ArchivedDigest): string {
  const title = digestTitle(site, digest);
  const body = html`<p class="meta"><a href="${siteUrl(site, 'newsletter/')}">Newsletter archive</a> · sent ${dateText(site, digest.until)}</p>
<h1>${title}</h1>
<ol class="posts">
${digest.posts.map(
  (post) => html`<li><article><h2><a href="${post.url}">${post.title}</a></h2>
<p class="meta">${dateText(site, post.published)}${post.categories.length > 0 ? ` · ${post.categories.map((c) => c.name).join(', ')}` : ''}</p>
<p>${post.summary}</p></article></li>
`,
)}</ol>`;
  return archiveLayout(site, {
    title,
    description: `The ${site.title} digest of ${digest.until.slice(0, 10)}`,
    path: `/newsletter/${digest.id}/`,
    body,
  });
}

/** An Atom feed of the digests: one entry per digest, its posts as links. */
function digestFeed(site: SiteConfig, digests: readonly ArchivedDigest[]): string {
  const self = siteUrl(site, 'newsletter/atom.xml');
  const updated = digests[0]?.until ?? '1970-01-01T00:00:00.000Z';
  const entries: XmlElement[] = digests.map((d) => {
    const url = siteUrl(site, `newsletter/${d.id}/`);
    const list = d.posts.map((p) => html`<li><a href="${p.url}">${p.title}</a></li>`).join('');
    return {
      name: 'entry',
      children: [
        ...textElement('id', url),
        { name: 'title', attributes: { type: 'text' }, children: [digestTitle(site, d)] },
        { name: 'link', attributes: { rel: 'alternate', type: 'text/html', href: url } },
        ...textElement('updated', new Date(d.until).toISOString()),
        { name: 'content', attributes: { type: 'html' }, children: [`<ul>${list}</ul>`] },
      ],
    };
  });
  return writeXmlDocument({
    name: 'feed',
    attributes: { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': site.language },
    children: [
      ...textElement('id', self),
      { name: 'title', attributes: { type: 'text' }, children: [`${site.title}: newsletter`] },
      ...textElement('updated', new Date(updated).toISOString()),
      { name: 'link', attributes: { rel: 'self', type: 'application/atom+xml', href: self } },
      {
        name: 'link',
        attributes: { rel: 'alternate', type: 'text/html', href: siteUrl(site, 'newsletter/') },
      },
      { name: 'author', children: textElement('name', site.author.name) },
      ...entries,
    ],
  });
}
