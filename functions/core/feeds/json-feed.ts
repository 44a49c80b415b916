import type { Person } from '../config/site-config.ts';
import type { FeedModel } from './feed-model.ts';

/**
 * Serialises a feed as JSON Feed 1.1. Written here rather than with `feed` 6, which emits JSON
 * Feed 1.0 (`author` instead of `authors`, no `language`, the item date as `date_modified` only).
 * @param model - the feed
 * @returns the JSON document
 */
export function renderJsonFeed(model: FeedModel): string {
  const document = {
    version: 'https://jsonfeed.org/version/1.1',
    title: model.title,
    home_page_url: model.homeUrl,
    feed_url: model.urls.json,
    description: model.description,
    language: model.language,
    authors: [jsonAuthor(model.author)],
    ...(model.hub ? { hubs: [{ type: 'WebSub', url: model.hub }] } : {}),
    items: model.items.map((item) => ({
      id: item.url,
      url: item.url,
      title: item.title,
      content_html: item.contentHtml,
      summary: item.summary,
      ...(item.image ? { image: item.image.url } : {}),
      date_published: item.published.toISOString(),
      date_modified: item.updated.toISOString(),
      authors: item.authors.map(jsonAuthor),
      tags: [...item.categories, ...item.tags].map((term) => term.name),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function jsonAuthor(person: Person): { name: string; url?: string } {
  return person.url ? { name: person.name, url: person.url } : { name: person.name };
}
