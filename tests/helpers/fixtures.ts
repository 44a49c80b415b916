import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PostSource } from '../../functions/core/posts/parse-post.ts';

/** Absolute path of a file under tests/fixtures. */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

/** A fixture post as the content store would hand it over, keyed under `posts/`. */
export function fixturePost(name: string): PostSource {
  return { key: `posts/${name}`, bytes: readFileSync(fixturePath(`posts/${name}`)) };
}
