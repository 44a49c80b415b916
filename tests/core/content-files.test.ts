import { describe, expect, it } from 'vitest';
import {
  baseName,
  bundleFoldersAbove,
  fileLanguage,
  isTranslation,
  MAX_BUNDLE_DEPTH,
  resourceBundles,
  resourceTarget,
} from '../../functions/core/posts/content-files.ts';

describe('the files of a Hugo content folder', () => {
  it('reads a language from a file name only when it is one', () => {
    expect(fileLanguage('posts/gallery/index.ja.md')).toBe('ja');
    expect(fileLanguage('posts/hello.zh-CN.md')).toBe('zh-cn');
    expect(fileLanguage('posts/hello.pt-br.markdown')).toBe('pt-br');
    expect(fileLanguage('posts/hello.sr-latn.md')).toBe('sr-latn');
    for (const key of [
      'posts/index.md',
      'posts/node.js.md',
      'posts/config.go.md',
      'posts/a.xx.md',
      'posts/v1.2.md',
    ])
      expect([key, fileLanguage(key)]).toEqual([key, undefined]);
  });

  it('tells translations from posts in the site’s language, regions aside', () => {
    expect(isTranslation('posts/a/index.ja.md', 'en')).toBe(true);
    expect(isTranslation('posts/a/index.en.md', 'en-GB')).toBe(false);
    expect(isTranslation('posts/a/index.en-us.md', 'en')).toBe(false);
    expect(isTranslation('posts/a/index.md', 'fr')).toBe(false);
    expect(isTranslation('posts/a/index.zh-tw.md', 'zh-CN')).toBe(false);
    expect(baseName('posts/hello.en.md')).toBe('hello');
    expect(baseName('posts/node.js.md')).toBe('node.js');
  });

  it('gives each resource to the nearest bundle above it, and its post in the site’s language', () => {
    const keys = [
      'posts/a/index.md',
      'posts/a/index.ja.md',
      'posts/a/x.png',
      'posts/a/b/index.ja.md',
      'posts/a/b/y.png',
      'posts/a/b/deep/z.png',
      'posts/loose.png',
      'posts/c/w.png',
      'posts/d/index.md',
      'posts/d/notes.md',
    ];
    expect(Object.fromEntries(resourceBundles(keys, 'en'))).toEqual({
      'posts/a/x.png': { folder: 'posts/a/', post: 'posts/a/index.md' },
      'posts/a/b/y.png': { folder: 'posts/a/b/', post: undefined },
      'posts/a/b/deep/z.png': { folder: 'posts/a/b/', post: undefined },
    });
    expect(bundleFoldersAbove('posts/a/b/y.png')).toEqual(['posts/a/b/', 'posts/a/']);
    expect(bundleFoldersAbove('posts/loose.png')).toEqual([]);
    // A hostile key 400 folders deep costs a bounded number of listings.
    const deep = `posts/${'d/'.repeat(400)}x.png`;
    expect(bundleFoldersAbove(deep)).toHaveLength(MAX_BUNDLE_DEPTH);
    expect(bundleFoldersAbove(deep)[0]).toBe(deep.slice(0, -'x.png'.length));
  });

  it('publishes a resource under its post’s path, at its place in the bundle', () => {
    expect(
      resourceTarget('/posts/image-gallery/', 'posts/Image Gallery/', 'posts/Image Gallery/p/a b.jpg'),
    ).toBe('posts/image-gallery/p/a b.jpg');
    expect(resourceTarget('/2024/05/x', 'posts/x/', 'posts/x/a.png')).toBe('2024/05/x/a.png');
  });
});
