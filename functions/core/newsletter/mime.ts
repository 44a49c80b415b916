import { encode as base64, wrap } from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';

/** What the messages of one mailing share. */
export interface MailingParts {
  from: { name: string; address: string };
  replyTo?: string;
  subject: string;
  date: Date;
  /** Headers the same for everyone, e.g. List-Id. */
  headers?: Record<string, string>;
  /** Seeds the MIME boundaries (saves drawing random bytes for each mail). */
  boundary: string;
}

/** What is personal to one recipient. */
export interface RecipientParts {
  to: string;
  /** Without angle brackets, e.g. `digest-2026-11-30.abc@example.org`. */
  messageId: string;
  /** Not empty: the composer leaves an empty body's part out. */
  text: string;
  /** Not empty, as `text`. */
  html: string;
  /** Headers personal to the recipient, e.g. List-Unsubscribe; they come before the shared ones. */
  personalHeaders?: Record<string, string>;
}

/** Everything that goes into one e-mail. */
export type MessageParts = MailingParts & RecipientParts;

// Lines of base64 in a body; the composer's encoder wraps at the same length.
const LINE = 76;

/**
 * Builds the raw RFC 5322 message with nodemailer's composer: multipart/alternative with the plain
 * text first and HTML last (clients show the last part they can render), UTF-8 throughout, headers
 * encoded as RFC 2047 where needed. Bodies are base64: it keeps every line within SMTP's limits
 * whatever the content, and spam filters do not count it as disguise for UTF-8 text.
 * @returns the message's bytes, ready for SES SendRawEmail or an .eml file
 */
export function composeMessage(parts: MessageParts): Promise<Buffer> {
  return new MailComposer({
    from: parts.from,
    to: parts.to,
    ...(parts.replyTo ? { replyTo: parts.replyTo } : {}),
    subject: parts.subject,
    // Always base64, even where the composer would pick 7bit, so that a mail merge's messages
    // are exactly what the composer builds.
    text: { content: parts.text, contentTransferEncoding: 'base64' },
    html: { content: parts.html, contentTransferEncoding: 'base64' },
    messageId: `<${parts.messageId}>`,
    date: parts.date,
    headers: { ...parts.personalHeaders, ...parts.headers },
    baseBoundary: parts.boundary,
    // Nothing in a mail is a file or URL to fetch: refuse both, whatever a field holds.
    disableFileAccess: true,
    disableUrlAccess: true,
  })
    .compile()
    .build();
}

/** Renders one personal piece of a message. */
type Slot = (recipient: RecipientParts) => string;

/**
 * One mailing's messages, composed once by nodemailer and filled in for each recipient: the same
 * bytes {@link composeMessage} builds for that recipient, at a fraction of the cost (the composer
 * builds a tree of nodes and streams for every message). The personal header lines are encoded
 * and folded by nodemailer's own functions, the bodies by its base64 encoder.
 */
export class MailMerge {
  private constructor(
    private readonly pieces: readonly string[],
    private readonly slots: readonly Slot[],
  ) {}

  /**
   * Composes the mailing's message with a marker in each personal place and finds the markers.
   * @param personalHeaders - the names of the headers each recipient gets their own value of
   */
  static async prepare(mailing: MailingParts, personalHeaders: readonly string[]): Promise<MailMerge> {
    // Markers that survive the composer unchanged: ASCII, no spaces, short enough not to be folded.
    const marker = (name: string) => `herald-merge-${name}.invalid`;
    const raw = (
      await composeMessage({
        ...mailing,
        to: `to@${marker('to')}`,
        messageId: marker('message-id'),
        text: marker('text'),
        html: marker('html'),
        personalHeaders: Object.fromEntries(personalHeaders.map((name, i) => [name, marker(`header-${i}`)])),
      })
    ).toString('utf8');
    // Only the header encoder of a node is used: the composer's root node encodes the same way.
    const encoder = new MimeNode();
    const found: { start: number; end: number; slot: Slot }[] = [];
    const once = (text: string, what: string): number => {
      const at = raw.indexOf(text);
      if (at < 0 || raw.indexOf(text, at + 1) >= 0)
        throw new Error(`mail merge: the ${what} is not in one place`);
      return at;
    };
    const header = (text: string, what: string, value: (recipient: RecipientParts) => string) => {
      const at = once(text, what);
      const lineBreak = raw.lastIndexOf('\r\n', at);
      const start = lineBreak < 0 ? 0 : lineBreak + 2;
      const end = raw.indexOf('\r\n', at);
      const key = raw.slice(start, raw.indexOf(':', start));
      found.push({
        start,
        end,
        slot: (recipient) => {
          const given = value(recipient);
          if (given === '') throw new Error(`mail merge: ${key} is empty`);
          return foldLines(`${key}: ${encoder.encodeHeaderValue(key, given)}`, LINE);
        },
      });
    };
    const body = (text: string, what: string, value: (recipient: RecipientParts) => string) => {
      const encoded = base64(text);
      const start = once(encoded, what);
      found.push({
        start,
        end: start + encoded.length,
        slot: (recipient) => {
          const given = value(recipient);
          if (given === '') throw new Error(`mail merge: the ${what} is empty`);
          return wrap(base64(given), LINE);
        },
      });
    };
    header(marker('to'), 'recipient', (r) => r.to);
    header(marker('message-id'), 'message id', (r) => `<${r.messageId}>`);
    personalHeaders.forEach((name, i) => {
      header(marker(`header-${i}`), name, (r) => r.personalHeaders?.[name] ?? '');
    });
    body(marker('text'), 'text body', (r) => r.text);
    body(marker('html'), 'HTML body', (r) => r.html);
    found.sort((a, b) => a.start - b.start);
    const pieces: string[] = [];
    let from = 0;
    for (const { start, end } of found) {
      pieces.push(raw.slice(from, start));
      from = end;
    }
    pieces.push(raw.slice(from));
    return new MailMerge(
      pieces,
      found.map((f) => f.slot),
    );
  }

  /** One recipient's message: the bytes {@link composeMessage} builds from the mailing and `recipient`. */
  fill(recipient: RecipientParts): Buffer {
    let out = this.pieces[0] ?? '';
    for (const [i, slot] of this.slots.entries()) out += slot(recipient) + (this.pieces[i + 1] ?? '');
    return Buffer.from(out, 'utf8');
  }
}
