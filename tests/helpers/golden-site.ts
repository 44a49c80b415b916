import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSiteConfig, type SiteConfig } from '../../functions/core/config/site-config.ts';
import { parsePost, renderPost } from '../../functions/core/posts/parse-post.ts';
import type { Post } from '../../functions/core/posts/post.ts';
import { fixturePath } from './fixtures.ts';

/** The golden fixture site parsed with the core alone: its config, posts and static image sizes. */
export function loadGoldenSite(): { site: SiteConfig; posts: Post[]; imageSizes: Map<string, number> } {
  const root = fixturePath('sites/golden');
  const site = parseSiteConfig(readFileSync(join(root, 'site.yaml'), 'utf8'));
  const posts = readdirSync(join(root, 'posts'))
    .sort()
    .map((name) =>
      renderPost(parsePost({ key: `posts/${name}`, bytes: readFileSync(join(root, 'posts', name)) }, site)),
    );
  const image = join(root, 'static/images/diagram.png');
  const imageSizes = new Map([[`${site.baseUrl}images/diagram.png`, statSync(image).size]]);
  return { site, posts, imageSizes };
}
