// SES reports bounces and complaints through the configuration set's event destination, an SNS
// topic that invokes this function. Suppression is idempotent, so SNS's retries are harmless.
import type { SNSEvent } from 'aws-lambda';
import { systemClock } from '../adapters/clocks.ts';
import { suppressAddresses } from '../app/newsletter/suppress-addresses.ts';
import { parseSesNotice } from '../core/newsletter/ses-notice.ts';
import { log, newsletter, signer } from './newsletter-deps.ts';

/** Suppresses the addresses of permanent bounces and complaints. */
export async function handler(event: SNSEvent): Promise<{ suppressed: number }> {
  let suppressed = 0;
  for (const record of event.Records) {
    const notice = parseSesNotice(record.Sns.Message);
    if (notice === undefined) {
      log.info('SES event ignored (not a bounce or complaint)', { messageId: record.Sns.MessageId });
      continue;
    }
    suppressed += await suppressAddresses({ newsletter, signer, clock: systemClock, log }, notice);
  }
  return { suppressed };
}
