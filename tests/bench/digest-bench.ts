// Digest sending speed: (1) composing and handing to an in-memory mailer N personalised digests,
// one core, no pacing; (2) with a simulated SES that allows R messages a second (and throttles
// beyond), the rate achieved as a share of R.
import { pathToFileURL } from 'node:url';
import { systemClock } from '../../functions/adapters/clocks.ts';
import { MemoryMailer } from '../../functions/adapters/memory-mailer.ts';
import { planDigest } from '../../functions/app/newsletter/plan-digest.ts';
import { sendDigestJob } from '../../functions/app/newsletter/send-digest.ts';
import { personalLinks } from '../../functions/app/newsletter/subscriptions.ts';
import { personaliseDigest, renderDigest } from '../../functions/core/newsletter/digest-email.ts';
import type { EmailAddress } from '../../functions/core/newsletter/email-address.ts';
import { composeMessage } from '../../functions/core/newsletter/mime.ts';
import { type Mailer, SendError } from '../../functions/ports/mailer.ts';
import { postFile } from '../helpers/memory-content.ts';
import { memoryNewsletter, newsletterSite, publishAt } from '../helpers/newsletter.ts';

const site = newsletterSite();
const API = 'https://api.example.org/';
const UNTIL = new Date('2026-11-30T09:00:00Z');

async function world(subscribers: number) {
  const w = memoryNewsletter(UNTIL.getTime());
  // The newsletter is switched on a week before, then five posts are published, one a day.
  await publishAt(w, new Date(UNTIL.getTime() - 7 * 86_400_000).toISOString());
  for (let i = 0; i < 5; i++) {
    const at = new Date(UNTIL.getTime() - (i + 1) * 86_400_000).toISOString();
    const summary =
      'A summary of about two hundred characters that says what the post is about, so that a reader can decide whether to open it. '.repeat(
        2,
      );
    await publishAt(w, at, {
      [`posts/p${i}.md`]: postFile(
        `A post about things, number ${i}`,
        at,
        `categories: [${i % 2 ? 'Travel' : 'How-to tech'}]\nimage: /images/p${i}.webp\nsummary: ${JSON.stringify(summary)}`,
      ),
    });
  }
  for (let i = 0; i < subscribers; i++) {
    const email = `reader${i}@example.org` as EmailAddress;
    const id = w.signer.subscriberId(email);
    await w.newsletter.writeSubscriber({
      id,
      email,
      status: 'active',
      categories: i % 3 === 0 ? ['travel'] : [],
      consent: { source: 'form', requestedAt: UNTIL.toISOString(), confirmedAt: UNTIL.toISOString() },
      confirmationsSent: [],
      updatedAt: UNTIL.toISOString(),
    });
  }
  await planDigest(w, site, { until: UNTIL });
  const ids = w.queue.jobs.flatMap((j) => j.job.subscriberIds);
  return { w, job: { digestId: w.queue.jobs[0]?.job.digestId ?? '', subscriberIds: ids } };
}

/** Emails per second composed and handed to an in-memory mailer. */
export async function benchCompose(
  count: number,
): Promise<{ count: number; seconds: number; perSecond: number }> {
  const { w, job } = await world(count);
  const mailer = new MemoryMailer();
  const start = performance.now();
  const report = await sendDigestJob({ ...w, mailer, timer: systemClock }, site, job, { apiUrl: API });
  const seconds = (performance.now() - start) / 1000;
  if (report.sent !== count) throw new Error(`sent ${report.sent} of ${count}`);
  return { count, seconds, perSecond: count / seconds };
}

/**
 * For comparison: the same messages built by nodemailer's composer one by one (no stores, no
 * sends), as the sender did before the mail merge.
 */
export async function benchComposer(count: number): Promise<{ count: number; perSecond: number }> {
  const { w, job } = await world(1);
  const digest = await w.newsletter.readDigest(job.digestId);
  if (digest === undefined) throw new Error('no digest planned');
  const template = renderDigest(site, digest.posts, []);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const links = personalLinks(API, w.signer, `s${i}`);
    const link = links.unsubscribe;
    const { text, html } = personaliseDigest(template, links);
    await composeMessage({
      from: { name: 'Field Notes', address: 'digest@example.org' },
      subject: template.subject,
      date: UNTIL,
      headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      boundary: 'bench',
      to: `reader${i}@example.org`,
      messageId: `${digest.id}.s${i}@example.org`,
      text,
      html,
      personalHeaders: { 'List-Unsubscribe': `<${link}>` },
    });
  }
  return { count, perSecond: count / ((performance.now() - start) / 1000) };
}

/** The achieved send rate against a simulated SES limit of `rate` per second. */
export async function benchRate(
  rate: number,
  count: number,
): Promise<{ rate: number; achieved: number; throttled: number }> {
  const { w, job } = await world(count);
  const starts: number[] = [];
  let throttled = 0;
  const ses: Mailer = {
    send: async () => {
      const now = performance.now();
      // SES's limit: no more than `rate` messages in any one second.
      while (starts.length > 0 && (starts[0] ?? 0) <= now - 1000) starts.shift();
      if (starts.length >= rate) {
        throttled++;
        throw new SendError('throttled', 'Maximum sending rate exceeded.');
      }
      starts.push(now);
      await new Promise((resolve) => setTimeout(resolve, 40)); // SES's latency
      return { messageId: 'x' };
    },
    quota: async () => ({ maxSendRate: rate, max24HourSend: 1e9, sentLast24Hours: 0 }),
    findSent: async () => 'unknown',
  };
  const first = performance.now();
  const report = await sendDigestJob({ ...w, mailer: ses, timer: systemClock }, site, job, { apiUrl: API });
  const seconds = (performance.now() - first) / 1000;
  return { rate, achieved: report.sent / seconds, throttled };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const compose = await benchCompose(10_000);
  const composer = await benchComposer(2_000);
  console.log(
    `compose+send 10,000 personalised digests: ${compose.seconds.toFixed(2)} s, ${compose.perSecond.toFixed(0)} emails/s (goal ≥ 2,000); the composer for each message alone: ${composer.perSecond.toFixed(0)}/s (${(compose.perSecond / composer.perSecond).toFixed(1)}x)`,
  );
  for (const rate of [14, 100]) {
    const r = await benchRate(rate, rate * 5);
    console.log(
      `simulated SES at ${rate}/s: achieved ${r.achieved.toFixed(1)}/s = ${((r.achieved / rate) * 100).toFixed(1)}% of the rate (goal 90–100%), throttled ${r.throttled}`,
    );
  }
}
