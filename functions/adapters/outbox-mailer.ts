import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Mailer, OutgoingMail, SendQuota } from '../ports/mailer.ts';

/**
 * Local mode's mail service: each message becomes an `.eml` file in an outbox (any mail client
 * opens them; local mode lists and renders them at /_outbox/). Nothing leaves the machine.
 */
export class OutboxMailer implements Mailer {
  private count = 0;

  constructor(
    private readonly outbox: BlobStore,
    private readonly clock: Clock,
    /** The rate local mode pretends SES allows, so pacing runs as in AWS. */
    private readonly maxSendRate = 100,
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const stamp = this.clock.now().toISOString().replace(/[:.]/g, '-');
    const safe = mail.to.replace(/[^A-Za-z0-9@._+-]/g, '_');
    const key = `${stamp}-${String(++this.count).padStart(4, '0')}-${safe}.eml`;
    await this.outbox.put(key, mail.raw, { contentType: 'message/rfc822' });
    return { messageId: key };
  }

  async quota(): Promise<SendQuota> {
    return { maxSendRate: this.maxSendRate, max24HourSend: Infinity, sentLast24Hours: 0 };
  }
}
