import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import { parseEmailAddress } from '../newsletter/email-address.ts';
import type { DigestSchedule, Weekday } from '../newsletter/schedule.ts';
import { closest } from '../text/did-you-mean.ts';
import { stripXmlForbidden } from '../text/xml-safe.ts';
import type { CategoryPage } from './category-pages.ts';

/** A person credited for a post or a site. */
export interface Person {
  name: string;
  email?: string;
  url?: string;
}

/** The validated site configuration from `content/site.yaml`. */
export interface SiteConfig {
  title: string;
  /** Absolute, always ending in `/`. */
  baseUrl: string;
  description: string;
  /** BCP 47 language tag, e.g. `en` or `en-GB`. */
  language: string;
  /** IANA zone in which dates without a zone are read, e.g. `Europe/Paris`. */
  timezone: string;
  author: Person;
  /** Path pattern of a post's page, with `:slug`, `:year`, `:month`, `:day`, `:category`. */
  permalink: string;
  /** How many items each feed carries. */
  feedLimit: number;
  /** A WebSub hub: feeds name it, and it is told of every feed change. */
  websubHub?: string;
  /** Whether Herald writes HTML pages; off when another tool (Hugo) hosts the pages. */
  pages: boolean;
  /** Posts per list page (home, categories, archive). */
  pageSize: number;
  /** Where the subscribe form posts (the newsletter's API); without it there is no form. */
  subscribeUrl?: string;
  /** E-mail digests; without this section there is no newsletter. */
  newsletter?: NewsletterConfig;
  /** Render `$$…$$`, `\\[…\\]` and `\\(…\\)` formulas in every post (a post can also say `math: true`). */
  math?: boolean;
  /** Local preview only (`herald start --drafts/--future`); never set when publishing for real. */
  preview?: PreviewOptions;
  /** Free-form values for the `param` shortcode, as Hugo's `params`. */
  params?: Record<string, unknown>;
  /** Site shortcode templates by name, read from `shortcodes/<name>.html` beside site.yaml. */
  shortcodes?: Record<string, string>;
  /** Titles and descriptions of category pages by slug, from `categories/<name>/_index.md`. */
  categoryPages?: Record<string, CategoryPage>;
  /**
   * The languages whose files are translations, by lower-case code, as Hugo's `languages`; the
   * site's own `language` is among them when site.yaml names it. Without the setting, a file name's
   * language suffix is part of its name, as in Hugo.
   */
  languages?: Record<string, LanguageConfig>;
  /**
   * Set only in the view of one of the other languages (see language-site.ts): the site's own
   * language, that of files without a language in their name. The view's `language` is its code.
   */
  defaultLanguage?: string;
  /**
   * Set only in a language view: the site's root URL, where static files are (the view's `baseUrl`
   * is its folder, `https://example.org/fr/`).
   */
  rootUrl?: string;
}

/** One language of a multi-language site, as Hugo's `languages.<code>` describes it. */
export interface LanguageConfig {
  /** The site's title in this language (the site's `title` by default). */
  title?: string;
  /** The language's own name, for language links (`Français`). */
  languageName?: string;
  /** Order in language lists: lower first, then by code. */
  weight?: number;
  /** The site's description in this language (the site's `description` by default). */
  description?: string;
  /** Not published, as Hugo's `disabled`: its files stay translations, left out with a notice. */
  disabled?: boolean;
}

/** The `newsletter:` section of site.yaml. */
export interface NewsletterConfig {
  /** The sender of digests and confirmations; its domain must be verified in Amazon SES. */
  from: { name: string; address: string };
  replyTo?: string;
  schedule: DigestSchedule;
  /** Origins whose pages may call the subscribe API from script (CORS); the site's own by default. */
  corsOrigins: string[];
  /** A postal address for the footer of every digest (the US CAN-SPAM Act asks for one). */
  postalAddress?: string;
  /** How long a confirmation link works. */
  confirmHours: number;
  /** What a digest shows of each post: its summary, or its whole body (sanitised, links absolute). */
  content: 'summary' | 'full';
  /** Mail a welcome (with the reader's preferences link) once a subscription is confirmed. */
  welcome: boolean;
  /**
   * Posts whose own date was more than this many days old when they appeared on the site are left
   * out of digests, so importing an archive or rebuilding state never mails old posts. Default 7.
   */
  maxAgeDays: number;
}

const nonEmpty = z.string().check(z.trim(), z.minLength(1, 'must not be empty'));

// Author and form URLs reach href attributes, feeds and e-mails: only http(s), and written as the
// URL parser serialises them (quotes and angle brackets percent-encoded).
const httpUrl = (message: string) =>
  z.pipe(
    z.url(message).check(z.refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://')),
    z.transform((u) => new URL(u).href),
  );

const personSchema = z.union([
  nonEmpty,
  z.object({
    name: nonEmpty,
    email: z.optional(z.email('is not an e-mail address')),
    url: z.optional(httpUrl('is not an absolute URL')),
  }),
]);

const SCHEDULE =
  /^(?:every\s+)?(daily|day|monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\s+(?:at\s+)?([01]?\d|2[0-3]):([0-5]\d)$/i;

const addressSchema = z
  .string()
  .check(z.refine((a) => parseEmailAddress(a).ok, 'is not an e-mail address Herald can send to'));

const newsletterSchema = z.object({
  from: z.union([
    z
      .string()
      .check(
        z.regex(
          /^[^<>]*<[^<>]+>$|^[^<>\s]+@[^<>\s]+$/,
          'must be an address, optionally with a name: Name <news@example.com>',
        ),
      ),
    z.object({ name: z._default(z.string(), ''), address: addressSchema }),
  ]),
  replyTo: z.optional(addressSchema),
  schedule: z
    .string()
    .check(
      z.refine(
        (s) => SCHEDULE.test(s.trim()),
        'must be a day and a time, such as "monday 09:00" (weekly) or "daily 07:30"',
      ),
    ),
  corsOrigins: z.optional(z.array(z.url('must be an origin such as https://example.com'))),
  postalAddress: z.optional(z.string().check(z.trim(), z.minLength(1, 'must not be empty'))),
  confirmHours: z._default(
    z
      .int('must be a whole number')
      .check(z.minimum(1, 'must be at least 1'), z.maximum(720, 'must be at most 720')),
    48,
  ),
  content: z._default(z.enum(['summary', 'full'], 'must be summary or full'), 'summary'),
  welcome: z._default(z.boolean('must be true or false'), false),
  maxAgeDays: z._default(
    z
      .int('must be a whole number of days')
      .check(z.minimum(1, 'must be at least 1'), z.maximum(3650, 'must be at most 3650')),
    7,
  ),
});

const LANGUAGE_CODE = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i;

const languageSchema = z.object(
  {
    title: z.optional(nonEmpty),
    languageName: z.optional(nonEmpty),
    weight: z.optional(z.int('must be a whole number')),
    description: z.optional(z.string().check(z.trim())),
    disabled: z.optional(z.boolean('must be true or false')),
  },
  'must be a mapping of title, languageName, weight, description and disabled',
);

// Codes are checked in languagesOf, so that the error names the code at fault.
const languagesSchema = z.record(
  z.string(),
  z.pipe(
    z.nullable(languageSchema),
    z.transform((value) => value ?? {}),
  ),
  'must be a mapping of language codes (fr, pt-br) to their settings',
);

const siteSchema = z.object({
  title: nonEmpty,
  baseUrl: z
    .url('must be an absolute URL such as https://example.com/')
    .check(z.refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://')),
  description: z._default(z.string().check(z.trim()), ''),
  language: z._default(
    z
      .string()
      .check(z.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or en-GB')),
    'en',
  ),
  timezone: z._default(
    z.string().check(z.refine(isKnownZone, 'is not a known time zone (use a name such as Europe/Paris)')),
    'UTC',
  ),
  author: personSchema,
  permalink: z._default(
    z.string().check(
      z.refine((p) => p.startsWith('/'), 'must start with /'),
      z.refine((p) => p.includes(':slug'), 'must contain :slug so that every post gets its own URL'),
    ),
    '/posts/:slug/',
  ),
  websubHub: z.optional(
    z
      .url('must be the absolute URL of a WebSub hub')
      .check(z.refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://')),
  ),
  pages: z._default(z.boolean('must be true or false'), true),
  pageSize: z._default(
    z
      .int('must be a whole number')
      .check(z.minimum(1, 'must be at least 1'), z.maximum(100, 'must be at most 100')),
    10,
  ),
  subscribeUrl: z.optional(httpUrl('must be the absolute URL of the subscribe API')),
  newsletter: z.optional(newsletterSchema),
  math: z.optional(z.boolean('must be true or false')),
  params: z.optional(z.record(z.string(), z.unknown(), 'must be a mapping of names to values')),
  feedLimit: z._default(
    z
      .int('must be a whole number')
      .check(z.minimum(1, 'must be at least 1'), z.maximum(1000, 'must be at most 1000')),
    20,
  ),
  languages: z.optional(languagesSchema),
});

function isKnownLanguage(code: string): boolean {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(code) !== undefined;
  } catch {
    return false;
  }
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What a local preview shows besides what is published, each marked in its title. */
export interface PreviewOptions {
  /** Draft posts, as `[Draft] Title`. */
  drafts: boolean;
  /** Posts dated after `now`, as `[Scheduled] Title`. */
  future: boolean;
  /** The real instant (ISO 8601): later posts are the scheduled ones. */
  now: string;
}

/** The tokens a permalink may use. */
export const PERMALINK_TOKENS = ['slug', 'year', 'month', 'day', 'category'] as const;

/** A site.yaml key Herald does not read, and the field it is probably a misspelling of. */
export interface ConfigTypo {
  /** The key as written, with its section: `autor`, `newsletter.shedule`. */
  field: string;
  meant?: string;
}

/** Fields a site owner may override from the command line or the environment. */
export interface SiteOverrides {
  baseUrl?: string;
  /** The deployed subscribe API, when site.yaml does not name one. */
  subscribeUrl?: string;
  /**
   * Publish the site of this other language (a code of `languages`), under its own folder; the
   * publish use-cases set it for each language, never a site owner.
   */
  languageView?: string;
}

/**
 * Parses and validates `site.yaml`.
 * @param text - the file's contents
 * @param file - the file's name, for error messages
 * @param overrides - values that win over the file (e.g. `--base-url`)
 * @param onTypo - told of each key Herald does not read (it is ignored), with the field it is
 *   probably a misspelling of
 * @throws ConfigError naming the field and the reason
 */
export function parseSiteConfig(
  text: string,
  file = 'site.yaml',
  overrides: SiteOverrides = {},
  onTypo?: (typo: ConfigTypo) => void,
): SiteConfig {
  let raw: unknown;
  try {
    raw = loadYaml(text.replace(/^\uFEFF/, ''), { schema: CORE_SCHEMA });
  } catch (error) {
    throw new ConfigError(file, 'yaml', firstLine((error as Error).message), { cause: error });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, 'yaml', 'must be a mapping of fields such as title: and baseUrl:');
  }
  const { subscribeUrl: apiSubscribeUrl, languageView: _view, ...winning } = overrides;
  const merged: Record<string, unknown> = {
    ...(withoutXmlForbidden(raw) as Record<string, unknown>),
    ...definedOnly(winning),
  };
  if (merged.subscribeUrl === undefined && apiSubscribeUrl !== undefined)
    merged.subscribeUrl = apiSubscribeUrl;
  const result = siteSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'site';
    const given = issue?.path.reduce<unknown>(
      (value, key) => (value as Record<PropertyKey, unknown>)?.[key],
      merged,
    );
    const reason = given === undefined ? 'is required' : issue?.message;
    throw new ConfigError(file, field, reason ?? 'is invalid');
  }
  const { websubHub, subscribeUrl, newsletter, params, math, languages, ...site } = result.data;
  checkPermalinkTokens(site.permalink, file);
  if (onTypo) {
    for (const typo of unknownKeys(raw as Record<string, unknown>, Object.keys(siteSchema.shape), ''))
      onTypo(typo);
    const section = (raw as Record<string, unknown>).newsletter;
    if (section !== null && typeof section === 'object' && !Array.isArray(section))
      for (const typo of unknownKeys(
        section as Record<string, unknown>,
        Object.keys(newsletterSchema.shape),
        'newsletter.',
      ))
        onTypo(typo);
    for (const [code, settings] of Object.entries(asMapping((raw as Record<string, unknown>).languages)))
      for (const typo of unknownKeys(
        asMapping(settings),
        Object.keys(languageSchema.shape),
        `languages.${code}.`,
      ))
        onTypo(typo);
  }
  const author = typeof site.author === 'string' ? { name: site.author } : definedOnly(site.author);
  const baseUrl = site.baseUrl.endsWith('/') ? site.baseUrl : `${site.baseUrl}/`;
  return {
    ...site,
    ...(websubHub ? { websubHub } : {}),
    ...(params ? { params } : {}),
    ...(math ? { math } : {}),
    ...(subscribeUrl ? { subscribeUrl } : {}),
    ...(newsletter ? { newsletter: newsletterOf(newsletter, baseUrl, file) } : {}),
    ...(languages ? { languages: languagesOf(languages, file) } : {}),
    author: author as Person,
    baseUrl,
  };
}

function newsletterOf(
  input: z.infer<typeof newsletterSchema>,
  baseUrl: string,
  file: string,
): NewsletterConfig {
  let from: { name: string; address: string };
  if (typeof input.from === 'string') {
    const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(input.from);
    from = match
      ? { name: (match[1] ?? '').replace(/^"|"$/g, ''), address: match[2] ?? '' }
      : { name: '', address: input.from.trim() };
  } else {
    from = input.from;
  }
  const checked = parseEmailAddress(from.address);
  if (!checked.ok) throw new ConfigError(file, 'newsletter.from', `the address ${checked.reason}`);
  // biome-ignore lint/style/noNonNullAssertion: the schema's pattern guarantees the match
  const [, day = '', hour = '0', minute = '0'] = SCHEDULE.exec(input.schedule.trim())!;
  const lower = day.toLowerCase();
  const schedule: DigestSchedule =
    lower === 'daily' || lower === 'day'
      ? { every: 'day', hour: Number(hour), minute: Number(minute) }
      : { every: 'week', day: lower as Weekday, hour: Number(hour), minute: Number(minute) };
  return {
    from: { name: from.name, address: checked.address },
    ...(input.replyTo ? { replyTo: input.replyTo.trim() } : {}),
    schedule,
    corsOrigins: (input.corsOrigins ?? [baseUrl]).map((url) => new URL(url).origin),
    ...(input.postalAddress ? { postalAddress: input.postalAddress } : {}),
    confirmHours: input.confirmHours,
    content: input.content,
    welcome: input.welcome,
    maxAgeDays: input.maxAgeDays,
  };
}

// Codes are matched without case, as file names carry them (`index.zh-CN.md` is `zh-cn`); one
// language written twice would make two sites of the same files.
function languagesOf(
  input: Record<string, z.infer<typeof languageSchema>>,
  file: string,
): Record<string, LanguageConfig> {
  const languages: Record<string, LanguageConfig> = {};
  for (const [code, settings] of Object.entries(input)) {
    // A code is what a file name carries (`index.pt-br.md`) and a folder of the site (`/pt-br/`): a
    // language and region as Hugo writes them, one the language database knows.
    if (!LANGUAGE_CODE.test(code))
      throw new ConfigError(file, `languages.${code}`, 'must be a language code such as fr, pt-br or zh-cn');
    if (!isKnownLanguage(code))
      throw new ConfigError(
        file,
        `languages.${code}`,
        'is not a language code Herald knows (use one such as fr, pt-br or zh-cn)',
      );
    const lower = code.toLowerCase();
    if (languages[lower] !== undefined)
      throw new ConfigError(file, `languages.${code}`, `names the language ${lower} a second time`);
    languages[lower] = definedOnly(settings) as LanguageConfig;
  }
  return languages;
}

function asMapping(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

// A misspelt token would otherwise be written literally into every URL (`/:yaer/hello/`).
function checkPermalinkTokens(permalink: string, file: string): void {
  for (const [token = '', name = ''] of permalink.matchAll(/:([A-Za-z_]+)/g)) {
    if ((PERMALINK_TOKENS as readonly string[]).includes(name)) continue;
    const meant = closest(name, PERMALINK_TOKENS);
    throw new ConfigError(
      file,
      'permalink',
      `${token} is not a token${meant ? ` (did you mean :${meant}?)` : ''}; use ${PERMALINK_TOKENS.map((t) => `:${t}`).join(', ')}`,
    );
  }
}

function unknownKeys(section: Record<string, unknown>, known: string[], prefix: string): ConfigTypo[] {
  return Object.keys(section)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const meant = closest(key, known);
      return { field: `${prefix}${key}`, ...(meant ? { meant: `${prefix}${meant}` } : {}) };
    });
}

// The title, description and author go into every feed: they must be text XML can carry.
function withoutXmlForbidden(value: unknown): unknown {
  if (typeof value === 'string') return stripXmlForbidden(value);
  if (Array.isArray(value)) return value.map(withoutXmlForbidden);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutXmlForbidden(v)]));
  }
  return value;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
