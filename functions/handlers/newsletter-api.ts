// The subscribe API Lambda's composition root; the logic is in newsletter-api-handler.ts.
import { createNewsletterApiHandler } from './newsletter-api-handler.ts';
import { newsletterDepsFromEnv } from './newsletter-deps.ts';

export { createNewsletterApiHandler } from './newsletter-api-handler.ts';

/** The Lambda entry point. */
export const handler = createNewsletterApiHandler(await newsletterDepsFromEnv(process.env));
