import type { Mailer, OutgoingMail, SendQuota } from '../ports/mailer.ts';

/** Keeps every message in memory: for tests and benchmarks. */
export class MemoryMailer implements Mailer {
  readonly sent: OutgoingMail[] = [];

  constructor(
    private readonly sendQuota: SendQuota = {
      maxSendRate: Infinity,
      max24HourSend: Infinity,
      sentLast24Hours: 0,
    },
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    this.sent.push(mail);
    return { messageId: `memory-${this.sent.length}` };
  }

  async quota(): Promise<SendQuota> {
    return { ...this.sendQuota, sentLast24Hours: this.sendQuota.sentLast24Hours + this.sent.length };
  }
}
