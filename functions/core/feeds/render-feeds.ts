import type { SiteConfig } from '../config/site-config.ts';
import type { Post } from '../posts/post.ts';
import { renderAtom } from './atom.ts';
import { buildFeedModel, FEED_FORMATS, type FeedScope } from './feed-model.ts';
import { renderJsonFeed } from './json-feed.ts';
import { renderRss } from './rss.ts';

/** A file to publish: its key in the site bucket, its body and its media type. */
export interface OutputFile {
  key: string;
  body: string;
  contentType: string;
}

/**
 * Renders the RSS, Atom and JSON feeds of one scope.
 * @param site - site configuration
 * @param scope - the whole site or one category
 * @param posts - the scope's published posts, newest first
 * @param imageSizes - sizes of images published from `static/`, by absolute URL
 * @returns three files, e.g. `rss.xml` or `categories/how-to-tech/atom.xml`
 */
export function renderFeeds(
  site: SiteConfig,
  scope: FeedScope,
  posts: readonly Post[],
  imageSizes?: ReadonlyMap<string, number>,
): OutputFile[] {
  const model = buildFeedModel(site, scope, posts, imageSizes);
  return [
    {
      key: `${model.folder}${FEED_FORMATS.rss.file}`,
      body: renderRss(model),
      contentType: FEED_FORMATS.rss.contentType,
    },
    {
      key: `${model.folder}${FEED_FORMATS.atom.file}`,
      body: renderAtom(model),
      contentType: FEED_FORMATS.atom.contentType,
    },
    {
      key: `${model.folder}${FEED_FORMATS.json.file}`,
      body: renderJsonFeed(model),
      contentType: FEED_FORMATS.json.contentType,
    },
  ];
}
