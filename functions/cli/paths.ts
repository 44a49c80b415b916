import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { UsageError } from '../core/errors.ts';

/** A path as the user would type it from the current folder. */
export function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/**
 * Checks that a folder given as an option exists, before anything is started or written.
 * @param folder absolute path
 * @param option the option that names it, e.g. `--content`
 * @throws UsageError naming the option, the folder and what to do
 */
export function assertFolder(folder: string, option: string): void {
  if (!existsSync(folder))
    throw new UsageError(
      `${option} ${relativeToCwd(folder)}: no such folder; create it (with site.yaml and posts/) or pass ${option} DIR`,
    );
  if (!statSync(folder).isDirectory())
    throw new UsageError(`${option} ${relativeToCwd(folder)}: is a file, not a folder`);
}
