// The actions of `herald digest` and `herald subscribers`, loaded only when one runs. They work on
// local mode's buckets or a deployed stack's, with the same use-cases the Lambda functions run.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { fixedClock, systemClock } from '../adapters/clocks.ts';
import { FsBlobStore } from '../adapters/fs-blob-store.ts';
import { textLogger } from '../adapters/loggers.ts';
import { MemoryDigestQueue } from '../adapters/memory-digest-queue.ts';
import { OutboxMailer } from '../adapters/outbox-mailer.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { loadSiteConfig } from '../app/load-site-config.ts';
import { DigestComposer } from '../app/newsletter/digest-composer.ts';
import {
  addSubscriber,
  type ManageDeps,
  removeSubscriber,
  unusedCategories,
} from '../app/newsletter/manage-subscribers.ts';
import { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import { planDigest } from '../app/newsletter/plan-digest.ts';
import { type ResumedDigest, runDigestNow } from '../app/newsletter/run-digest.ts';
import { exportList, importList, type ListImportReport } from '../app/newsletter/subscriber-list.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import { ConfigError, UsageError } from '../core/errors.ts';
import type { EmailAddress } from '../core/newsletter/email-address.ts';
import { describeSchedule } from '../core/newsletter/schedule.ts';
import type { Subscriber } from '../core/newsletter/subscriber.ts';
import {
  readSubscriberFile,
  type SubscriberFile,
  SubscriberFileError,
  writeSubscriberFile,
} from '../core/newsletter/subscriber-file.ts';
import { TokenSigner } from '../core/newsletter/tokens.ts';
import { LOCAL_BUCKETS } from '../local/local-mode.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { connectLocal } from './local-connection.ts';
import { type AwsOptions, openAws, wantsAws } from './newsletter-target.ts';
import { relativeToCwd } from './paths.ts';

/** Local mode's folder and endpoint, or a deployed stack's names (see {@link openAws}). */
export interface TargetOptions extends AwsOptions {
  data: string;
}

interface Newsletter {
  newsletter: NewsletterStore;
  signer: TokenSigner;
  site: () => Promise<SiteConfig>;
  /** Publish state (which posts were published when); needed by the digest. */
  state: BlobStore | undefined;
  apiUrl: string;
  /** Local mode's outbox; a deployed stack sends through its own function. */
  outboxDir: string | undefined;
  /** Where site.yaml lives, for messages. */
  contentLabel: string;
  close(): Promise<void>;
}

/**
 * Opens local mode's newsletter: buckets, secret, outbox.
 * @throws UsageError when local mode has not run in the data folder
 */
async function openLocal(options: TargetOptions): Promise<Newsletter> {
  const local = await connectLocal(options);
  const secretFile = join(local.dataDir, 'newsletter-secret');
  if (!existsSync(secretFile)) {
    await local.close();
    throw new UsageError(`${relativeToCwd(secretFile)}: missing; run npm start once to create it`);
  }
  const baseUrl = typeof local.settings.baseUrl === 'string' ? local.settings.baseUrl : undefined;
  return {
    newsletter: new NewsletterStore(new S3BlobStore(local.client, LOCAL_BUCKETS.newsletter)),
    signer: new TokenSigner(readFileSync(secretFile, 'utf8').trim()),
    site: () =>
      loadSiteConfig(new S3BlobStore(local.client, LOCAL_BUCKETS.content), baseUrl ? { baseUrl } : {}),
    state: new S3BlobStore(local.client, LOCAL_BUCKETS.state),
    apiUrl:
      typeof local.settings.apiUrl === 'string'
        ? local.settings.apiUrl
        : `${baseUrl ?? 'http://127.0.0.1:8080/'}api/`,
    outboxDir: join(local.dataDir, 'outbox'),
    contentLabel: LOCAL_BUCKETS.content,
    close: () => local.close(),
  };
}

/**
 * Opens a deployed stack's newsletter.
 * @throws UsageError naming the option at fault when the stack, bucket or secret cannot be found
 */
async function openDeployed(options: TargetOptions): Promise<Newsletter> {
  const aws = await openAws(options);
  return {
    newsletter: aws.newsletter,
    signer: aws.signer,
    site: aws.site,
    state: aws.state,
    apiUrl: aws.apiUrl ?? 'https://api.invalid/',
    outboxDir: undefined,
    contentLabel: aws.contentLabel,
    close: async () => {},
  };
}

async function withNewsletter(
  options: TargetOptions,
  action: (n: Newsletter) => Promise<void>,
): Promise<void> {
  const n = wantsAws(options) ? await openDeployed(options) : await openLocal(options);
  try {
    await action(n);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${n.contentLabel}/${error.file}: ${error.field}: ${error.reason}`);
    process.exitCode = 2;
  } finally {
    await n.close();
  }
}

/** `herald digest`: runs (or previews) the digest due now or at `--now`. */
export function digest(options: TargetOptions & { now?: Date; preview?: boolean }): Promise<void> {
  return withNewsletter(options, async (n) => {
    const until = options.now ?? new Date();
    if (n.state === undefined)
      throw new UsageError(
        '--state-bucket: name the publish state bucket (or use --stack): the digest reads it',
      );
    if (!options.preview && n.outboxDir === undefined)
      throw new UsageError(
        'herald digest sends from local mode only; on AWS the schedule sends it, or invoke the DigestFunctionName output with {"action":"digest"}. Add --preview to see what it would send.',
      );
    const site = await n.site();
    const log = textLogger();
    const state = n.state;
    const clock = options.now ? fixedClock(until) : systemClock;
    if (options.preview) {
      const plan = await planDigest(
        { newsletter: n.newsletter, state, queue: new MemoryDigestQueue(), clock, log },
        site,
        { until, preview: true },
      );
      console.log(
        `Digest ${plan.digestId} (${describeSchedule(site.newsletter?.schedule ?? { every: 'day', hour: 0, minute: 0 }, site.timezone)})`,
      );
      console.log(
        `  posts that appeared on the site after ${plan.since} up to ${plan.until}: ${plan.posts.length}`,
      );
      for (const title of plan.posts) console.log(`    ${title}`);
      console.log(
        `  subscribers to check: ${plan.recipients} (only active ones with posts in their categories get it)`,
      );
      if (plan.digest && plan.posts.length > 0) {
        const file = join(n.outboxDir ?? '.', `preview-${plan.digestId}.eml`);
        const sample: Subscriber = {
          id: 'preview',
          email: 'preview@example.invalid' as EmailAddress,
          status: 'active',
          categories: [],
          consent: { source: 'cli', requestedAt: until.toISOString() },
          confirmationsSent: [],
          updatedAt: until.toISOString(),
        };
        const raw = await new DigestComposer(site, plan.digest, {
          apiUrl: n.apiUrl,
          signer: n.signer,
          date: until,
        }).compose(sample);
        // A subscriber of every category gets every post: there is always an e-mail to show.
        if (raw !== undefined) {
          writeFileSync(file, raw);
          console.log(`  preview written to ${relativeToCwd(file)} (nothing was sent; state unchanged)`);
        }
      }
      return;
    }
    const { plan, sent, resumed } = await runDigestNow(
      {
        newsletter: n.newsletter,
        state,
        mailer: new OutboxMailer(new FsBlobStore(n.outboxDir ?? '.'), systemClock),
        signer: n.signer,
        clock,
        timer: systemClock,
        log,
      },
      site,
      { until, apiUrl: n.apiUrl },
    );
    if (resumed !== undefined) console.log(describeResumed(resumed));
    if (plan.skipped === 'already-planned')
      console.log(`Digest ${plan.digestId}: already sent (the last digest covered up to ${plan.since}).`);
    else if (plan.skipped === 'no-new-posts')
      console.log(`Digest ${plan.digestId}: no new posts on the site since ${plan.since}; nothing sent.`);
    else {
      const total = sent.reduce(
        (sum, r) => ({
          sent: sum.sent + r.sent,
          skipped: sum.skipped + r.skipped,
          rejected: sum.rejected + r.rejected,
        }),
        { sent: 0, skipped: 0, rejected: 0 },
      );
      if (plan.resumed)
        console.log(
          `Digest ${plan.digestId} had not finished; it is finished now. Run herald digest again for newer posts.`,
        );
      console.log(
        `Digest ${plan.digestId}: ${plan.posts.length} posts; sent ${total.sent}, skipped ${total.skipped}, rejected ${total.rejected}. Mail is in ${relativeToCwd(n.outboxDir ?? '.')}/`,
      );
    }
  });
}

/** What `herald digest` says of the interrupted digest it finished first. */
export function describeResumed(resumed: ResumedDigest): string {
  const { report, inDoubt } = resumed;
  const parts = [`sent ${report.sent}`, `rejected ${report.rejected}`];
  if (inDoubt > 0) {
    parts.push(
      `of ${inDoubt} being mailed when it stopped, ${report.recovered} had reached the outbox (recorded now, not mailed again)`,
    );
  }
  if (report.held > 0)
    parts.push(
      `${report.held} are still claimed by a run that may be at work and are looked at again by the next herald digest`,
    );
  return `Resumed digest ${resumed.digestId}, which a stopped run had not finished: ${parts.join('; ')}.`;
}

const manage = (n: Newsletter): ManageDeps => ({
  newsletter: n.newsletter,
  signer: n.signer,
  clock: systemClock,
});

/** `herald subscribers list`: every address with its status, categories and consent. */
export function list(options: TargetOptions): Promise<void> {
  return withNewsletter(options, async (n) => {
    const records = await exportList(n.newsletter);
    for (const { email, subscriber: s, suppression: x } of records.sort((a, b) =>
      compareEmails(a.email, b.email),
    )) {
      const status = x
        ? `suppressed (${x.reason} ${x.at})`
        : s?.pausedAt
          ? `${s.status} (paused since ${s.pausedAt})`
          : (s?.status ?? '');
      const consent = s ? `${s.consent.source} ${s.consent.confirmedAt ?? s.consent.requestedAt}` : '';
      console.log(`${email}\t${status}\t${s?.categories.join(',') || 'all posts'}\t${consent}`);
    }
    console.log(`${records.length} ${records.length === 1 ? 'address' : 'addresses'}`);
  });
}

/** `herald subscribers add`. */
export function add(email: string, options: TargetOptions & { categories?: string }): Promise<void> {
  return withNewsletter(options, async (n) => {
    const outcome = await addSubscriber(
      manage(n),
      { email, categories: splitList(options.categories), note: 'herald subscribers add' },
      'cli',
    );
    if (outcome.added) {
      console.log(`${email}: subscribed`);
      const unused = n.state ? await unusedCategories(n.state, splitList(options.categories)) : [];
      for (const category of unused)
        console.error(
          `warning: --categories "${category.name}": no post is in this category yet, so no digest will have posts for it${category.meant ? ` (did you mean "${category.meant}"?)` : ''}`,
        );
    } else {
      console.error(`${email}: not added: ${outcome.reason}`);
      process.exitCode = 1;
    }
  });
}

/** `herald subscribers remove`. */
export function remove(email: string, options: TargetOptions & { forget?: boolean }): Promise<void> {
  return withNewsletter(options, async (n) => {
    if (await removeSubscriber(manage(n), email, options.forget ?? false))
      console.log(`${email}: ${options.forget ? 'erased' : 'unsubscribed'}`);
    else {
      console.error(`${email}: not on the list`);
      process.exitCode = 1;
    }
  });
}

/**
 * `herald subscribers import FILE…`: Herald's export, Mailchimp's, Substack's, Buttondown's,
 * listmonk's, any CSV with an e-mail column or a plain list; each file in turn.
 */
export async function importFiles(files: string[], options: TargetOptions): Promise<void> {
  // Before local mode's buckets are opened: a typo in a path is the likeliest mistake.
  for (const file of files)
    if (!existsSync(file) || !statSync(file).isFile())
      throw new UsageError(
        `${file}: no such file; give the path of a subscriber list (CSV or one address a line)`,
      );
  return withNewsletter(options, async (n) => {
    for (const file of files) {
      let parsed: SubscriberFile;
      try {
        parsed = readSubscriberFile(readFileSync(file, 'utf8'), basename(file));
      } catch (error) {
        if (error instanceof SubscriberFileError) console.error(`${file}: ${error.field}: ${error.reason}`);
        else if ((error as NodeJS.ErrnoException).code === 'ENOENT') console.error(`${file}: no such file`);
        else throw error;
        process.exitCode = 2;
        return;
      }
      const bar = process.stderr.isTTY
        ? new SingleBar({
            format: `${basename(file)} [{bar}] {value}/{total} addresses`,
            stream: process.stderr,
          })
        : undefined;
      bar?.start(parsed.entries.length, 0);
      // Told once per stored group of addresses; the bar redraws at most a few times a second.
      const report = await importList(manage(n), parsed.entries, (done) => bar?.update(done));
      bar?.stop();
      const skipped = [...parsed.skipped, ...report.skipped].sort((a, b) => a.line - b.line);
      for (const skip of skipped) console.log(`${file}:${skip.line}: ${skip.email}: skipped: ${skip.reason}`);
      console.log(describeImport(file, parsed.format, report.added, report.updated, skipped.length));
    }
  });
}

function describeImport(
  file: string,
  format: string,
  added: ListImportReport['added'],
  updated: number,
  skipped: number,
): string {
  const total = Object.values(added).reduce((a, b) => a + b, 0);
  const counts = (['active', 'pending', 'unsubscribed', 'suppressed'] as const)
    .filter((status) => added[status] > 0)
    .map((status) => `${added[status]} ${status}`);
  return (
    `${file} (${FORMAT_NAMES[format] ?? format}): added ${total}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}, ` +
    `updated ${updated}, skipped ${skipped}.`
  );
}

const FORMAT_NAMES: Record<string, string> = {
  herald: 'Herald export',
  mailchimp: 'Mailchimp export',
  substack: 'Substack export',
  buttondown: 'Buttondown export',
  listmonk: 'listmonk export',
  generic: 'CSV with an e-mail column',
  plain: 'list of addresses',
};

/** `herald subscribers export`: every address, its status and consent evidence, as CSV. */
export function exportCsv(options: TargetOptions & { out?: string }): Promise<void> {
  return withNewsletter(options, async (n) => {
    const records = await exportList(n.newsletter);
    const csv = writeSubscriberFile(records);
    if (options.out) {
      writeFileSync(options.out, csv);
      console.error(`${records.length} addresses written to ${options.out}`);
    } else process.stdout.write(csv);
  });
}

function compareEmails(a: string, b: string): number {
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
