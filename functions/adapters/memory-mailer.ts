import type { Mailer, OutgoingMail, SendQuota, SentRecord } from '../ports/mailer.ts';

/**
 * Keeps every message in memory: for tests and benchmarks. Like the outbox, it keeps a record by
 * idempotency key and accepts a keyed message once.
 */
export class MemoryMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];
  private readonly byKey = new Map<string, string>();

  constructor(
    private readonly sendQuota: SendQuota = {
      maxSendRate: Infinity,
      max24HourSend: Infinity,
      sentLast24Hours: 0,
    },
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const key = mail.idempotencyKey === undefined ? undefined : `${mail.idempotencyKey} ${mail.to}`;
    const earlier = key === undefined ? undefined : this.byKey.get(key);
    if (earlier !== undefined) return { messageId: earlier };
    this.sent.push(mail);
    const messageId = `memory-${this.sent.length}`;
    if (key !== undefined) this.byKey.set(key, messageId);
    return { messageId };
  }

  async findSent(idempotencyKey: string, to: string): Promise<SentRecord> {
    const messageId = this.byKey.get(`${idempotencyKey} ${to}`);
    return messageId === undefined ? { found: false } : { found: true, messageId };
  }

  async quota(): Promise<SendQuota> {
    return { ...this.sendQuota, sentLast24Hours: this.sendQuota.sentLast24Hours + this.sent.length };
  }
}
