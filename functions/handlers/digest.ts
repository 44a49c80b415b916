// The digest Lambda's composition root; the logic is in digest-handler.ts.
import { createDigestHandler } from './digest-handler.ts';
import { digestQueueFromEnv, newsletterDepsFromEnv } from './newsletter-deps.ts';

export { createDigestHandler, type DigestEvent } from './digest-handler.ts';

/** The Lambda entry point. */
export const handler = createDigestHandler({
  ...(await newsletterDepsFromEnv(process.env)),
  queue: digestQueueFromEnv(process.env),
});
