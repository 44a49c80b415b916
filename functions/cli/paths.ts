import { relative } from 'node:path';

/** A path as the user would type it from the current folder. */
export function relativeToCwd(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
