import type { SiteConfig } from '../../core/config/site-config.ts';
import { type DigestTemplate, personaliseDigest, renderDigest } from '../../core/newsletter/digest-email.ts';
import { postsForSubscriber } from '../../core/newsletter/digest-posts.ts';
import { MailMerge } from '../../core/newsletter/mime.ts';
import type { Subscriber } from '../../core/newsletter/subscriber.ts';
import type { TokenSigner } from '../../core/newsletter/tokens.ts';
import type { DigestRecord } from './newsletter-store.ts';
import { domainOf, personalLinks, requireNewsletter } from './subscriptions.ts';

/** A digest as everyone with the same categories gets it, or nothing if none of its posts are in them. */
type Variant = { bodies: DigestTemplate; merge: MailMerge } | undefined;

/**
 * Composes one digest's e-mails. The first subscriber of each category choice has that variant
 * rendered and composed by nodemailer; everyone else with the choice gets it filled in with their
 * address, message id and unsubscribe link (header, RFC 8058, and body).
 */
export class DigestComposer {
  private readonly variants = new Map<string, Promise<Variant>>();
  private readonly newsletter: NonNullable<SiteConfig['newsletter']>;
  private readonly domain: string;

  /**
   * @param options.apiUrl - the API's absolute base URL, ending in `/`, for unsubscribe links
   * @param options.date - the Date header of every message
   */
  constructor(
    private readonly site: SiteConfig,
    private readonly digest: DigestRecord,
    private readonly options: { apiUrl: string; signer: TokenSigner; date: Date },
  ) {
    this.newsletter = requireNewsletter(site);
    this.domain = domainOf(this.newsletter.from.address);
  }

  /** The subscriber's e-mail, or undefined when no post of the digest is in their categories. */
  async compose(subscriber: Subscriber): Promise<Buffer | undefined> {
    const key = subscriber.categories.join(',');
    let variant = this.variants.get(key);
    if (variant === undefined) {
      variant = this.prepare(subscriber.categories);
      this.variants.set(key, variant);
    }
    const prepared = await variant;
    if (prepared === undefined) return undefined;
    const links = personalLinks(this.options.apiUrl, this.options.signer, subscriber.id);
    const unsubscribeUrl = links.unsubscribe;
    const { text, html } = personaliseDigest(prepared.bodies, links);
    return prepared.merge.fill({
      to: subscriber.email,
      messageId: `${this.digest.id}.${subscriber.id}@${this.domain}`,
      text,
      html,
      personalHeaders: { 'List-Unsubscribe': `<${unsubscribeUrl}>` },
    });
  }

  private async prepare(categories: readonly string[]): Promise<Variant> {
    const posts = postsForSubscriber(this.digest.posts, categories);
    if (posts.length === 0) return undefined;
    const names = new Map(
      this.digest.posts.flatMap((p) => p.categories.map((c) => [c.slug, c.name] as const)),
    );
    const bodies = renderDigest(
      this.site,
      posts,
      categories.map((slug) => names.get(slug) ?? slug),
    );
    const merge = await MailMerge.prepare(
      {
        from: this.newsletter.from,
        ...(this.newsletter.replyTo ? { replyTo: this.newsletter.replyTo } : {}),
        subject: bodies.subject,
        date: this.options.date,
        headers: {
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'List-Id': `${this.site.title.replace(/[<>"]/g, '')} <digest.${this.domain}>`,
        },
        // Every boundary the composer draws has a '_', which base64 bodies cannot hold, so one
        // seed serves every message.
        boundary: 'herald-digest',
      },
      ['List-Unsubscribe'],
    );
    return { bodies, merge };
  }
}
