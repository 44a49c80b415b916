// The actions of `herald digest` and `herald subscribers`, loaded only when one runs. They work on
// local mode's buckets, with the same use-cases the Lambda functions run.
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
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
  allSubscribers,
  importSubscribers,
  type ManageDeps,
  type NewSubscriber,
  removeSubscriber,
  unusedCategories,
} from '../app/newsletter/manage-subscribers.ts';
import { NewsletterStore } from '../app/newsletter/newsletter-store.ts';
import { planDigest } from '../app/newsletter/plan-digest.ts';
import { runDigestNow } from '../app/newsletter/run-digest.ts';
import type { SiteConfig } from '../core/config/site-config.ts';
import { ConfigError, UsageError } from '../core/errors.ts';
import type { EmailAddress } from '../core/newsletter/email-address.ts';
import { describeSchedule } from '../core/newsletter/schedule.ts';
import type { Subscriber } from '../core/newsletter/subscriber.ts';
import { TokenSigner } from '../core/newsletter/tokens.ts';
import { LOCAL_BUCKETS } from '../local/local-mode.ts';
import { connectLocal, type LocalConnection } from './local-connection.ts';
import { relativeToCwd } from './paths.ts';

export interface LocalOptions {
  data: string;
  endpoint?: string;
}

interface Newsletter {
  local: LocalConnection;
  newsletter: NewsletterStore;
  signer: TokenSigner;
  site: () => Promise<SiteConfig>;
  apiUrl: string;
  outboxDir: string;
}

/**
 * Opens local mode's newsletter: buckets, secret, outbox.
 * @throws UsageError when local mode has not run in the data folder
 */
async function open(options: LocalOptions): Promise<Newsletter> {
  const local = await connectLocal(options);
  const secretFile = join(local.dataDir, 'newsletter-secret');
  if (!existsSync(secretFile)) {
    await local.close();
    throw new UsageError(`${relativeToCwd(secretFile)}: missing; run npm start once to create it`);
  }
  const baseUrl = typeof local.settings.baseUrl === 'string' ? local.settings.baseUrl : undefined;
  return {
    local,
    newsletter: new NewsletterStore(new S3BlobStore(local.client, LOCAL_BUCKETS.newsletter)),
    signer: new TokenSigner(readFileSync(secretFile, 'utf8').trim()),
    site: () =>
      loadSiteConfig(new S3BlobStore(local.client, LOCAL_BUCKETS.content), baseUrl ? { baseUrl } : {}),
    apiUrl:
      typeof local.settings.apiUrl === 'string'
        ? local.settings.apiUrl
        : `${baseUrl ?? 'http://127.0.0.1:8080/'}api/`,
    outboxDir: join(local.dataDir, 'outbox'),
  };
}

async function withNewsletter(
  options: LocalOptions,
  action: (n: Newsletter) => Promise<void>,
): Promise<void> {
  const n = await open(options);
  try {
    await action(n);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${LOCAL_BUCKETS.content}/${error.file}: ${error.field}: ${error.reason}`);
    process.exitCode = 2;
  } finally {
    await n.local.close();
  }
}

/** `herald digest`: runs (or previews) the digest due now or at `--now`. */
export function digest(options: LocalOptions & { now?: Date; preview?: boolean }): Promise<void> {
  return withNewsletter(options, async (n) => {
    const until = options.now ?? new Date();
    const site = await n.site();
    const log = textLogger();
    const state = new S3BlobStore(n.local.client, LOCAL_BUCKETS.state);
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
      console.log(`  posts published after ${plan.since} up to ${plan.until}: ${plan.posts.length}`);
      for (const title of plan.posts) console.log(`    ${title}`);
      console.log(
        `  subscribers to check: ${plan.recipients} (only active ones with posts in their categories get it)`,
      );
      if (plan.digest && plan.posts.length > 0) {
        const file = join(n.outboxDir, `preview-${plan.digestId}.eml`);
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
    const { plan, sent } = await runDigestNow(
      {
        newsletter: n.newsletter,
        state,
        mailer: new OutboxMailer(new FsBlobStore(n.outboxDir), systemClock),
        signer: n.signer,
        clock,
        timer: systemClock,
        log,
      },
      site,
      { until, apiUrl: n.apiUrl },
    );
    if (plan.skipped === 'already-planned')
      console.log(`Digest ${plan.digestId}: already sent (the last digest covered up to ${plan.since}).`);
    else if (plan.skipped === 'no-new-posts')
      console.log(`Digest ${plan.digestId}: no posts published since ${plan.since}; nothing sent.`);
    else {
      const total = sent.reduce(
        (sum, r) => ({
          sent: sum.sent + r.sent,
          skipped: sum.skipped + r.skipped,
          rejected: sum.rejected + r.rejected,
        }),
        { sent: 0, skipped: 0, rejected: 0 },
      );
      console.log(
        `Digest ${plan.digestId}: ${plan.posts.length} posts; sent ${total.sent}, skipped ${total.skipped}, rejected ${total.rejected}. Mail is in ${relativeToCwd(n.outboxDir)}/`,
      );
    }
  });
}

const manage = (n: Newsletter): ManageDeps => ({
  newsletter: n.newsletter,
  signer: n.signer,
  clock: systemClock,
});

/** `herald subscribers list`. */
export function list(options: LocalOptions): Promise<void> {
  return withNewsletter(options, async (n) => {
    let count = 0;
    for await (const s of allSubscribers(n.newsletter)) {
      count++;
      console.log(
        `${s.email}\t${s.status}\t${s.categories.join(',') || 'all posts'}\t${s.consent.source} ${s.consent.confirmedAt ?? s.consent.requestedAt}`,
      );
    }
    console.log(`${count} subscriber records`);
  });
}

/** `herald subscribers add`. */
export function add(email: string, options: LocalOptions & { categories?: string }): Promise<void> {
  return withNewsletter(options, async (n) => {
    const outcome = await addSubscriber(
      manage(n),
      { email, categories: splitList(options.categories), note: 'herald subscribers add' },
      'cli',
    );
    if (outcome.added) {
      console.log(`${email}: subscribed`);
      const state = new S3BlobStore(n.local.client, LOCAL_BUCKETS.state);
      for (const unused of await unusedCategories(state, splitList(options.categories)))
        console.error(
          `warning: --categories "${unused.name}": no post is in this category yet, so no digest will have posts for it${unused.meant ? ` (did you mean "${unused.meant}"?)` : ''}`,
        );
    } else {
      console.error(`${email}: not added: ${outcome.reason}`);
      process.exitCode = 1;
    }
  });
}

/** `herald subscribers remove`. */
export function remove(email: string, options: LocalOptions & { forget?: boolean }): Promise<void> {
  return withNewsletter(options, async (n) => {
    if (await removeSubscriber(manage(n), email, options.forget ?? false))
      console.log(`${email}: ${options.forget ? 'erased' : 'unsubscribed'}`);
    else {
      console.error(`${email}: not on the list`);
      process.exitCode = 1;
    }
  });
}

/** `herald subscribers import FILE.csv`: a header row with `email` (and optionally `categories`, `consented_at`). */
export async function importCsv(file: string, options: LocalOptions): Promise<void> {
  // Before local mode's buckets are opened: a typo in the path is the likeliest mistake.
  if (!existsSync(file) || !statSync(file).isFile())
    throw new UsageError(`${file}: no such file; give the path of a CSV file with an "email" column`);
  return withNewsletter(options, async (n) => {
    let rows: (NewSubscriber & { line: number })[];
    try {
      rows = await readRows(file);
    } catch (error) {
      console.error(`${file}: ${(error as Error).message}`);
      process.exitCode = 2;
      return;
    }
    const bar = process.stderr.isTTY
      ? new SingleBar({ format: 'Importing [{bar}] {value}/{total} rows', stream: process.stderr })
      : undefined;
    bar?.start(rows.length, 0);
    const report = await importSubscribers(manage(n), rows, (done) => bar?.update(done));
    bar?.stop();
    for (const skip of report.skipped)
      console.log(`${file}:${skip.line}: ${skip.email}: skipped: ${skip.reason}`);
    console.log(`Imported ${report.added} of ${rows.length} rows; skipped ${report.skipped.length}.`);
  });
}

/** `herald subscribers export`: every record as CSV, to stdout or `--out`. */
export function exportCsv(options: LocalOptions & { out?: string }): Promise<void> {
  return withNewsletter(options, async (n) => {
    const records: string[][] = [];
    for await (const s of allSubscribers(n.newsletter))
      records.push([
        s.email,
        s.status,
        s.categories.join(';'),
        s.consent.source,
        s.consent.requestedAt,
        s.consent.confirmedAt ?? '',
        s.unsubscribedAt ?? '',
        s.consent.ip ?? '',
      ]);
    const csv = stringify(records, {
      header: true,
      columns: [
        'email',
        'status',
        'categories',
        'source',
        'requested_at',
        'confirmed_at',
        'unsubscribed_at',
        'ip',
      ],
    });
    if (options.out) {
      writeFileSync(options.out, csv);
      console.error(`${records.length} subscribers written to ${options.out}`);
    } else process.stdout.write(csv);
  });
}

async function readRows(file: string): Promise<(NewSubscriber & { line: number })[]> {
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    }),
  );
  const rows: (NewSubscriber & { line: number })[] = [];
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    if (!('email' in record)) throw new Error('the first row must name the columns, one of them "email"');
    rows.push({
      line: info.lines,
      email: record.email ?? '',
      categories: splitList(record.categories),
      note: `${file} line ${info.lines}`,
      ...(record.consented_at ? { consentedAt: record.consented_at } : {}),
    });
  }
  return rows;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
