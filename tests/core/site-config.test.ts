import { describe, expect, it } from 'vitest';
import { parseSiteConfig } from '../../functions/core/config/site-config.ts';
import { ConfigError } from '../../functions/core/errors.ts';

const minimal = 'title: Blog\nbaseUrl: https://example.org/blog\nauthor: Ann\n';

function errorOf(text: string): ConfigError {
  try {
    parseSiteConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseSiteConfig', () => {
  it('fills defaults and normalises the base URL', () => {
    const site = parseSiteConfig(minimal);
    expect(site).toEqual({
      title: 'Blog',
      baseUrl: 'https://example.org/blog/',
      description: '',
      language: 'en',
      timezone: 'UTC',
      author: { name: 'Ann' },
      permalink: '/posts/:slug/',
      feedLimit: 20,
      pages: true,
      pageSize: 10,
    });
  });

  it('reads an author with an e-mail address', () => {
    const site = parseSiteConfig(
      `${minimal}author:\n  name: Ann\n  email: ann@example.org\n`.replace('author: Ann\n', ''),
    );
    expect(site.author).toEqual({ name: 'Ann', email: 'ann@example.org' });
  });

  it('applies overrides over the file', () => {
    expect(parseSiteConfig(minimal, 'site.yaml', { baseUrl: 'http://localhost:8080' }).baseUrl).toBe(
      'http://localhost:8080/',
    );
  });

  it.each([
    ['title: Blog\nauthor: Ann\n', 'baseUrl', 'is required'],
    ['title: Blog\nbaseUrl: example.org\nauthor: Ann\n', 'baseUrl', 'absolute URL'],
    ['title: Blog\nbaseUrl: ftp://example.org/\nauthor: Ann\n', 'baseUrl', 'http'],
    [`${minimal}timezone: Mars/Olympus\n`, 'timezone', 'not a known time zone'],
    [`${minimal}feedLimit: 0\n`, 'feedLimit', 'at least 1'],
    [`${minimal}websubHub: hub\n`, 'websubHub', 'WebSub hub'],
    [`${minimal}feedLimit: ten\n`, 'feedLimit', ''],
    [`${minimal}permalink: /posts/:year/\n`, 'permalink', ':slug'],
    ['title: Blog\nbaseUrl: https://example.org/\n', 'author', 'is required'],
    ['title: [unclosed\n', 'yaml', ''],
    ['- just\n- a list\n', 'yaml', 'mapping'],
  ])('names the field at fault in %j', (text, field, reason) => {
    const error = errorOf(text);
    expect(error.field).toBe(field);
    expect(error.reason).toContain(reason);
    expect(error.message).toMatch(/^site\.yaml: /);
  });
});

describe('parseSiteConfig and likely mistakes', () => {
  it('rejects a permalink with a token it does not know, suggesting the one meant', () => {
    const error = errorOf(`${minimal}permalink: /:yaer/:slug/\n`);
    expect([error.field, error.reason]).toEqual([
      'permalink',
      ':yaer is not a token (did you mean :year?); use :slug, :year, :month, :day, :category',
    ]);
    expect(errorOf(`${minimal}permalink: /:slug/:lang/\n`).reason).toBe(
      ':lang is not a token; use :slug, :year, :month, :day, :category',
    );
    expect(parseSiteConfig(`${minimal}permalink: /:year/:month/:day/:category/:slug/\n`).permalink).toBe(
      '/:year/:month/:day/:category/:slug/',
    );
  });

  it('tells of keys it does not read, with the field meant when one is close', () => {
    const typos: unknown[] = [];
    const site = parseSiteConfig(
      `${minimal}autor: Bob\npagesize: 3\nfeedlimit: 5\ntheme: dark\nnewsletter:\n  from: news@example.org\n  schedule: monday 09:00\n  shedule: daily 07:00\n`,
      'site.yaml',
      {},
      (typo) => typos.push(typo),
    );
    expect(typos).toEqual([
      { field: 'autor', meant: 'author' },
      { field: 'pagesize', meant: 'pageSize' },
      { field: 'feedlimit', meant: 'feedLimit' },
      { field: 'theme' },
      { field: 'newsletter.shedule', meant: 'newsletter.schedule' },
    ]);
    expect(site.pageSize).toBe(10);
  });
});

describe('parseSiteConfig: languages', () => {
  it('reads Hugo-like languages, codes in lower case, an empty entry as no settings', () => {
    const site = parseSiteConfig(
      `${minimal}languages:\n  en:\n    languageName: English\n    weight: 1\n  zh-CN:\n    title: 博客\n    languageName: 中文\n    weight: 2\n    description: 说明\n  fr:\n`,
    );
    expect(site.languages).toEqual({
      en: { languageName: 'English', weight: 1 },
      'zh-cn': { title: '博客', languageName: '中文', weight: 2, description: '说明' },
      fr: {},
    });
    expect(parseSiteConfig(minimal).languages).toBeUndefined();
  });

  it.each([
    [`${minimal}languages: [fr, de]\n`, 'languages', 'mapping of language codes'],
    [`${minimal}languages:\n  french: {}\n`, 'languages.french', 'language code such as fr'],
    [`${minimal}languages:\n  "../x": {}\n`, 'languages.../x', 'language code such as fr'],
    [`${minimal}languages:\n  qq: {}\n`, 'languages.qq', 'not a language code Herald knows'],
    [`${minimal}languages:\n  fr: yes\n`, 'languages.fr', 'mapping of title, languageName'],
    [`${minimal}languages:\n  fr:\n    weight: first\n`, 'languages.fr.weight', 'whole number'],
    [`${minimal}languages:\n  fr:\n    title: ""\n`, 'languages.fr.title', 'must not be empty'],
    [`${minimal}languages:\n  fr: {}\n  FR: {}\n`, 'languages.FR', 'names the language fr a second time'],
  ])('names the field at fault in %j', (text, field, reason) => {
    const error = errorOf(text);
    expect([error.field, error.reason]).toEqual([field, expect.stringContaining(reason)]);
  });

  it('tells of settings it does not read in a language, as Hugo’s params and languagedirection', () => {
    const typos: unknown[] = [];
    parseSiteConfig(
      `${minimal}languages:\n  ar:\n    languagedirection: rtl\n    titel: x\n    params: {}\n`,
      'site.yaml',
      {},
      (typo) => typos.push(typo),
    );
    expect(typos).toEqual([
      { field: 'languages.ar.languagedirection' },
      { field: 'languages.ar.titel', meant: 'languages.ar.title' },
      { field: 'languages.ar.params' },
    ]);
  });
});
