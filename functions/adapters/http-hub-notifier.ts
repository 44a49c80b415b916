import type { HubNotifier } from '../ports/hub-notifier.ts';

/**
 * Pings a WebSub hub over HTTP, one `hub.mode=publish` POST per changed feed (the form every hub
 * accepts). A hub that does not answer within a few seconds is given up on: readers still poll.
 * @param fetchFn - the fetch to use (tests pass one bound to a local server)
 */
export function httpHubNotifier(fetchFn: typeof fetch = fetch, timeoutMs = 5000): HubNotifier {
  return {
    async notify(hub, topics) {
      const failures: string[] = [];
      await Promise.all(
        topics.map(async (topic) => {
          try {
            const response = await fetchFn(hub, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString(),
              signal: AbortSignal.timeout(timeoutMs),
            });
            if (!response.ok) failures.push(`${topic}: HTTP ${response.status}`);
          } catch (error) {
            failures.push(`${topic}: ${(error as Error).message}`);
          }
        }),
      );
      if (failures.length > 0) throw new Error(`WebSub hub ${hub} was not told of ${failures.join('; ')}`);
    },
  };
}
