import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { MemoryBlobStore } from '../../functions/adapters/memory-blob-store.ts';
import { type PublishDeps, publishChanges } from '../../functions/app/publish-site.ts';
import type { HubNotifier } from '../../functions/ports/hub-notifier.ts';
import type { Logger } from '../../functions/ports/logger.ts';
import {
  atomRuleViolations,
  atomSchemaErrors,
  jsonFeedErrors,
  rssRuleViolations,
  xmlWellFormed,
} from '../helpers/feed-checks.ts';
import { contentStore, postFile, SITE_YAML } from '../helpers/memory-content.ts';

const HUB = 'https://hub.example/';

async function setup(
  hub: HubNotifier,
  siteYaml = `${SITE_YAML}websubHub: ${HUB}\n`,
  log: Logger = silentLogger,
) {
  const deps: PublishDeps & { output: MemoryBlobStore; content: MemoryBlobStore } = {
    content: await contentStore(
      { 'posts/a.md': postFile('A', '2024-01-01', 'categories: [News]') },
      siteYaml,
    ),
    output: new MemoryBlobStore(),
    state: new MemoryBlobStore(),
    clock: fixedClock(new Date('2024-06-01T00:00:00Z')),
    log,
    hub,
  };
  return deps;
}

describe('WebSub', () => {
  it('names the hub in every feed format, and the feeds stay valid', async () => {
    const deps = await setup({ notify: async () => {} });
    await publishChanges(deps, []);
    const rss = deps.output.text('rss.xml') ?? '';
    const atom = deps.output.text('atom.xml') ?? '';
    expect(rss).toContain(`<atom:link href="${HUB}" rel="hub"/>`);
    expect(atom).toContain(`<link rel="hub" href="${HUB}"/>`);
    expect(JSON.parse(deps.output.text('feed.json') ?? '{}').hubs).toEqual([{ type: 'WebSub', url: HUB }]);
    expect(xmlWellFormed(rss)).toBe(true);
    expect(rssRuleViolations(rss, 'https://example.org/rss.xml')).toEqual([]);
    expect(atomRuleViolations(atom, 'https://example.org/atom.xml')).toEqual([]);
    expect(await atomSchemaErrors(atom)).toEqual([]);
    expect(jsonFeedErrors(deps.output.text('feed.json') ?? '')).toEqual([]);
  });

  it('pings the hub with exactly the feeds that changed', async () => {
    const pings: string[][] = [];
    const deps = await setup({ notify: async (hub, topics) => void pings.push([hub, ...topics]) });
    await publishChanges(deps, []);
    await deps.content.put('posts/b.md', postFile('B', '2024-02-01'));
    await publishChanges(deps, ['posts/b.md']);
    expect(pings[1]).toEqual([
      HUB,
      'https://example.org/rss.xml',
      'https://example.org/atom.xml',
      'https://example.org/feed.json',
    ]);
    await publishChanges(deps, ['posts/b.md']);
    expect(pings).toHaveLength(2);
  });

  it('logs a hub that fails and still publishes', async () => {
    const warnings: Record<string, unknown>[] = [];
    const log: Logger = { ...silentLogger, warn: (_m, f = {}) => warnings.push(f) };
    const deps = await setup({ notify: async () => Promise.reject(new Error('hub down')) }, undefined, log);
    await publishChanges(deps, []);
    expect(deps.output.text('rss.xml')).toContain('rel="hub"');
    expect(warnings).toEqual([{ hub: HUB, error: 'Error: hub down' }]);
  });

  it('neither links nor pings without a hub in site.yaml', async () => {
    const pings: string[][] = [];
    const deps = await setup({ notify: async (_hub, topics) => void pings.push([...topics]) }, SITE_YAML);
    await publishChanges(deps, []);
    expect(deps.output.text('rss.xml')).not.toContain('rel="hub"');
    expect(pings).toEqual([]);
  });
});
