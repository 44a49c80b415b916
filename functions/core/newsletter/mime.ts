import MailComposer from 'nodemailer/lib/mail-composer';

/** Everything that goes into one e-mail. */
export interface MessageParts {
  from: { name: string; address: string };
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  /** Without angle brackets, e.g. `digest-2026-11-30.abc@example.org`. */
  messageId: string;
  date: Date;
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>;
  /** Unique per message; seeds the MIME boundaries (saves drawing random bytes for each mail). */
  boundary: string;
}

/**
 * Builds the raw RFC 5322 message with nodemailer's composer: multipart/alternative with the plain
 * text first and HTML last (clients show the last part they can render), UTF-8 throughout, headers
 * encoded as RFC 2047 where needed. Bodies are base64: the composer writes it faster than
 * quoted-printable and it keeps every line within SMTP's limits whatever the content.
 * @returns the message's bytes, ready for SES SendRawEmail or an .eml file
 */
export function composeMessage(parts: MessageParts): Promise<Buffer> {
  return new MailComposer({
    from: parts.from,
    to: parts.to,
    ...(parts.replyTo ? { replyTo: parts.replyTo } : {}),
    subject: parts.subject,
    text: parts.text,
    html: parts.html,
    textEncoding: 'base64',
    messageId: `<${parts.messageId}>`,
    date: parts.date,
    headers: parts.headers ?? {},
    baseBoundary: parts.boundary,
    // Nothing in a digest is a file or URL to fetch: refuse both, whatever a field holds.
    disableFileAccess: true,
    disableUrlAccess: true,
  })
    .compile()
    .build();
}
