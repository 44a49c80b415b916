import { Feed } from 'feed';
import { encodeTitleForFeed, escapeHtml } from '../text/html-text.ts';
import { stripXmlForbidden } from '../text/xml-safe.ts';
import type { FeedModel } from './feed-model.ts';
import { imageTypeOf } from './media-type.ts';

/**
 * Serialises a feed as Atom 1.0 (RFC 4287): feed and entry ids, `updated`, authors, summary and
 * full content, categories with `term` (required by the RFC) and `label`.
 * @param model - the feed
 * @returns the XML document
 */
export function renderAtom(model: FeedModel): string {
  const feed = new Feed({
    title: model.title,
    description: model.description,
    id: model.urls.atom,
    link: model.homeUrl,
    language: model.language,
    updated: model.updated,
    generator: 'Herald',
    author: model.author,
    feedLinks: { atom: model.urls.atom },
    ...(model.hub ? { hub: model.hub } : {}),
  });
  for (const item of model.items) {
    feed.addItem({
      // `feed` marks titles type="html": encode so readers show exactly the text the author typed.
      title: encodeTitleForFeed(item.title),
      id: item.url,
      link: item.url,
      date: item.updated,
      published: item.published,
      description: escapeHtml(item.summary),
      content: item.contentHtml,
      author: item.authors.map((p) => ({
        name: p.name,
        ...(p.email ? { email: p.email } : {}),
        ...(p.url ? { link: p.url } : {}),
      })),
      category: [...item.categories, ...item.tags].map((term) => ({ term: term.slug, name: term.name })),
      ...(item.image
        ? { image: item.image.length ? { url: item.image.url, length: item.image.length } : item.image.url }
        : {}),
    });
  }
  return stripXmlForbidden(withImageTypes(feed.atom1()));
}

// `feed` derives an enclosure's type from the file extension (`image/jpg`, `image/svg`), which are
// not media types; readers that filter enclosures by type then drop them.
function withImageTypes(xml: string): string {
  return xml.replace(/<link rel="enclosure"[^>]*>/g, (tag) =>
    tag.replace(/ type="image\/([a-z0-9]+)"/, (whole, extension: string) => {
      const type = imageTypeOf(`x.${extension}`);
      return type === undefined ? whole : ` type="${type}"`;
    }),
  );
}
