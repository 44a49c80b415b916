import type { SiteConfig } from '../config/site-config.ts';
import { html, raw } from '../pages/html.ts';
import { escapeHtml, htmlToPlainText } from '../text/html-text.ts';
import type { DigestPost } from './digest-posts.ts';
import { emailDocument, FONT, MUTED, mailTime } from './email-layout.ts';
import { describeSchedule } from './schedule.ts';

/**
 * A digest rendered once for every subscriber who gets the same posts: the HTML and text bodies
 * are split where each subscriber's own links go (the slot markers are kept as parts).
 */
export interface DigestTemplate {
  subject: string;
  html: string[];
  text: string[];
}

/** One subscriber's own links: signed, so that no login is needed. */
export interface PersonalLinks {
  unsubscribe: string;
  /** The preferences page: categories, pause, unsubscribe. */
  preferences: string;
}

/** The personal parts of one digest e-mail. */
export interface DigestBodies {
  subject: string;
  html: string;
  text: string;
}

// A character no post field can hold (they are stripped of what XML forbids), so it cannot clash.
const SLOT = '\u0001unsubscribe\u0001';
const PREFERENCES = '\u0001preferences\u0001';
// biome-ignore lint/suspicious/noControlCharactersInRegex: the slot markers are control characters on purpose
const SLOTS = /(\u0001(?:unsubscribe|preferences)\u0001)/;

/**
 * Renders the digest of `posts` (newest first, at least one).
 * @param categories - the subscriber's categories by name, to say why they get these posts
 */
export function renderDigest(
  site: SiteConfig,
  posts: readonly DigestPost[],
  categories: readonly string[],
): DigestTemplate {
  const first = posts[0];
  if (first === undefined) throw new Error('a digest needs at least one post');
  const subject =
    posts.length === 1
      ? `${site.title}: ${first.title}`
      : `${site.title}: ${first.title} and ${posts.length - 1} more`;
  const date = new Intl.DateTimeFormat(site.language, { dateStyle: 'long', timeZone: site.timezone });
  const heading = posts.length === 1 ? 'One new post' : `${posts.length} new posts`;
  const why = categories.length > 0 ? ` (${categories.join(', ')})` : '';
  const postal = site.newsletter?.postalAddress;

  const body = html`<p class="muted" style="margin: 0 0 4px; ${MUTED}; font-size: 14px"><a href="${site.baseUrl}" style="color: inherit; text-decoration: none; font-weight: 600">${site.title}</a></p>
<h1 style="margin: 0 0 8px; font-size: 24px; line-height: 1.25">${heading}</h1>
${posts.map(
  (post) => html`<div class="rule" style="border-top: 1px solid #e2e2de; padding: 18px 0">
${post.image ? html`<img src="${post.image}" alt="" width="544" style="display: block; width: 100%; max-width: 544px; height: auto; border: 0; border-radius: 6px; margin: 0 0 12px">\n` : ''}<h2 style="margin: 0 0 4px; font-size: 20px; line-height: 1.3; ${FONT}"><a href="${post.url}" style="color: #1a4fa0; text-decoration: none">${post.title}</a></h2>
<p class="muted" style="margin: 0 0 8px; ${MUTED}; font-size: 14px">${date.format(new Date(post.published))}${post.categories.length > 0 ? ` · ${post.categories.map((c) => c.name).join(', ')}` : ''}</p>
${
  post.html
    ? html`<div class="post-body" style="margin: 0 0 8px; overflow-wrap: anywhere">${raw(post.html)}</div>\n`
    : post.summary
      ? html`<p style="margin: 0 0 8px">${post.summary}</p>\n`
      : ''
}<p style="margin: 0"><a href="${post.url}" style="color: #1a4fa0">${post.html ? 'Read it on the site' : `Read “${post.title}”`}</a></p>
</div>
`,
)}<div class="rule" style="border-top: 1px solid #e2e2de; padding-top: 16px">
<p class="muted" style="margin: 0 0 8px; ${MUTED}; font-size: 13px">You get this e-mail because you subscribed to <a href="${site.baseUrl}" style="color: inherit">${site.title}</a>${why}. <a href="${PREFERENCES}" style="color: inherit">Choose categories or pause</a>, or <a href="${SLOT}" style="color: inherit; font-weight: 600">unsubscribe</a> with one click, at any time.</p>
${postal ? html`<p class="muted" style="margin: 0; ${MUTED}; font-size: 13px">${postal}</p>\n` : ''}</div>`;
  const preheader = posts.map((p) => p.title).join(' · ');
  const htmlText = emailDocument(site, subject, preheader, body);

  const text = [
    `${site.title} — ${heading.toLowerCase()}`,
    '',
    ...posts.flatMap((post) => [
      post.title,
      `${date.format(new Date(post.published))}${post.categories.length > 0 ? ` · ${post.categories.map((c) => c.name).join(', ')}` : ''}`,
      ...(post.html ? [bodyText(post.html)] : post.summary ? [post.summary] : []),
      `Read: ${post.url}`,
      '',
    ]),
    '-- ',
    `You get this e-mail because you subscribed to ${site.title} (${site.baseUrl})${why}.`,
    `Choose categories or pause: ${PREFERENCES}`,
    `Unsubscribe with one click: ${SLOT}`,
    ...(postal ? [postal] : []),
    '',
  ].join('\n');
  return { subject, html: htmlText.split(SLOTS), text: text.split(SLOTS) };
}

/** Fills in one subscriber's own links. */
export function personaliseDigest(template: DigestTemplate, links: PersonalLinks): DigestBodies {
  const fill = (parts: string[], encode: (url: string) => string): string =>
    parts
      .map((part) =>
        part === SLOT ? encode(links.unsubscribe) : part === PREFERENCES ? encode(links.preferences) : part,
      )
      .join('');
  return {
    subject: template.subject,
    html: fill(template.html, escapeHtml),
    text: fill(template.text, (url) => url),
  };
}

/**
 * The mail that asks a new subscriber to confirm (double opt-in).
 * @param confirmUrl - the signed link
 * @param expiresAt - when the link stops working
 */
export function renderConfirmation(site: SiteConfig, confirmUrl: string, expiresAt: Date): DigestBodies {
  const subject = `Confirm your subscription to ${site.title}`;
  const until = mailTime(site, expiresAt);
  const body = html`<h1 style="margin: 0 0 12px; font-size: 22px; line-height: 1.3">Confirm your subscription</h1>
<p style="margin: 0 0 16px">Someone, hopefully you, asked to receive new posts from <a href="${site.baseUrl}">${site.title}</a> by e-mail at this address.</p>
<p style="margin: 0 0 16px"><a href="${confirmUrl}" style="display: inline-block; background: #1a4fa0; color: #ffffff; padding: 10px 18px; border-radius: 6px; text-decoration: none; font-weight: 600">Yes, subscribe me</a></p>
<p class="muted" style="margin: 0 0 8px; ${MUTED}; font-size: 14px">The link works until ${until}. If you did not ask for this, ignore this e-mail: you will not hear from us again.</p>`;
  const text = [
    `Confirm your subscription to ${site.title}`,
    '',
    `Someone, hopefully you, asked to receive new posts from ${site.title} (${site.baseUrl}) by e-mail at this address.`,
    '',
    `To confirm, open: ${confirmUrl}`,
    '',
    `The link works until ${until}. If you did not ask for this, ignore this e-mail: you will not hear from us again.`,
    '',
  ].join('\n');
  return { subject, html: emailDocument(site, subject, 'One click to confirm', body), text };
}

/**
 * The mail a new subscriber gets once confirmed, when site.yaml asks for it: what to expect and
 * when, and their own links to change or end the subscription.
 */
export function renderWelcome(site: SiteConfig, links: PersonalLinks): DigestBodies {
  const subject = `Welcome to ${site.title}`;
  const schedule = site.newsletter ? describeSchedule(site.newsletter.schedule, site.timezone) : 'regularly';
  const body = html`<h1 style="margin: 0 0 12px; font-size: 22px; line-height: 1.3">Welcome to ${site.title}</h1>
<p style="margin: 0 0 16px">Your subscription is confirmed. New posts from <a href="${site.baseUrl}">${site.title}</a> come by e-mail ${schedule}, when there are any.</p>
<p class="muted" style="margin: 0 0 8px; ${MUTED}; font-size: 14px"><a href="${links.preferences}">Choose categories or pause</a>, or <a href="${links.unsubscribe}">unsubscribe</a>, at any time.</p>`;
  const text = [
    `Welcome to ${site.title}`,
    '',
    `Your subscription is confirmed. New posts from ${site.title} (${site.baseUrl}) come by e-mail ${schedule}, when there are any.`,
    '',
    `Choose categories or pause: ${links.preferences}`,
    `Unsubscribe: ${links.unsubscribe}`,
    '',
  ].join('\n');
  return { subject, html: emailDocument(site, subject, 'Your subscription is confirmed', body), text };
}

/** A post's body as plain text for the text part: one paragraph per block, blank lines between. */
function bodyText(body: string): string {
  return body
    .split(/<\/(?:p|h[1-6]|li|blockquote|pre|figure|figcaption|tr)>|<br\s*\/?>/i)
    .map(htmlToPlainText)
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}
