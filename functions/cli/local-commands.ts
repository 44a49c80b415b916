import type { Command } from 'commander';
import { HeraldError } from '../core/errors.ts';
import type { StartOptions } from './local-actions.ts';

/** Adds `herald start` and `herald rebuild` (local mode) to the CLI. */
export function addLocalCommands(program: Command): void {
  program
    .command('start')
    .description(
      'run Herald locally: an S3 endpoint, the publish handler on every change, the site over HTTP',
    )
    .option('--content <dir>', 'content folder to sync and watch', 'content')
    .option('--data <dir>', 'where buckets and state are kept across restarts', '.herald')
    .option('--port <port>', 'port of the site (0: any free port)', '8080')
    .option('--s3-port <port>', 'port of the S3 endpoint (0: any free port)', '4569')
    .option('--base-url <url>', 'baseUrl of the feeds (default: the local site URL)')
    .action(async (options: StartOptions) => {
      try {
        await (await import('./local-actions.ts')).start(options);
      } catch (error) {
        // A taken port or a bad folder is the user's to fix: say so, without a stack trace.
        if (!(error instanceof HeraldError)) throw error;
        console.error(`herald start: ${error.message}`);
        process.exit(2);
      }
    });

  program
    .command('rebuild')
    .description('rebuild state and every feed of local mode from its content bucket')
    .option('--data <dir>', 'local mode data folder', '.herald')
    .option('--endpoint <url>', 'S3 endpoint of a running local mode (found in the data folder when omitted)')
    .option('--base-url <url>', 'baseUrl of the feeds (default: what local mode last used)')
    .action(async (options: { data: string; endpoint?: string; baseUrl?: string }) =>
      (await import('./local-actions.ts')).rebuild(options),
    );
}
