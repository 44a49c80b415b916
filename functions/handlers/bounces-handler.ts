// SES reports bounces and complaints through the configuration set's event destination, an SNS
// topic that invokes this function. Suppression is idempotent, so SNS's retries are harmless.
import type { SNSEvent } from 'aws-lambda';
import { suppressAddresses } from '../app/newsletter/suppress-addresses.ts';
import { parseSesNotice } from '../core/newsletter/ses-notice.ts';
import type { NewsletterHandlerDeps } from './newsletter-handler-deps.ts';

export type BouncesHandler = (event: SNSEvent) => Promise<{ suppressed: number }>;

/** The bounce handler over the given dependencies: suppresses permanent bounces and complaints. */
export function createBouncesHandler(deps: NewsletterHandlerDeps): BouncesHandler {
  return async (event) => {
    let suppressed = 0;
    for (const record of event.Records) {
      const notice = parseSesNotice(record.Sns.Message);
      if (notice === undefined) {
        deps.log.info('SES event ignored (not a bounce or complaint)', { messageId: record.Sns.MessageId });
        continue;
      }
      suppressed += await suppressAddresses(deps, notice);
    }
    return { suppressed };
  };
}
