import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import type { PublishDeps } from '../../functions/app/publish-site.ts';
import type { Clock } from '../../functions/ports/clock.ts';
import type { Logger } from '../../functions/ports/logger.ts';

export const SITE_YAML = `title: Test Site
baseUrl: https://example.org/
timezone: UTC
author: Editors
`;

/** A post file with YAML front matter. */
export function postFile(title: string, date: string, extra = '', body = `Body of ${title}.`): string {
  return `---\ntitle: ${JSON.stringify(title)}\ndate: ${date}\n${extra}\n---\n\n${body}\n`;
}

/** A content store holding site.yaml and the given files. */
export async function contentStore(files: Record<string, string | Uint8Array>, siteYaml = SITE_YAML) {
  const store = new MemoryBlobStore();
  await store.put('site.yaml', siteYaml);
  for (const [key, body] of Object.entries(files)) await store.put(key, body);
  return store;
}

/** Publish ports over memory stores, with a content store holding site.yaml and `files`. */
export async function memoryPublishDeps(
  files: Record<string, string | Uint8Array>,
  options: { siteYaml?: string; clock?: Clock; log?: Logger } = {},
): Promise<PublishDeps & { content: MemoryBlobStore; output: MemoryBlobStore; state: MemoryBlobStore }> {
  return {
    content: await contentStore(files, options.siteYaml),
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
    clock: options.clock ?? fixedClock(new Date('2024-06-01T00:00:00Z')),
    log: options.log ?? silentLogger,
  };
}
