import type { RebuildMessage } from '../../ports/rebuild-queue.ts';
import type { PublishReport } from '../publish-run.ts';
import { finishRebuild } from './finish-rebuild.ts';
import { type FanOutDeps, startRebuild } from './plan-rebuild.ts';
import { runRebuildWork } from './rebuild-shards.ts';

/**
 * Starts (or resumes) a fan-out rebuild and runs every message it sends, in this process, one at a
 * time: the CLI's `herald rebuild` and the benchmark. The steps are those the Lambda functions run;
 * a failure stops here with the progress kept, and running this again resumes.
 * @param take - the next message the rebuild's queue holds (the queue in `deps.rebuild`)
 * @param onStep - told of each message before it runs (progress)
 * @returns the final step's report
 * @throws what a step throws (ConfigError for a bad site.yaml; store errors)
 */
export async function drainRebuild(
  deps: FanOutDeps,
  take: () => RebuildMessage | undefined,
  onStep?: (message: RebuildMessage) => void,
): Promise<PublishReport> {
  let report = await startRebuild(deps);
  for (let message = take(); message !== undefined; message = take()) {
    onStep?.(message);
    if (message.step === 'finish') report = (await finishRebuild(deps, message)) ?? report;
    else await runRebuildWork(deps, message);
  }
  return report;
}
