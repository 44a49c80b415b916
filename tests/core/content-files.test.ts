import { describe, expect, it } from 'vitest';
import {
  baseName,
  bundledMarkdownNotice,
  bundleFoldersAbove,
  fileLanguage,
  isTranslation,
  MAX_BUNDLE_DEPTH,
  markdownRoles,
  otherLanguages,
  resourceBundles,
  resourceTarget,
} from '../../functions/core/posts/content-files.ts';

const ONLY_EN = { language: 'en' };
/** A site configuring several languages, as Hugo's `languages`. */
const MULTI = { language: 'en', languages: { en: {}, ja: {}, 'zh-cn': {}, 'pt-br': {}, 'sr-latn': {} } };
const isMarkdown = (key: string) => key.endsWith('.md');

describe('the files of a Hugo content folder', () => {
  it('reads a language from a file name only when the site configures it, as Hugo', () => {
    expect(fileLanguage('posts/gallery/index.ja.md', MULTI)).toBe('ja');
    expect(fileLanguage('posts/hello.zh-cn.md', MULTI)).toBe('zh-cn');
    expect(fileLanguage('posts/hello.pt-br.markdown', MULTI)).toBe('pt-br');
    expect(fileLanguage('posts/hello.sr-latn.md', MULTI)).toBe('sr-latn');
    expect(fileLanguage('posts/hello.en.md', ONLY_EN)).toBe('en');
    for (const key of [
      'posts/index.md',
      'posts/node.js.md',
      'posts/config.go.md',
      'posts/a.xx.md',
      'posts/v1.2.md',
      'posts/post.it.md',
      'posts/notes.me.md',
    ])
      expect([key, fileLanguage(key, MULTI)]).toEqual([key, undefined]);
    // Without a languages setting, `ja` is no language: Hugo publishes post.ja.md as `post.ja`.
    expect(fileLanguage('posts/gallery/index.ja.md', ONLY_EN)).toBeUndefined();
    expect(baseName('posts/post.fr.md', ONLY_EN)).toBe('post.fr');
    expect(otherLanguages(MULTI)).toEqual(['ja', 'pt-br', 'sr-latn', 'zh-cn']);
    expect(otherLanguages(ONLY_EN)).toEqual([]);
  });

  it('reads an upper-case suffix as part of the name, as Hugo 0.111 does', () => {
    // `hugo` 0.111.3 publishes up.JA.md at /posts/up.ja/ in English, and index.zh-CN.md beside
    // index.md is no zh-cn page.
    for (const key of ['posts/up.JA.md', 'posts/g/index.ZH-CN.md', 'posts/g/index.zh-CN.md', 'posts/a.EN.md'])
      expect([key, fileLanguage(key, MULTI), isTranslation(key, MULTI)]).toEqual([key, undefined, false]);
    expect(baseName('posts/up.JA.md', MULTI)).toBe('up.JA');
    const roles = markdownRoles(
      ['posts/g/index.md', 'posts/g/index.ZH-CN.md', 'posts/up.JA.md'],
      isMarkdown,
      MULTI,
    );
    expect(Object.fromEntries(roles)).toEqual({
      'posts/g/index.md': 'post',
      'posts/g/index.ZH-CN.md': 'bundled',
      'posts/up.JA.md': 'post',
    });
  });

  it('tells translations from posts in the site’s language, regions aside', () => {
    expect(isTranslation('posts/a/index.ja.md', MULTI)).toBe(true);
    expect(isTranslation('posts/a/index.ja.md', ONLY_EN)).toBe(false);
    expect(isTranslation('posts/a/index.en.md', { language: 'en-GB' })).toBe(false);
    expect(isTranslation('posts/a/index.en-us.md', MULTI)).toBe(false);
    expect(isTranslation('posts/a/index.md', { language: 'fr' })).toBe(false);
    expect(isTranslation('posts/a/index.zh-tw.md', { language: 'zh-CN' })).toBe(false);
    expect(baseName('posts/hello.en.md', MULTI)).toBe('hello');
    expect(baseName('posts/hello.ja.md', MULTI)).toBe('hello');
    expect(baseName('posts/node.js.md', MULTI)).toBe('node.js');
  });

  it('makes other markdown in a leaf bundle its resources, not posts, as Hugo', () => {
    const keys = [
      'posts/a/index.md',
      'posts/a/index.ja.md',
      'posts/a/index.it.md',
      'posts/a/notes.md',
      'posts/a/notes.ja.md',
      'posts/a/deep/more.md',
      'posts/b/index.it.md',
      'posts/b/index.de.md',
      'posts/c/index.ja.md',
      'posts/post.it.md',
      'posts/post.ja.md',
      'posts/d/loose.md',
    ];
    expect(Object.fromEntries(markdownRoles(keys, isMarkdown, MULTI))).toEqual({
      'posts/a/index.md': 'post',
      'posts/a/index.ja.md': 'translation',
      // `it` is not configured: a second index file in the site's language, a resource as in Hugo.
      'posts/a/index.it.md': 'bundled',
      'posts/a/notes.md': 'bundled',
      'posts/a/notes.ja.md': 'bundled',
      'posts/a/deep/more.md': 'bundled',
      // Hugo's choice when no index file is in a configured language: the first by name.
      'posts/b/index.de.md': 'post',
      'posts/b/index.it.md': 'bundled',
      'posts/c/index.ja.md': 'translation',
      'posts/post.it.md': 'post',
      'posts/post.ja.md': 'translation',
      'posts/d/loose.md': 'post',
    });
    // Without languages, index.ja.md is an index file like any other, and index.md wins.
    const roles = markdownRoles(keys, isMarkdown, ONLY_EN);
    expect(roles.get('posts/a/index.ja.md')).toBe('bundled');
    expect(roles.get('posts/c/index.ja.md')).toBe('post');
    expect(roles.get('posts/post.ja.md')).toBe('post');
    expect(bundledMarkdownNotice(['posts/a/notes.md'])).toBe(
      '1 markdown file in page bundles left out: posts/a/notes.md; a page bundle has one post, its index file, and Hugo reads other markdown in it as resources, not pages',
    );
    expect(
      bundledMarkdownNotice(['posts/a/index.ja.md', 'posts/a/x.md', 'posts/a/y.md', 'posts/a/z.md']),
    ).toMatch(
      / and 1 more; .*\(to publish index\.<code>\.md as a translation, name its language in site\.yaml languages\)$/,
    );
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
    expect(Object.fromEntries(resourceBundles(keys, MULTI))).toEqual({
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
