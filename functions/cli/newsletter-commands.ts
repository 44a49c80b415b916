import type { Command } from 'commander';
import { parseHttpUrl, parseInstant } from './option-values.ts';

const DATA = ['--data <dir>', 'local mode data folder', '.herald'] as const;
const ENDPOINT = [
  '--endpoint <url>',
  "S3 endpoint: a running local mode's (found in the data folder when omitted), or an S3-compatible server with --stack/--bucket",
  parseHttpUrl,
] as const;
const VERBOSE = ['--verbose', 'show where an error came from'] as const;
const actions = () => import('./newsletter-actions.ts');

/** Local mode's folder, or a deployed stack: the options every newsletter command takes. */
function target(command: Command): Command {
  return command
    .option(...DATA)
    .option(...ENDPOINT)
    .option('--stack <name>', 'a deployed Herald stack: buckets and secret from its CloudFormation outputs')
    .option(
      '--bucket <name>',
      'a deployed newsletter bucket (the NewsletterBucketName output), instead of --stack',
    )
    .option(
      '--secret <arn>',
      'the link-signing secret in Secrets Manager (NewsletterSecretArn), with --bucket',
    )
    .option('--secret-file <file>', "a file holding the secret's value, instead of Secrets Manager")
    .option('--content-bucket <name>', 'the content bucket (site.yaml), with --bucket, for digest --preview')
    .option('--state-bucket <name>', 'the publish state bucket, with --bucket, for digest --preview')
    .option(
      '--api-url <url>',
      "the newsletter API's URL (NewsletterApiUrl), with --bucket, for links in previews",
      parseHttpUrl,
    )
    .option('--region <region>', "AWS region (default: AWS_REGION or your profile's)")
    .option(
      '--profile <name>',
      'AWS profile from ~/.aws/config (default: AWS_PROFILE); credentials follow the standard chain',
    )
    .option(...VERBOSE);
}

/** Adds `herald digest` and `herald subscribers …` (local mode's or a deployed stack's newsletter) to the CLI. */
export function addNewsletterCommands(program: Command): void {
  target(program.command('digest'))
    .description('send the e-mail digest of posts published since the last one (to the outbox in local mode)')
    .option('--now <iso>', 'the digest time (default: now), e.g. 2026-11-30T09:00:00Z', parseInstant)
    .option('--preview', 'show what would be sent and write one sample .eml; send nothing, change nothing')
    .action(async (options) => (await actions()).digest(options));

  const subscribers = program
    .command('subscribers')
    .description('manage the subscriber list of local mode or of a deployed stack (--stack)');
  target(subscribers.command('list'))
    .description('every subscriber with status, categories and consent')
    .action(async (options) => (await actions()).list(options));
  target(subscribers.command('add <email>'))
    .description('subscribe an address at once (you vouch for its consent)')
    .option('--categories <list>', 'comma-separated categories (default: every post)')
    .action(async (email: string, options) => (await actions()).add(email, options));
  target(subscribers.command('remove <email>'))
    .description('unsubscribe an address (the record stays as evidence)')
    .option('--forget', 'erase the record entirely (a request to be forgotten)')
    .action(async (email: string, options) => (await actions()).remove(email, options));
  target(subscribers.command('import <files...>'))
    .description(
      'import subscriber lists: Herald, Mailchimp (subscribed, unsubscribed, cleaned), Substack, Buttondown or listmonk exports, a CSV with an email column, or one address a line',
    )
    .action(async (files: string[], options) => (await actions()).importFiles(files, options));
  target(subscribers.command('export'))
    .description(
      'write every address with its status, categories and consent evidence as CSV (imports back as it was)',
    )
    .option('--out <file>', 'file to write (default: standard output)')
    .action(async (options) => (await actions()).exportCsv(options));
}
