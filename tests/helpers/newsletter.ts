import { type ParsedMail, simpleParser } from 'mailparser';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { MemoryDigestQueue } from '../../functions/adapters/memory-digest-queue.ts';
import { MemoryMailer } from '../../functions/adapters/memory-mailer.ts';
import { NewsletterStore } from '../../functions/app/newsletter/newsletter-store.ts';
import { type PublishDeps, type PublishReport, publishChanges } from '../../functions/app/publish-site.ts';
import type { SiteConfig } from '../../functions/core/config/site-config.ts';
import { TokenSigner } from '../../functions/core/newsletter/tokens.ts';
import type { Timer } from '../../functions/ports/timer.ts';
import { postFile } from './memory-content.ts';
import { testSite, testSiteYaml } from './site.ts';

export const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

const NEWSLETTER = {
  from: 'Field Notes <digest@example.org>',
  schedule: 'monday 09:00',
  postalAddress: '1 High Street, Oxford',
};

/** A site with a weekly newsletter, Mondays 09:00 London time. */
export function newsletterSite(overrides: Record<string, unknown> = {}): SiteConfig {
  return testSite({ newsletter: NEWSLETTER, ...overrides });
}

/** The site.yaml of {@link newsletterSite}. */
export function newsletterSiteYaml(overrides: Record<string, unknown> = {}): string {
  return testSiteYaml({ newsletter: NEWSLETTER, ...overrides });
}

/**
 * A timer whose time moves only when everyone waits: each sleep is an event at now + ms, and once
 * pending promise callbacks have run, time jumps to the earliest event. Concurrent sleeps overlap,
 * as they would in real time, but no real time passes.
 */
export class VirtualTimer implements Timer {
  private readonly events: { at: number; wake: () => void }[] = [];
  private scheduled = false;
  constructor(private ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.events.push({ at: this.ms + Math.max(0, ms), wake });
      this.schedule();
    });
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.events.sort((a, b) => a.at - b.at);
      const next = this.events.shift();
      if (next === undefined) return;
      this.ms = Math.max(this.ms, next.at);
      next.wake();
      if (this.events.length > 0) this.schedule();
    });
  }
}

/** Everything the newsletter use-cases need, in memory. */
export function memoryNewsletter(now = Date.parse('2026-11-30T09:00:00Z')) {
  const bucket = new MemoryBlobStore();
  const timer = new VirtualTimer(now);
  return {
    bucket,
    newsletter: new NewsletterStore(bucket),
    /** The content bucket authors upload to; see {@link publishAt}. */
    content: new MemoryBlobStore(),
    /** The site bucket publishing writes. */
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
    mailer: new MemoryMailer(),
    queue: new MemoryDigestQueue(),
    signer: new TokenSigner(SECRET),
    timer,
    clock: timer,
    log: silentLogger,
  };
}

/** Parses a raw message with mailparser, as a mail client would. */
export function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  return simpleParser(Buffer.from(raw));
}

/** The first link in a text body that starts with `prefix`. */
export function linkIn(text: string | undefined, prefix: string): string {
  const found = (text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (found === undefined) throw new Error(`no link starting ${prefix} in:\n${text}`);
  return found;
}

/** A post file of the digest tests: `posts/p<n>.md`, titled `Post <n>`. */
export function numberedPost(n: number, date: string, extra = ''): [string, string] {
  return [`posts/p${n}.md`, postFile(`Post ${n}`, date, extra, `About ${n}.`)];
}

/**
 * Uploads files (undefined deletes) and runs the publish use-case at `at`, as the publish handler
 * does on their events; the first call builds the site, switching the newsletter on at that moment.
 */
export async function publishAt(
  world: ReturnType<typeof memoryNewsletter>,
  at: string,
  files: Record<string, string | undefined> = {},
  siteYaml = newsletterSiteYaml(),
): Promise<PublishReport> {
  if (world.content.text('site.yaml') !== siteYaml) await world.content.put('site.yaml', siteYaml);
  for (const [key, body] of Object.entries(files))
    if (body === undefined) await world.content.delete(key);
    else await world.content.put(key, body);
  const deps: PublishDeps = {
    content: world.content,
    output: world.output,
    state: world.state,
    clock: { now: () => new Date(at) },
    log: silentLogger,
  };
  return publishChanges(deps, Object.keys(files));
}
