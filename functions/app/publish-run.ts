import type { SiteConfig, SiteOverrides } from '../core/config/site-config.ts';
import type { PostError } from '../core/errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { HubNotifier } from '../ports/hub-notifier.ts';
import type { Logger } from '../ports/logger.ts';
import type { RebuildQueue } from '../ports/rebuild-queue.ts';
import type { PostIndex } from './post-index/post-index.ts';

/** The ports of the publish use-cases. */
export interface PublishDeps {
  /** The content bucket: `site.yaml`, `posts/**`, `static/**`. */
  content: BlobStore;
  /** The output bucket: feeds, pages and static files, served to readers. */
  output: BlobStore;
  /** Private state: the post index and the rendered records of posts. */
  state: BlobStore;
  /**
   * In another language's run, where `state` is that language's: the whole site's state, where the
   * other languages say which of a post's translations they publish.
   */
  siteState?: BlobStore;
  clock: Clock;
  log: Logger;
  /** Configuration that wins over `site.yaml` (e.g. the CloudFront URL as `baseUrl`). */
  overrides?: SiteOverrides;
  /** Told of changed feeds when site.yaml names a WebSub hub. */
  hub?: HubNotifier;
  /**
   * Where a rebuild fans out (shards rendered by parallel invocations); without it a rebuild is one
   * run, which a large site cannot finish within one Lambda invocation.
   */
  rebuild?: FanOut;
}

/** How a rebuild fans out. */
export interface FanOut {
  queue: RebuildQueue;
  /** Posts per shard (default 2,000: about 20 s of rendering in the 1,024 MB function). */
  shardSize?: number;
}

/** What one publish run did. */
export interface PublishReport {
  /** True when the whole site was rebuilt (first run, config change, explicit rebuild). */
  rebuilt: boolean;
  /** Content keys looked at. */
  processed: number;
  /** Posts published now; counted on a rebuild only (incremental runs do not read every post). */
  published?: number;
  /** Feed folders rewritten (`` is the site-wide feeds). */
  regenerated: string[];
  /** Feed folders removed because their category has no post left. */
  removed: string[];
  /** Pages written or removed (keys in the site bucket). */
  pages: string[];
  /** Posts that could not be published in this run, as file, field and reason. */
  failed: PostError[];
  /**
   * The id of a fan-out rebuild under way: this run started or resumed it, or (for changes) left
   * them to it, since its final step publishes whatever changed while it ran.
   */
  rebuilding?: string;
}

/** One publish run: its ports, the configuration, the index it updates and the instant it runs at. */
export interface PublishRun {
  deps: PublishDeps;
  config: SiteConfig;
  index: PostIndex;
  now: Date;
  /** Posts kept per feed head: enough spare that deleting a few posts needs no full read. */
  capacity: number;
}

/** Starts a run over an opened or rebuilding index. */
export function startRun(deps: PublishDeps, config: SiteConfig, index: PostIndex, now: Date): PublishRun {
  return { deps, config, index, now, capacity: config.feedLimit * 2 };
}
