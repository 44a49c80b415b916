import type { Command } from 'commander';
import { parseHttpUrl, parseInstant } from './option-values.ts';

const DATA = ['--data <dir>', 'local mode data folder', '.herald'] as const;
const ENDPOINT = [
  '--endpoint <url>',
  'S3 endpoint of a running local mode (found in the data folder when omitted)',
  parseHttpUrl,
] as const;
const VERBOSE = ['--verbose', 'show where an error came from'] as const;
const actions = () => import('./newsletter-actions.ts');

/** Adds `herald digest` and `herald subscribers …` (local mode's newsletter) to the CLI. */
export function addNewsletterCommands(program: Command): void {
  program
    .command('digest')
    .description('send the e-mail digest of posts published since the last one (to the outbox in local mode)')
    .option('--now <iso>', 'the digest time (default: now), e.g. 2026-11-30T09:00:00Z', parseInstant)
    .option('--preview', 'show what would be sent and write one sample .eml; send nothing, change nothing')
    .option(...DATA)
    .option(...ENDPOINT)
    .option(...VERBOSE)
    .action(async (options) => (await actions()).digest(options));

  const subscribers = program.command('subscribers').description('manage the subscriber list of local mode');
  subscribers
    .command('list')
    .description('every subscriber with status, categories and consent')
    .option(...DATA)
    .option(...ENDPOINT)
    .option(...VERBOSE)
    .action(async (options) => (await actions()).list(options));
  subscribers
    .command('add <email>')
    .description('subscribe an address at once (you vouch for its consent)')
    .option('--categories <list>', 'comma-separated categories (default: every post)')
    .option(...DATA)
    .option(...ENDPOINT)
    .option(...VERBOSE)
    .action(async (email: string, options) => (await actions()).add(email, options));
  subscribers
    .command('remove <email>')
    .description('unsubscribe an address (the record stays as evidence)')
    .option('--forget', 'erase the record entirely (a request to be forgotten)')
    .option(...DATA)
    .option(...ENDPOINT)
    .option(...VERBOSE)
    .action(async (email: string, options) => (await actions()).remove(email, options));
  subscribers
    .command('import <files...>')
    .description(
      'import subscriber lists: Herald, Mailchimp (subscribed, unsubscribed, cleaned), Substack, Buttondown or listmonk exports, a CSV with an email column, or one address a line',
    )
    .option(...DATA)
    .option(...ENDPOINT)
    .option(...VERBOSE)
    .action(async (files: string[], options) => (await actions()).importFiles(files, options));
  subscribers
    .command('export')
    .description(
      'write every address with its status, categories and consent evidence as CSV (imports back as it was)',
    )
    .option('--out <file>', 'file to write (default: standard output)')
    .option(...DATA)
    .option(...ENDPOINT)
    .option(...VERBOSE)
    .action(async (options) => (await actions()).exportCsv(options));
}
