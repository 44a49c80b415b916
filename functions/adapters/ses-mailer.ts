import { GetSendQuotaCommand, type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import {
  type Mailer,
  type OutgoingMail,
  SendError,
  type SendQuota,
  type SentRecord,
} from '../ports/mailer.ts';

/**
 * Sends through Amazon SES's SendRawEmail with a configuration set (whose event destination
 * reports bounces and complaints). SES's refusals are mapped to what the sender can do about them.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly configurationSet: string,
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    try {
      const result = await this.client.send(
        new SendRawEmailCommand({
          RawMessage: { Data: mail.raw },
          Source: mail.from,
          Destinations: [mail.to],
          ConfigurationSetName: this.configurationSet,
        }),
      );
      return { messageId: result.MessageId ?? '' };
    } catch (error) {
      throw classify(error);
    }
  }

  /**
   * SES has no idempotency token and no way to look a message up by one: it cannot tell. (A message's
   * own headers are not searchable, and SES replaces Message-ID.)
   */
  async findSent(): Promise<SentRecord> {
    return 'unknown';
  }

  async quota(): Promise<SendQuota> {
    const quota = await this.client.send(new GetSendQuotaCommand({}));
    const max = quota.Max24HourSend ?? 200;
    return {
      maxSendRate: quota.MaxSendRate ?? 1,
      // SES reports -1 for an account without a daily limit.
      max24HourSend: max < 0 ? Number.POSITIVE_INFINITY : max,
      sentLast24Hours: quota.SentLast24Hours ?? 0,
    };
  }
}

/** Maps an SES error to a {@link SendError}; other errors (network, permissions) pass unchanged. */
export function classify(error: unknown): unknown {
  const name = (error as { name?: string }).name ?? '';
  const message = (error as { message?: string }).message ?? '';
  if (name === 'Throttling' || name === 'ThrottlingException' || /rate exceeded/i.test(message)) {
    if (/daily message quota/i.test(message))
      return new SendError('quota-exhausted', message, { cause: error });
    return new SendError('throttled', message, { cause: error });
  }
  // Refusals of this message or address (in the sandbox: an unverified recipient). A paused
  // account or a missing configuration set is not per message: those fail the job for a retry.
  if (name === 'MessageRejected' || name === 'InvalidParameterValue')
    return new SendError('rejected', message, { cause: error });
  return error;
}
