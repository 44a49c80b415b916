/** One raw message on its way out. */
export interface OutgoingMail {
  /** Envelope sender and recipient (the message's own headers say the same). */
  from: string;
  to: string;
  /** The whole RFC 5322 message. */
  raw: Uint8Array;
  /**
   * Names this message for good (a digest and its recipient): a mail service that keeps a record by
   * it sends a second message with the same key at most once, and {@link Mailer.findSent} finds it.
   */
  idempotencyKey?: string;
}

/**
 * What a mail service knows of a message sent earlier under an idempotency key: it has it (with the
 * id it gave it), it does not, or it keeps no record by key and cannot tell (Amazon SES).
 */
export type SentRecord = { found: true; messageId: string } | { found: false } | 'unknown';

/** What the sending account may send (Amazon SES's GetSendQuota). */
export interface SendQuota {
  /** Messages per second. */
  maxSendRate: number;
  /** Messages per rolling 24 hours; Infinity where there is no limit. */
  max24HourSend: number;
  sentLast24Hours: number;
}

/** Why a message was not sent, as far as what to do next goes. */
export type SendFailure =
  /** Too fast: wait and try the same message again. */
  | 'throttled'
  /** The day's quota is used up: stop and carry on later. */
  | 'quota-exhausted'
  /** This message or address was refused: do not retry it. */
  | 'rejected';

/** A send that failed in a way the sender can act on; anything else is an infrastructure error. */
export class SendError extends Error {
  override name = 'SendError';
  constructor(
    readonly failure: SendFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Hands e-mail to a mail service: Amazon SES in AWS, an outbox folder locally, memory in tests. */
export interface Mailer {
  /**
   * @returns the service's id for the message
   * @throws SendError when the service refused it for a reason the sender can act on
   */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  quota(): Promise<SendQuota>;
  /**
   * Whether a message to `to` with this idempotency key was accepted: what a sender that died
   * between handing a message over and recording it asks before sending it again.
   */
  findSent(idempotencyKey: string, to: string): Promise<SentRecord>;
}
