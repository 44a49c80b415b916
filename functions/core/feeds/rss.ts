import { escapeHtml } from '../text/html-text.ts';
import { textElement, writeXmlDocument, type XmlElement } from '../text/xml-writer.ts';
import type { FeedItem, FeedModel } from './feed-model.ts';
import { imageTypeOf } from './media-type.ts';

/**
 * Serialises a feed as RSS 2.0 with `content:encoded`, `dc:creator` and an `atom:link` self link.
 * Titles are plain text written as hexadecimal references for `&` and `<`: the W3C validator flags
 * them as CDATA ("Encode & and < in plain text using hexadecimal character references") and readers
 * then show them inconsistently.
 * @param model - the feed
 * @returns the XML document
 */
export function renderRss(model: FeedModel): string {
  return writeXmlDocument({
    name: 'rss',
    attributes: {
      version: '2.0',
      // Declared always: an item without content still has dc:creator.
      'xmlns:dc': 'http://purl.org/dc/elements/1.1/',
      'xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
      'xmlns:atom': 'http://www.w3.org/2005/Atom',
    },
    children: [
      {
        name: 'channel',
        children: [
          { name: 'title', children: [{ hexText: model.title }] },
          ...textElement('link', model.homeUrl),
          ...textElement('description', model.description),
          ...textElement('lastBuildDate', model.updated.toUTCString()),
          ...textElement('docs', 'https://validator.w3.org/feed/docs/rss2.html'),
          ...textElement('generator', 'Herald'),
          ...textElement('language', model.language),
          {
            name: 'atom:link',
            attributes: { href: model.urls.rss, rel: 'self', type: 'application/rss+xml' },
          },
          ...(model.hub ? [{ name: 'atom:link', attributes: { href: model.hub, rel: 'hub' } }] : []),
          ...model.items.map(rssItem),
        ],
      },
    ],
  });
}

function rssItem(item: FeedItem): XmlElement {
  const image = item.image;
  const imageType = image === undefined ? undefined : imageTypeOf(image.url);
  return {
    name: 'item',
    children: [
      { name: 'title', children: [{ hexText: item.title }] },
      ...textElement('link', item.url),
      { name: 'guid', attributes: { isPermaLink: 'true' }, children: [item.url] },
      ...textElement('pubDate', item.published.toUTCString()),
      ...(item.summary ? [{ name: 'description', children: [{ cdata: escapeHtml(item.summary) }] }] : []),
      ...(item.contentHtml ? [{ name: 'content:encoded', children: [{ cdata: item.contentHtml }] }] : []),
      ...[...item.categories, ...item.tags].flatMap((term) => textElement('category', term.name)),
      // The validator rejects an enclosure whose length is unknown or 0, so only images that Herald
      // publishes itself (and so can measure) become enclosures.
      ...(image?.length && imageType
        ? [{ name: 'enclosure', attributes: { length: image.length, type: imageType, url: image.url } }]
        : []),
      // RSS <author> must be an e-mail address; names belong in dc:creator.
      ...item.authors.flatMap((person) => textElement('dc:creator', person.name)),
    ],
  };
}
