import { Feed } from 'feed';
import { encodeTitleForFeed, escapeHtml } from '../text/html-text.ts';
import { stripXmlForbidden } from '../text/xml-safe.ts';
import type { FeedModel } from './feed-model.ts';
import { imageTypeOf } from './media-type.ts';

const GENERATOR = 'Herald';

/**
 * Serialises a feed as RSS 2.0 with `content:encoded`, `dc:creator` and an `atom:link` self link.
 *
 * `feed` 6 writes titles as CDATA, which the W3C validator flags ("Encode & and < in plain text
 * using hexadecimal character references") and readers then show inconsistently. Titles therefore
 * go in as unique placeholders and are swapped for hex-encoded text afterwards.
 * @param model - the feed
 * @returns the XML document
 */
export function renderRss(model: FeedModel): string {
  const titles = new Map<string, string>();
  const placeholder = (title: string): string => {
    const token = `herald-title-${titles.size}-placeholder`;
    titles.set(token, title);
    return token;
  };
  const feed = new Feed({
    title: placeholder(model.title),
    description: model.description,
    id: model.homeUrl,
    link: model.homeUrl,
    language: model.language,
    updated: model.updated,
    generator: GENERATOR,
    feedLinks: { rss: model.urls.rss },
    ...(model.hub ? { hub: model.hub } : {}),
  });
  for (const item of model.items) {
    const image = item.image;
    const imageType = image === undefined ? undefined : imageTypeOf(image.url);
    feed.addItem({
      title: placeholder(item.title),
      link: item.url,
      date: item.published,
      description: escapeHtml(item.summary),
      content: item.contentHtml,
      category: [...item.categories, ...item.tags].map((term) => ({ name: term.name })),
      // The validator rejects an enclosure whose length is unknown or 0, so only images that Herald
      // publishes itself (and so can measure) become enclosures.
      ...(image?.length && imageType
        ? { image: { url: image.url, type: imageType, length: image.length } }
        : {}),
      // RSS <author> must be an e-mail address; names belong in dc:creator.
      extensions: item.authors.map((person) => ({ name: 'dc:creator', objects: { _text: person.name } })),
    });
  }
  let xml = feed.rss2();
  for (const [token, title] of titles) {
    xml = xml
      .replace(`<![CDATA[${token}]]>`, () => xmlHexText(title))
      .replace(`>${token}<`, () => `>${xmlHexText(title)}<`);
  }
  return stripXmlForbidden(xml);
}

/** Plain text for an XML element: `&` and `<` as hexadecimal references, `>` as `&gt;`. */
function xmlHexText(text: string): string {
  return encodeTitleForFeed(text).replace(/>/g, '&gt;');
}
