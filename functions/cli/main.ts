import { resolve } from 'node:path';
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { fixedClock, systemClock } from '../adapters/clocks.ts';
import { FsBlobStore } from '../adapters/fs-blob-store.ts';
import { jsonLogger, silentLogger } from '../adapters/loggers.ts';
import { WorkerPostCompiler } from '../adapters/worker-post-compiler.ts';
import { buildSite } from '../app/build-site.ts';
import { createPost } from '../app/new-post.ts';
import { ConfigError } from '../core/errors.ts';
import { ignoredFieldReason } from '../core/text/did-you-mean.ts';
import { CommanderError, commanderExitCode, EXIT, explain } from './cli-errors.ts';
import { addLocalCommands } from './local-commands.ts';
import { addNewsletterCommands } from './newsletter-commands.ts';
import { parseHttpUrl, parseInstant } from './option-values.ts';
import { assertFolder, relativeToCwd } from './paths.ts';

const program = new Command()
  .name('herald')
  .description(
    'Publish markdown posts as RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds and the HTML site they link to.',
  )
  .addHelpText(
    'after',
    `
Exit codes:
  0  done
  1  some posts (or addresses) failed; the others were published (or added)
  2  a usage or configuration mistake (a bad option, a missing file, site.yaml); nothing was changed
  3  anything else (a bug, or storage that failed); run again with --verbose to see where`,
  )
  .version(packageJson.version, '--version', 'print the version of Herald')
  // Commander's own mistakes (unknown option, bad value) come back here as CommanderErrors, so
  // that they exit 2 and print as one line, not the whole help.
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => write(`herald: ${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
  });

program
  .command('build')
  .description(
    'build the feeds (RSS, Atom, JSON Feed; site-wide and per category) and, unless site.yaml says pages: false, the HTML site (post, home, archive, category and feeds pages, 404, sitemap) of a content folder into an output folder',
  )
  .option('--content <dir>', 'content folder with site.yaml, posts/ and static/', 'content')
  .option('--out <dir>', 'output folder', 'public')
  .option('--base-url <url>', 'override baseUrl from site.yaml (e.g. for a preview host)', parseHttpUrl)
  .option('--now <iso>', 'publish as if it were this instant (ISO 8601)', parseInstant)
  .option('--verbose', 'log every event as JSON lines on stderr, and show where an error came from')
  .action(
    async (options: { content: string; out: string; baseUrl?: string; now?: Date; verbose?: boolean }) => {
      const contentDir = resolve(options.content);
      const outDir = resolve(options.out);
      assertFolder(contentDir, '--content');
      const compiler = new WorkerPostCompiler();
      try {
        const report = await buildSite(
          {
            content: new FsBlobStore(contentDir),
            output: new FsBlobStore(outDir),
            clock: options.now ? fixedClock(options.now) : systemClock,
            log: options.verbose ? jsonLogger() : silentLogger,
            compiler,
          },
          options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl },
        );
        const out = relativeToCwd(outDir);
        console.log(
          `Published ${report.published} post${report.published === 1 ? '' : 's'} into ${out}/ ` +
            `(${report.drafts} draft, ${report.scheduled} scheduled, ${report.expired ? `${report.expired} expired, ` : ''}${report.failed.length} failed)`,
        );
        for (const error of report.failed)
          console.error(
            `  ${relativeToCwd(resolve(contentDir, error.file))}: ${error.field}: ${error.reason}`,
          );
        for (const typo of report.typos)
          console.error(
            `  ${relativeToCwd(resolve(contentDir, typo.file))}: warning: ${typo.field}: ${ignoredFieldReason(typo.meant)}`,
          );
        for (const { file, warning } of report.warnings)
          console.error(`  ${relativeToCwd(resolve(contentDir, file))}: warning: ${warning}`);
        for (const notice of report.notices) console.error(`  notice: ${notice}`);
        console.log(`Feeds: ${out}/rss.xml, ${out}/atom.xml, ${out}/feed.json`);
        const categories = report.written.filter((k) => /^categories\/[^/]+\/rss\.xml$/.test(k)).length;
        if (categories > 0)
          console.log(`       and ${categories} per category under ${out}/categories/<slug>/`);
        process.exitCode = report.failed.length > 0 ? EXIT.someFailed : EXIT.ok;
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`${relativeToCwd(resolve(contentDir, error.file))}: ${error.field}: ${error.reason}`);
          process.exitCode = EXIT.usage;
          return;
        }
        throw error;
      } finally {
        await compiler.close();
      }
    },
  );

program
  .command('new <title>')
  .description(
    "write a new draft post in the site's style (front matter format, date field, folders), dated now in the site's timezone; never replaces a file",
  )
  .option('--content <dir>', 'content folder with site.yaml and posts/', 'content')
  .option('--slug <slug>', 'URL slug (default: made from the title)')
  .option('--now <iso>', 'date the post at this instant instead of now (ISO 8601)', parseInstant)
  .option('--verbose', 'show where an error came from')
  .action(async (title: string, options: { content: string; slug?: string; now?: Date }) => {
    const contentDir = resolve(options.content);
    assertFolder(contentDir, '--content');
    const key = await createPost(
      {
        content: new FsBlobStore(contentDir),
        clock: options.now ? fixedClock(options.now) : systemClock,
      },
      { title, ...(options.slug === undefined ? {} : { slug: options.slug }) },
    );
    console.log(
      `Wrote ${relativeToCwd(resolve(contentDir, key))} (draft: true; set it to false, or delete the line, to publish)`,
    );
  });

// Errors name the command that met them, e.g. `herald subscribers import: …`.
let commandName = 'herald';
program.hook('preAction', (_program, action) => {
  const names: string[] = [];
  for (let c: Command | null = action; c !== null && c !== program; c = c.parent) names.unshift(c.name());
  commandName = ['herald', ...names].join(' ');
});

addLocalCommands(program);
addNewsletterCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = commanderExitCode(error);
  else {
    const { line, code } = explain(error);
    console.error(`${commandName}: ${line}`);
    // A trace helps whoever debugs Herald; an author gets the line above.
    if (process.argv.includes('--verbose')) console.error(error);
    process.exitCode = code;
  }
}
