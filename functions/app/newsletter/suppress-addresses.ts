import { parseEmailAddress } from '../../core/newsletter/email-address.ts';
import type { DeliveryNotice } from '../../core/newsletter/ses-notice.ts';
import { endSubscription, type Suppression } from '../../core/newsletter/subscriber.ts';
import type { TokenSigner } from '../../core/newsletter/tokens.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { NewsletterStore } from './newsletter-store.ts';

export interface SuppressDeps {
  newsletter: NewsletterStore;
  signer: TokenSigner;
  clock: Clock;
  log: Logger;
}

/**
 * Acts on a bounce or complaint: a permanent bounce or any complaint puts the address on the
 * suppression list (no digest, no confirmation mail, no import) and ends its subscription.
 * Transient bounces (a full mailbox) are only logged: the next digest tries again.
 * @returns how many addresses were suppressed
 */
export async function suppressAddresses(deps: SuppressDeps, notice: DeliveryNotice): Promise<number> {
  if (!notice.permanent) {
    deps.log.info('transient bounce; address kept', {
      detail: notice.detail,
      recipients: notice.addresses.length,
    });
    return 0;
  }
  let count = 0;
  for (const text of notice.addresses) {
    const checked = parseEmailAddress(text);
    if (!checked.ok) continue;
    const id = deps.signer.subscriberId(checked.address);
    const suppression: Suppression = {
      email: checked.address,
      reason: notice.kind,
      at: notice.at,
      detail: notice.detail,
    };
    await deps.newsletter.writeSuppression(id, suppression);
    const subscriber = await deps.newsletter.readSubscriber(id);
    if (subscriber && subscriber.status !== 'unsubscribed')
      await deps.newsletter.writeSubscriber(endSubscription(subscriber, notice.kind, deps.clock.now()));
    deps.log.warn('address suppressed', { subscriber: id, reason: notice.kind, detail: notice.detail });
    count++;
  }
  return count;
}
