import type { Person } from '../config/site-config.ts';
import { textElement, writeXmlDocument, type XmlElement } from '../text/xml-writer.ts';
import type { FeedItem, FeedModel } from './feed-model.ts';
import { imageTypeOf } from './media-type.ts';

/**
 * Serialises a feed as Atom 1.0 (RFC 4287): feed and entry ids, `updated`, authors, summary and
 * full content, categories with `term` (required by the RFC) and `label`. Written with Herald's XML
 * writer rather than `feed` 6, which leaves `<` unescaped in attributes (a category named `a<b`
 * made the whole feed unreadable) and closes CDATA early on a second `]]>`.
 * @param model - the feed
 * @returns the XML document
 */
export function renderAtom(model: FeedModel): string {
  return writeXmlDocument({
    name: 'feed',
    // xml:lang tells readers the language of every text, as RSS's <language> does.
    attributes: { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': model.language },
    children: [
      ...textElement('id', model.urls.atom),
      ...textElement('title', model.title),
      ...textElement('updated', model.updated.toISOString()),
      ...textElement('generator', 'Herald'),
      atomPerson(model.author),
      { name: 'link', attributes: { rel: 'alternate', href: model.homeUrl } },
      { name: 'link', attributes: { rel: 'self', href: model.urls.atom } },
      ...(model.hub ? [{ name: 'link', attributes: { rel: 'hub', href: model.hub } }] : []),
      ...textElement('subtitle', model.description || undefined),
      ...model.items.map((item) => atomEntry(item, model.homeUrl)),
    ],
  });
}

function atomEntry(item: FeedItem, homeUrl: string): XmlElement {
  const image = item.image;
  return {
    name: 'entry',
    children: [
      // Titles and summaries are plain text: type="text" is read the same by every parser, where
      // type="html" came back entity-encoded from several (rss-parser, feedparser, feedsmith).
      { name: 'title', attributes: { type: 'text' }, children: [item.title] },
      ...textElement('id', item.url),
      { name: 'link', attributes: { href: item.url } },
      ...(image
        ? [
            {
              name: 'link',
              attributes: {
                rel: 'enclosure',
                href: image.url,
                type: imageTypeOf(image.url),
                length: image.length,
              },
            },
          ]
        : []),
      ...textElement('updated', item.updated.toISOString()),
      ...(item.summary ? [{ name: 'summary', attributes: { type: 'text' }, children: [item.summary] }] : []),
      ...htmlElement('content', item.contentHtml),
      ...item.authors.map(atomPerson),
      // The term is the name, as in RSS and JSON Feed; a category's scheme is where its pages live.
      ...item.categories.map(
        (term): XmlElement => ({
          name: 'category',
          attributes: { term: term.name, scheme: `${homeUrl}categories/` },
        }),
      ),
      ...item.tags.map((term): XmlElement => ({ name: 'category', attributes: { term: term.name } })),
      ...textElement('published', item.published.toISOString()),
    ],
  };
}

function htmlElement(name: string, html: string): XmlElement[] {
  return html === '' ? [] : [{ name, attributes: { type: 'html' }, children: [{ cdata: html }] }];
}

function atomPerson(person: Person): XmlElement {
  return {
    name: 'author',
    children: [
      ...textElement('name', person.name),
      ...textElement('email', person.email),
      ...textElement('uri', person.url),
    ],
  };
}
