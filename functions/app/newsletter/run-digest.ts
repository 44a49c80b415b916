import { MemoryDigestQueue } from '../../adapters/memory-digest-queue.ts';
import type { SiteConfig } from '../../core/config/site-config.ts';
import { type DigestPlan, type PlanDigestDeps, planDigest } from './plan-digest.ts';
import { type SendDigestDeps, type SendReport, sendDigestJob } from './send-digest.ts';

/**
 * Plans a digest and sends every job in this process, one after another: for the CLI, where there
 * is no SQS. The same use-cases as in AWS; only the queue is a list.
 */
export async function runDigestNow(
  deps: Omit<PlanDigestDeps & SendDigestDeps, 'queue'>,
  site: SiteConfig,
  options: { until?: Date; apiUrl: string },
): Promise<{ plan: DigestPlan; sent: SendReport[] }> {
  const queue = new MemoryDigestQueue();
  const plan = await planDigest({ ...deps, queue }, site, options.until ? { until: options.until } : {});
  const sent: SendReport[] = [];
  for (let next = queue.take(); next; next = queue.take())
    sent.push(await sendDigestJob({ ...deps, queue }, site, next.job, { apiUrl: options.apiUrl }));
  return { plan, sent };
}
