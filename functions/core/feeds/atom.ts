import type { Person } from '../config/site-config.ts';
import { encodeTitleForFeed, escapeHtml } from '../text/html-text.ts';
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
    attributes: { xmlns: 'http://www.w3.org/2005/Atom' },
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
      ...model.items.map(atomEntry),
    ],
  });
}

function atomEntry(item: FeedItem): XmlElement {
  const image = item.image;
  return {
    name: 'entry',
    children: [
      // Marked type="html": encode so readers show exactly the text the author typed.
      { name: 'title', attributes: { type: 'html' }, children: [{ cdata: encodeTitleForFeed(item.title) }] },
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
      ...htmlElement('summary', item.summary ? escapeHtml(item.summary) : ''),
      ...htmlElement('content', item.contentHtml),
      ...item.authors.map(atomPerson),
      ...[...item.categories, ...item.tags].map(
        (term): XmlElement => ({ name: 'category', attributes: { label: term.name, term: term.slug } }),
      ),
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
