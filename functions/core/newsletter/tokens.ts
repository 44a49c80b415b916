import { createHmac, timingSafeEqual } from 'node:crypto';
import { addressIdentity, type EmailAddress } from './email-address.ts';

/** What a token lets its holder do. */
export type TokenPurpose = 'confirm' | 'unsubscribe';

/** A token that checked out. */
export interface VerifiedToken {
  purpose: TokenPurpose;
  subscriberId: string;
}

/** Why a token was refused: each gets its own page. */
export type TokenProblem = 'malformed' | 'forged' | 'expired' | 'wrong-purpose';

const PURPOSE_CODE: Record<TokenPurpose, string> = { confirm: 'c', unsubscribe: 'u' };
const TOKEN = /^([cu])([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})$/;

/**
 * Makes and checks the tokens in confirmation and unsubscribe links, and derives subscriber ids.
 * Tokens carry the subscriber's id (a keyed hash of the address), never the address, and are signed
 * with HMAC-SHA-256 under a key derived from the site's secret; ids use a separate derived key.
 */
export class TokenSigner {
  private readonly idKey: Buffer;
  private readonly tokenKey: Buffer;

  /** @param secret - the newsletter secret (at least 32 characters), kept in Secrets Manager */
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the newsletter secret must have at least 32 characters');
    this.idKey = createHmac('sha256', secret).update('herald subscriber id v1').digest();
    this.tokenKey = createHmac('sha256', secret).update('herald link token v1').digest();
  }

  /** The subscriber id of an address: stable, the same for any capitalisation, not reversible. */
  subscriberId(address: EmailAddress): string {
    return createHmac('sha256', this.idKey).update(addressIdentity(address)).digest('base64url').slice(0, 22);
  }

  /**
   * Signs a link token.
   * @param expiresAt - when it stops working; omit for a token that never expires (unsubscribe
   *   links must keep working in old mail)
   */
  sign(purpose: TokenPurpose, subscriberId: string, expiresAt?: Date): string {
    const expiry = expiresAt === undefined ? '0' : Math.ceil(expiresAt.getTime() / 1000).toString(36);
    const body = `${PURPOSE_CODE[purpose]}${subscriberId}.${expiry}`;
    return `${body}.${this.mac(body)}`;
  }

  /**
   * Checks a token from a link.
   * @param expected - the purpose the endpoint serves; a confirm token cannot unsubscribe
   * @param now - the current time, for expiry
   */
  verify(
    token: string,
    expected: TokenPurpose,
    now: Date,
  ): { ok: true; token: VerifiedToken } | { ok: false; problem: TokenProblem } {
    const match = TOKEN.exec(token.trim());
    if (!match) return { ok: false, problem: 'malformed' };
    const [, code, subscriberId = '', expiry = '0', mac = ''] = match;
    const body = `${code}${subscriberId}.${expiry}`;
    const wanted = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (wanted.length !== given.length || !timingSafeEqual(wanted, given))
      return { ok: false, problem: 'forged' };
    const purpose: TokenPurpose = code === 'c' ? 'confirm' : 'unsubscribe';
    if (purpose !== expected) return { ok: false, problem: 'wrong-purpose' };
    const expiresMs = Number.parseInt(expiry, 36) * 1000;
    if (expiresMs !== 0 && expiresMs < now.getTime()) return { ok: false, problem: 'expired' };
    return { ok: true, token: { purpose, subscriberId } };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.tokenKey).update(body).digest('base64url').slice(0, 22);
  }
}
