import type { Command } from 'commander';
import type { StartOptions } from './local-actions.ts';
import { parseHttpUrl, parsePort, parseShardSize } from './option-values.ts';

/** Adds `herald start` and `herald rebuild` (local mode) to the CLI. */
export function addLocalCommands(program: Command): void {
  program
    .command('start')
    .description(
      'preview and run Herald locally: sync and watch the content folder, publish every change (feeds and pages) with the same code as in AWS, serve the site with live reload, and offer an S3 endpoint, the subscribe API and an outbox for digests',
    )
    .option('--content <dir>', 'content folder to sync and watch', 'content')
    .option('--data <dir>', 'where buckets and state are kept across restarts', '.herald')
    .option('--port <port>', 'port of the site (0: any free port)', parsePort, 8080)
    .option('--s3-port <port>', 'port of the S3 endpoint (0: any free port)', parsePort, 4569)
    .option('--base-url <url>', 'baseUrl of the feeds (default: the local site URL)', parseHttpUrl)
    .option('--drafts', 'preview draft posts too, marked [Draft] (never published to the site bucket)')
    .option('--future', 'preview scheduled posts too, marked [Scheduled] (never published early)')
    .option('--verbose', 'log every tick and sync, and show where an error came from')
    .action(async (options: StartOptions) => (await import('./local-actions.ts')).start(options));

  program
    .command('rebuild')
    .description(
      "rebuild local mode's state, every feed and every page from its content bucket (after a change the watcher missed, or as recovery); it fans out in shards as in AWS, and an interrupted rebuild resumes when run again",
    )
    .option('--data <dir>', 'local mode data folder', '.herald')
    .option(
      '--endpoint <url>',
      'S3 endpoint of a running local mode (found in the data folder when omitted)',
      parseHttpUrl,
    )
    .option('--base-url <url>', 'baseUrl of the feeds (default: what local mode last used)', parseHttpUrl)
    .option('--shard-size <posts>', 'posts per shard of the rebuild (default 2000)', parseShardSize)
    .option('--verbose', 'show where an error came from')
    .action(async (options: { data: string; endpoint?: string; baseUrl?: string; shardSize?: number }) =>
      (await import('./local-actions.ts')).rebuild(options),
    );
}
