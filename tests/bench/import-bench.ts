// Subscriber import speed: (1) reading a Mailchimp-shaped export of N rows and importing it into an
// in-memory list (parsing, checking, signing ids, merging: everything but storage); (2) the same
// into a folder (the filesystem store); (3) the CLI, `herald subscribers import`, into a fresh
// local-mode data folder, as a user runs it (s3rver), then the same file again (every address known)
// and `herald subscribers export`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { NewsletterStore } from '../../functions/app/newsletter/newsletter-store.ts';
import { importList } from '../../functions/app/newsletter/subscriber-list.ts';
import { readSubscriberFile } from '../../functions/core/newsletter/subscriber-file.ts';
import { memoryNewsletter } from '../helpers/newsletter.ts';

/** Writes a Mailchimp subscribed-members export of `rows` addresses. */
export function writeSyntheticList(path: string, rows: number): void {
  const lines = [
    '"Email Address","First Name",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LEID,TAGS',
  ];
  for (let i = 0; i < rows; i++)
    lines.push(
      `reader.${i}@example.org,Reader ${i},2,"2021-03-04 10:11:12",203.0.113.${i % 250},"2021-03-04 10:15:00",,${i},`,
    );
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
}

/**
 * Parses and imports the file into memory, or into a folder when `folder` is given; seconds for
 * each half.
 */
export async function benchImportInProcess(
  file: string,
  folder?: string,
): Promise<{ parseSeconds: number; importSeconds: number; added: number }> {
  const w = memoryNewsletter();
  const newsletter = folder === undefined ? w.newsletter : new NewsletterStore(new FsBlobStore(folder));
  const started = performance.now();
  const parsed = readSubscriberFile(readFileSync(file, 'utf8'), 'bench.csv');
  const parsedAt = performance.now();
  const report = await importList({ newsletter, signer: w.signer, clock: w.clock }, parsed.entries);
  return {
    parseSeconds: (parsedAt - started) / 1000,
    importSeconds: (performance.now() - parsedAt) / 1000,
    added: report.added.active,
  };
}

/** One run of the CLI: wall seconds, CPU seconds when measurable, and the last line it printed. */
export interface CliRun {
  seconds: number;
  /** User plus system CPU time (GNU time), which a shared machine's load does not inflate. */
  cpuSeconds?: number;
  output: string;
}

// GNU time reports a child's CPU time; the wall time alone says more about the other users of
// a shared machine than about Herald.
const GNU_TIME = '/usr/bin/time';

/**
 * Runs `herald subscribers import` on the file into a fresh data folder under `work`, then again
 * (every address already on the list), then `herald subscribers export`; wall seconds of each.
 */
export function benchImportCli(
  herald: string,
  file: string,
  work: string,
): { first: CliRun; again: CliRun; exported: CliRun } {
  const data = join(work, 'import-data');
  mkdirSync(join(data, 's3'), { recursive: true });
  writeFileSync(join(data, 'newsletter-secret'), 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz');
  const timeFile = join(work, 'cli-time.txt');
  // The first run after a change of the sources compiles the CLI's bundle: not part of an import.
  spawnSync(process.execPath, [herald, '--help'], { encoding: 'utf8' });
  const run = (...args: string[]): CliRun => {
    const command = [process.execPath, herald, 'subscribers', ...args, '--data', data];
    const timed = existsSync(GNU_TIME);
    const started = performance.now();
    const result = spawnSync(
      timed ? GNU_TIME : process.execPath,
      timed ? ['-o', timeFile, '-f', '%U %S', ...command] : command.slice(1),
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    if (result.status !== 0)
      throw new Error(`herald subscribers ${args[0]} failed:\n${result.stdout}\n${result.stderr}`);
    const seconds = (performance.now() - started) / 1000;
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').pop() ?? '';
    if (!timed) return { seconds, output };
    const [user = 0, system = 0] = readFileSync(timeFile, 'utf8').trim().split(' ').map(Number);
    return { seconds, cpuSeconds: user + system, output };
  };
  return {
    first: run('import', file),
    again: run('import', file),
    exported: run('export', '--out', join(work, 'export.csv')),
  };
}
