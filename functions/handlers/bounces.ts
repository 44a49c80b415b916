// The bounce Lambda's composition root; the logic is in bounces-handler.ts.
import { createBouncesHandler } from './bounces-handler.ts';
import { newsletterDepsFromEnv } from './newsletter-deps.ts';

export { createBouncesHandler } from './bounces-handler.ts';

/** The Lambda entry point. */
export const handler = createBouncesHandler(await newsletterDepsFromEnv(process.env));
