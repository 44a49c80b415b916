import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { fixedClock, systemClock } from '../adapters/clocks.ts';
import { FsBlobStore } from '../adapters/fs-blob-store.ts';
import { jsonLogger, silentLogger } from '../adapters/loggers.ts';
import { WorkerPostCompiler } from '../adapters/worker-post-compiler.ts';
import { buildSite } from '../app/build-site.ts';
import { ConfigError } from '../core/errors.ts';
import { addLocalCommands } from './local-commands.ts';
import { addNewsletterCommands } from './newsletter-commands.ts';
import { relativeToCwd } from './paths.ts';

const program = new Command()
  .name('herald')
  .description('Publish markdown posts as RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds.')
  .showHelpAfterError();

program
  .command('build')
  .description('build every feed of a content folder into an output folder')
  .option('--content <dir>', 'content folder with site.yaml, posts/ and static/', 'content')
  .option('--out <dir>', 'output folder', 'public')
  .option('--base-url <url>', 'override baseUrl from site.yaml (e.g. for a preview host)')
  .option('--now <iso>', 'publish as if it were this instant (ISO 8601)', parseInstant)
  .option('--verbose', 'log every event as JSON lines on stderr')
  .action(
    async (options: { content: string; out: string; baseUrl?: string; now?: Date; verbose?: boolean }) => {
      const contentDir = resolve(options.content);
      const outDir = resolve(options.out);
      const compiler = new WorkerPostCompiler();
      try {
        const report = await buildSite(
          {
            content: new FsBlobStore(contentDir),
            site: new FsBlobStore(outDir),
            clock: options.now ? fixedClock(options.now) : systemClock,
            log: options.verbose ? jsonLogger() : silentLogger,
            compiler,
          },
          options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl },
        );
        const out = relativeToCwd(outDir);
        console.log(
          `Published ${report.published} post${report.published === 1 ? '' : 's'} into ${out}/ ` +
            `(${report.drafts} draft, ${report.scheduled} scheduled, ${report.failed.length} failed)`,
        );
        for (const error of report.failed)
          console.error(
            `  ${relativeToCwd(resolve(contentDir, error.file))}: ${error.field}: ${error.reason}`,
          );
        console.log(`Feeds: ${out}/rss.xml, ${out}/atom.xml, ${out}/feed.json`);
        const categories = report.written.filter((k) => /^categories\/[^/]+\/rss\.xml$/.test(k)).length;
        if (categories > 0)
          console.log(`       and ${categories} per category under ${out}/categories/<slug>/`);
        process.exitCode = report.failed.length > 0 ? 1 : 0;
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`${relativeToCwd(resolve(contentDir, error.file))}: ${error.field}: ${error.reason}`);
          process.exitCode = 2;
          return;
        }
        throw error;
      } finally {
        await compiler.close();
      }
    },
  );

function parseInstant(value: string): Date {
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime()))
    throw new InvalidArgumentError('expected an ISO 8601 instant such as 2024-01-31T12:00:00Z');
  return instant;
}

addLocalCommands(program);
addNewsletterCommands(program);

await program.parseAsync();
