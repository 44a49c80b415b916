import { type BlobStore, WriteConflict } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Mailer, OutgoingMail, SendQuota, SentRecord } from '../ports/mailer.ts';

/**
 * Local mode's mail service: each message becomes an `.eml` file in an outbox (any mail client
 * opens them; local mode lists and renders them at /_outbox/). Nothing leaves the machine.
 *
 * A message with an idempotency key gets a file name made from the key alone, written only if no
 * file has it: the outbox itself is the record of what was sent, so a digest resumed after a crash
 * (or sent by two runs at once) leaves one file per recipient however often it is sent.
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
    if (mail.idempotencyKey !== undefined) {
      const key = keyedName(mail.idempotencyKey, mail.to);
      try {
        await this.outbox.put(key, mail.raw, { contentType: 'message/rfc822', ifNoneMatch: '*' });
      } catch (error) {
        // Already in the outbox: this message was sent; sending it again is a no-op.
        if (!(error instanceof WriteConflict)) throw error;
      }
      return { messageId: key };
    }
    const stamp = this.clock.now().toISOString().replace(/[:.]/g, '-');
    const key = `${stamp}-${String(++this.count).padStart(4, '0')}-${safeAddress(mail.to)}.eml`;
    await this.outbox.put(key, mail.raw, { contentType: 'message/rfc822' });
    return { messageId: key };
  }

  async findSent(idempotencyKey: string, to: string): Promise<SentRecord> {
    const key = keyedName(idempotencyKey, to);
    return (await this.outbox.get(key)) === undefined ? { found: false } : { found: true, messageId: key };
  }

  async quota(): Promise<SendQuota> {
    return { maxSendRate: this.maxSendRate, max24HourSend: Infinity, sentLast24Hours: 0 };
  }
}

const safeAddress = (address: string): string => address.replace(/[^A-Za-z0-9@._+-]/g, '_');

// The key first (a digest's key starts with its date, so the outbox still sorts roughly by time),
// the address last, as in every other outbox file name.
const keyedName = (idempotencyKey: string, to: string): string =>
  `${idempotencyKey.replace(/[^A-Za-z0-9._+-]/g, '_')}-${safeAddress(to)}.eml`;
