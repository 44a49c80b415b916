import { inLanguageFolder } from '../core/config/language-site.ts';
import type { PreviewOptions, SiteConfig, SiteOverrides } from '../core/config/site-config.ts';
import { PostError } from '../core/errors.ts';
import { collisionReason, planAliases } from '../core/pages/alias-pages.ts';
import { type PostPageJob, pageStreams, renderPostPage } from '../core/pages/page-plan.ts';
import {
  bundledMarkdownNotice,
  leftOutTranslations,
  type MarkdownRole,
  markdownRoles,
  resourceBundles,
  translationsNotice,
} from '../core/posts/content-files.ts';
import { siteUrl } from '../core/posts/permalink.ts';
import type { Post, PostMeta } from '../core/posts/post.ts';
import { RefIndex } from '../core/posts/ref-index.ts';
import { catalogue } from '../core/site/catalogue.ts';
import { type PlannedFeed, planFeeds, postsInPlan } from '../core/site/feed-plan.ts';
import { keyProblem } from '../core/site/object-key.ts';
import { type TermNames, termFolder, withTermNames } from '../core/site/taxonomies.ts';
import { ignoredFieldReason } from '../core/text/did-you-mean.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type {
  PageBody,
  ParsedFile,
  PostCompiler,
  PostRenderResult,
  RenderContext,
} from '../ports/post-compiler.ts';
import { type Bundle, copyResources } from './bundle-resources.ts';
import { forEachLanguage, languageStores } from './language-views.ts';
import { writeLanguagesSitemap } from './languages-sitemap.ts';
import { loadSiteConfig, SITE_CONFIG_KEY } from './load-site-config.ts';
import { mapLimit } from './map-limit.ts';
import { bodyWarnings, inThreadCompiler, readPosts, renderFromStore, renderPosts } from './read-posts.ts';
import {
  isPostKey,
  isStaticKey,
  mirrorStatic,
  staleTermFeeds,
  staticTarget,
  staticUrl,
  writeFeeds,
} from './site-output.ts';
import { type PublishedPath, translationLinks } from './translation-links.ts';
import { type PostPageRequest, writeEveryPage } from './write-pages.ts';

const IO_CONCURRENCY = 32;
/**
 * A feed or sitemap under a top folder named like a language code: the site's own are never there,
 * so one not written by this build is a language's the site no longer publishes.
 */
const FORMER_LANGUAGE_FILE =
  /^[a-z]{2,3}(-[a-z0-9]{2,8})?\/((.+\/)?(rss\.xml|atom\.xml|feed\.json)|sitemap(-[a-z0-9-]+)?\.xml)$/;

export interface BuildSiteDeps {
  /** Holds `site.yaml`, `posts/**` and `static/**`. */
  content: BlobStore;
  /** The output: receives the feeds, pages and static files. */
  output: BlobStore;
  clock: Clock;
  log: Logger;
  /** Where post pages are rendered: this thread unless given worker threads. */
  compiler?: PostCompiler;
}

/** What a build did, for the CLI's summary and for tests. */
export interface BuildReport {
  published: number;
  drafts: number;
  scheduled: number;
  /** Past their `expiryDate`: left out of feeds and pages. */
  expired: number;
  failed: PostError[];
  /** Front matter keys that are probably misspelt fields, ignored: the posts published without them. */
  typos: FileTypo[];
  /** What rendering changed in published posts (an unknown shortcode removed, …), by file. */
  warnings: BodyWarning[];
  /** Keys written to the site store. */
  written: string[];
  /** Things the author may want to know, given once per build (translations left out, …). */
  notices: string[];
}

/** A key Herald does not read, probably misspelt (`categoires`), and the file it is in. */
export interface FileTypo {
  file: string;
  field: string;
  /** The field it probably meant. */
  meant?: string;
}

/** A post published with something in its body left out or guessed. */
export interface BodyWarning {
  file: string;
  warning: string;
}

/** Posts of a full build, read, decided and rendered where a feed needs them. */
export interface ReadSite {
  site: SiteConfig;
  posts: ReturnType<typeof catalogue<PostMeta>>;
  failed: PostError[];
  typos: FileTypo[];
  /** Front matter values left out of published posts (an alias that would leave the site), by file. */
  warnings: BodyWarning[];
  /** Posts left out because a link in them names no post. */
  brokenLinks: string[];
  /** Every bundle resource under `posts/`, with its bundle. */
  resources: Map<string, Bundle>;
  /** Files in another language than the site's, left out. */
  translations: string[];
  /** Markdown files of page bundles other than their index files: resources, not posts. */
  bundled: string[];
  /** The fingerprint of each parsed file as it was read, by key: rendering reuses the parse. */
  digests: ReadonlyMap<string, number>;
  /** Every key under `posts/` Herald reads (bad keys left out). */
  keys: string[];
}

/**
 * Builds every feed of the site from the content store into the site store, and copies static files.
 * A post that cannot be parsed is reported and left out; the others still publish.
 * @param deps - the stores, the clock and the logger
 * @param overrides - configuration that wins over `site.yaml` (e.g. `--base-url`)
 * @param preview - for a local preview only: drafts and scheduled posts to show, marked
 * @throws ConfigError when `site.yaml` is missing or invalid; store errors as they come
 */
export async function buildSite(
  deps: BuildSiteDeps,
  overrides: SiteOverrides = {},
  preview?: PreviewOptions,
): Promise<BuildReport> {
  const ownRead = await readSite(deps, overrides, preview);
  // Each other language is the same build over its view of the stores, under /<code>/. Every
  // language is read first: a post's page links its translations published in the others.
  const otherReads = await forEachLanguage(ownRead.site, (code) =>
    readSite(languageStores(deps, code), { ...overrides, languageView: code }, preview),
  );
  const reads = new Map<string, ReadSite>([
    [ownRead.site.language, ownRead],
    ...otherReads.map(({ code, report }) => [code, report] as const),
  ]);
  // Each language's paths by source, made when a translation first asks: a site in one language
  // never does, and a map of every post's path was held for the whole build.
  const paths = new Map<string, Map<string, string>>();
  const published: PublishedPath = async (code, source) => {
    let byCode = paths.get(code);
    if (byCode === undefined) {
      byCode = new Map(reads.get(code)?.posts.published.map((post) => [post.source, post.path]));
      paths.set(code, byCode);
    }
    return byCode.get(source);
  };
  // The static files' sizes by URL: the site's own build publishes them, the others' read them.
  const staticSizes = new Map<string, number>();
  const own = await buildLanguage(deps, ownRead, published, staticSizes);
  const others: { code: string; report: BuildReport }[] = [];
  for (const { code, report: read } of otherReads) {
    const view = languageStores(deps, code);
    others.push({ code, report: (await buildLanguage(view, read, published, staticSizes)).report });
  }
  const report = others.reduce((all, { code, report }) => withLanguageReport(all, code, report), own.report);
  const sitemap = await writeLanguagesSitemap(
    deps.output,
    ownRead.site,
    async (code) => reads.get(code)?.posts.published.length ?? 0,
  );
  // The root sitemap is written once more, not a new key.
  return sitemap.length === 0 || report.written.includes('sitemap.xml')
    ? report
    : { ...report, written: [...report.written, ...sitemap] };
}

/** A build's report with another language's added: its counts, its files' errors, its keys. */
function withLanguageReport(all: BuildReport, code: string, other: BuildReport): BuildReport {
  // The configuration's warnings are the same in every language: the site's own run gave them.
  return {
    published: all.published + other.published,
    drafts: all.drafts + other.drafts,
    scheduled: all.scheduled + other.scheduled,
    expired: all.expired + other.expired,
    failed: [...all.failed, ...other.failed].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    typos: [...all.typos, ...other.typos.filter((t) => t.file !== SITE_CONFIG_KEY)],
    warnings: [...all.warnings, ...other.warnings],
    written: [...all.written, ...other.written.map((key) => `${code}/${key}`)],
    notices: all.notices,
  };
}

/** Builds one language's site: the site's own, or (with `overrides.languageView`) another's. */
async function buildLanguage(
  deps: BuildSiteDeps,
  read: ReadSite,
  published: PublishedPath,
  staticSizes: Map<string, number>,
): Promise<{ report: BuildReport; site: SiteConfig }> {
  const { content, output: out } = deps;
  const {
    site,
    posts,
    failed,
    typos,
    warnings: fieldWarnings,
    resources,
    translations,
    bundled,
    digests,
    keys,
  } = read;

  const written: string[] = [];
  const imageSizes = new Map<string, number>();
  const copies = await copyResources(
    content,
    out,
    resources,
    new Map(posts.published.map((post) => [post.source, post.path])),
  );
  for (const copied of copies) {
    imageSizes.set(siteUrl(site, copied.target), copied.size);
    written.push(copied.target);
  }
  const staticKeys: string[] = [];
  for await (const info of content.list('static/')) if (isStaticKey(info.key)) staticKeys.push(info.key);
  await mapLimit(staticKeys, IO_CONCURRENCY, async (key) => {
    const size = await mirrorStatic(content, out, key);
    if (size === undefined) return;
    staticSizes.set(staticUrl(site, key), size);
    written.push(staticTarget(key));
  });
  // The site's own language publishes the static files (another's view sees none): every language's
  // enclosures have their sizes.
  for (const [url, size] of staticSizes) imageSizes.set(url, size);

  // Threads pay off for rendering every post's page; parsing front matter, or rendering the
  // ~170 posts that reach feeds, costs less than starting them and copying posts between them.
  const compiler = site.pages ? (deps.compiler ?? inThreadCompiler) : inThreadCompiler;
  // Links resolve against every post that is not a draft, as the check in readSite did. Only a body
  // that links to other posts (ref, relref, post_url…) looks them up, and each rendering thread
  // holds the whole list and its index (about 45 MB at 100,000 posts): a site where no published
  // post links that way sends none.
  const linking = posts.published.some((post) => post.linksToPosts === true);
  const context: RenderContext = {
    site,
    links: linking
      ? [...posts.published, ...posts.scheduled, ...posts.expired, ...posts.conflicted].map(
          ({ source, url }) => ({ source, url }),
        )
      : [],
  };
  const warnings: BodyWarning[] = [...fieldWarnings];
  // Each published post's metadata from readSite: rendering it then reads only its body.
  const bySource = new Map(posts.published.map((post) => [post.source, post]));
  const parsed = (source: string): ParsedFile | undefined => {
    const meta = bySource.get(source);
    const digest = digests.get(source);
    return meta === undefined || digest === undefined ? undefined : { meta, digest };
  };
  /** Renders posts (or, for those in `pages`, their pages); a post that no longer parses stops the build. */
  const renderFiles = async (sources: string[], pages?: ReadonlyMap<string, PostPageJob>) => {
    const results = await renderPosts(content, sources, context, compiler, {
      ...(pages === undefined ? {} : { pages }),
      parsed,
    });
    for (const result of results) {
      // A file that changed under the build and no longer parses: stop rather than publish a mix.
      if ('error' in result) throw result.error;
    }
    return results as Exclude<PostRenderResult, { error: PostError }>[];
  };
  const noteWarnings = (source: string, found: readonly string[]): void => {
    const log = bodyWarnings(deps.log, source);
    for (const warning of found) {
      warnings.push({ file: source, warning });
      log(warning);
    }
  };
  const render = async (sources: string[]): Promise<Map<string, Post>> => {
    const loaded = new Map<string, Post>();
    for (const result of await renderFiles(sources)) {
      if (!('post' in result)) continue;
      noteWarnings(result.post.source, result.warnings);
      loaded.set(result.post.source, result.post);
    }
    return loaded;
  };
  const plan = planFeeds(site, posts.published);
  const rendered = await render(postsInPlan(plan).map((post) => post.source));
  // One name per term (its newest post's spelling) in every feed item, as pages show it.
  const names = termNamesOf(plan);
  for (const feed of plan) {
    const items = feed.posts.map((post) =>
      withTermNames(rendered.get(post.source) ?? renderedMissing(post), names),
    );
    written.push(...(await writeFeeds(out, site, { ...feed, posts: items }, imageSizes)));
  }
  for (const key of await staleTermFeeds(out, new Set(plan.map((f) => f.folder)))) await out.delete(key);

  // Pages of posts not rendered for a feed render with their bodies, on the compiler's threads:
  // only the page's HTML comes back to be written.
  const renderPostPages = async (requests: PostPageRequest[]): Promise<Map<string, PageBody>> => {
    const html = new Map<string, PageBody>();
    const jobs = new Map<string, PostPageJob>();
    const keys = new Map<string, string>();
    for (const { key, source, page } of requests) {
      const post = rendered.get(source);
      if (post !== undefined) html.set(key, renderPostPage(site, post, page));
      else {
        jobs.set(source, page);
        keys.set(source, key);
      }
    }
    // A file deleted under the build has no page here: writing it then fails, as it did before.
    for (const result of await renderFiles([...jobs.keys()], jobs)) {
      if (!('page' in result)) throw new Error(`internal: ${result.post.source} rendered without its page`);
      noteWarnings(result.source, result.warnings);
      const key = keys.get(result.source);
      if (key !== undefined) html.set(key, result.page);
    }
    return html;
  };

  // The posts as they are: a copy of each was a tenth of the peak memory of a 100,000-post build.
  // Posts with translations link them (hreflang): paired from the listing, so this costs a
  // single-language site nothing.
  const links = await translationLinks(
    content,
    site,
    posts.published.map((p) => p.source),
    published,
    keys,
  );
  const streams = pageStreams(
    site,
    links.size === 0
      ? posts.published
      : posts.published.map((post) => {
          const found = links.get(post.source);
          return found === undefined ? post : { ...post, translations: found };
        }),
  );
  const pagesWritten = await writeEveryPage(
    out,
    streams,
    async (sources) => {
      const missing = sources.filter((source) => !rendered.has(source));
      const loaded = await render(missing);
      for (const source of sources) {
        const post = rendered.get(source);
        if (post) loaded.set(source, post);
      }
      return loaded;
    },
    renderPostPages,
  );
  // Not push(...keys): a spread of the ~120,000 keys of a 100,000-post site overflows the stack.
  for (const key of pagesWritten) written.push(key);
  if (site.pages)
    for (const collision of planAliases(posts.published).collisions) {
      const warning = `aliases: ${collisionReason(collision)}`;
      warnings.push({ file: collision.file, warning });
      bodyWarnings(deps.log, collision.file)(warning);
    }
  // The output folder is Herald's: pages of posts or categories that are gone go too, and so do
  // the feeds and sitemaps of a language the site no longer publishes.
  const keep = new Set(written);
  const stale: string[] = [];
  for await (const info of out.list(''))
    if (
      (/\.html$|^sitemap(-[a-z0-9-]+)?\.xml$/.test(info.key) || FORMER_LANGUAGE_FILE.test(info.key)) &&
      !keep.has(info.key) &&
      !inLanguageFolder(info.key, site)
    )
      stale.push(info.key);
  await mapLimit(stale, IO_CONCURRENCY, (key) => out.delete(key));

  const report = {
    published: posts.published.length,
    drafts: posts.drafts.length,
    scheduled: posts.scheduled.length,
    expired: posts.expired.length,
    failed,
    typos,
    warnings: warnings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    written,
    notices: [
      ...(translations.length > 0 ? [translationsNotice(translations, site)] : []),
      ...(bundled.length > 0 ? [bundledMarkdownNotice(bundled)] : []),
    ],
  };
  return { report, site };
}

/**
 * Reads the configuration and every post of the content store and decides what is published now.
 * Content errors are logged and returned, sorted by file.
 */
export async function readSite(
  deps: Pick<BuildSiteDeps, 'content' | 'clock' | 'log'>,
  overrides: SiteOverrides = {},
  preview?: PreviewOptions,
): Promise<ReadSite> {
  const { content, clock, log } = deps;
  const typos: FileTypo[] = [];
  const typo = (file: string, found: { field: string; meant?: string }): void => {
    typos.push({ file, ...found });
    log.warn('field ignored', { key: file, field: found.field, reason: ignoredFieldReason(found.meant) });
  };
  // site.yaml's mistakes are told once, by the site's own language.
  const loaded = await loadSiteConfig(
    content,
    overrides,
    overrides.languageView === undefined ? (found) => typo(SITE_CONFIG_KEY, found) : undefined,
  );
  const site = preview === undefined ? loaded : { ...loaded, preview };
  const keys: string[] = [];
  for await (const info of content.list('posts/'))
    if (keyProblem(info.key) === undefined) keys.push(info.key);
  const roles = [...markdownRoles(keys, isPostKey, site)];
  const withRole = (role: MarkdownRole) => roles.filter(([, r]) => r === role).map(([key]) => key);
  const postKeys = withRole('post');
  // Translations in the languages the site publishes are their languages' posts; a language's view
  // leaves the notices to the site's own run.
  const inView = site.defaultLanguage !== undefined;
  const translations = inView ? [] : leftOutTranslations(withRole('translation'), site);
  const bundled = inView ? [] : withRole('bundled');
  if (translations.length > 0)
    log.info('translations left out', { notice: translationsNotice(translations, site) });
  if (bundled.length > 0)
    log.info('markdown in bundles left out', { notice: bundledMarkdownNotice(bundled) });
  const failed: PostError[] = [];
  const parsed: PostMeta[] = [];
  const warnings: BodyWarning[] = [];
  const digests = new Map<string, number>();
  for (const result of await readPosts(content, postKeys, site)) {
    if ('post' in result) {
      parsed.push(withOwnStrings(result.post));
      digests.set(result.post.source, result.digest);
      for (const found of result.typos) typo(result.post.source, found);
      for (const warning of result.warnings) {
        warnings.push({ file: result.post.source, warning });
        bodyWarnings(log, result.post.source)(warning);
      }
    } else failed.push(result.error);
  }
  const decided = await decidePublished({ content, log }, site, parsed, failed, clock.now());
  return {
    site,
    ...decided,
    typos,
    warnings,
    resources: resourceBundles(keys, site),
    translations,
    bundled,
    digests,
    keys,
  };
}

/** What a full build decides from every post's front matter: see {@link decidePublished}. */
export type DecidedPosts = Pick<ReadSite, 'posts' | 'failed' | 'brokenLinks'>;

/**
 * Decides which of the parsed posts are published at `now`: posts linking to a missing post are left
 * out, then the catalogue decides drafts, schedule, expiry and URL conflicts. Errors are logged and
 * returned sorted by file. Shared by full builds, one-run rebuilds and a fan-out rebuild's catalogue.
 * @param parsed - every post that parsed (metadata only), in listing order
 * @param unparsed - the posts that did not parse
 */
export async function decidePublished(
  deps: Pick<BuildSiteDeps, 'content' | 'log'>,
  site: SiteConfig,
  parsed: readonly PostMeta[],
  unparsed: readonly PostError[],
  now: Date,
): Promise<DecidedPosts> {
  const failed = [...unparsed];
  const linked = await withoutBrokenLinks(deps.content, site, parsed, failed);
  const posts = catalogue(linked, now);
  const kept = new Set(linked.map((p) => p.source));
  const brokenLinks = parsed.filter((p) => !kept.has(p.source)).map((p) => p.source);
  failed.push(...posts.conflicts);
  failed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const error of failed)
    deps.log.warn('post not published', { key: error.file, field: error.field, reason: error.reason });
  return { posts, failed, brokenLinks };
}

/**
 * Leaves out posts that link (`ref`, `post_url`…) to a post that does not exist, adding their
 * errors to `failed`; then posts that linked only to those, and so on. Links resolve against every
 * post that is not a draft, as in incremental runs, which resolve against the post index.
 */
async function withoutBrokenLinks(
  content: BlobStore,
  site: SiteConfig,
  parsed: readonly PostMeta[],
  failed: PostError[],
): Promise<PostMeta[]> {
  let posts = [...parsed];
  for (;;) {
    const refs = new RefIndex(posts.filter((p) => !p.draft));
    const broken: PostError[] = [];
    await mapLimit(
      posts.filter((p) => p.linksToPosts && !p.draft),
      IO_CONCURRENCY,
      async (meta) => {
        try {
          await renderFromStore(content, meta, site, { refs });
        } catch (error) {
          if (!(error instanceof PostError)) throw error;
          broken.push(error);
        }
      },
    );
    if (broken.length === 0) return posts;
    failed.push(...broken);
    const gone = new Set(broken.map((e) => e.file));
    posts = posts.filter((p) => !gone.has(p.source));
  }
}

/**
 * The post's metadata with its title, summary and dates in memory of their own. The YAML parser's
 * values are slices of the front matter's text, and dates are joined from parts: a title or summary
 * kept its file's whole front matter alive, 4 MB of the 38 MB a 10,000-post build holds throughout
 * (every post's metadata stays in memory for neighbours and list pages).
 */
function withOwnStrings(meta: PostMeta): PostMeta {
  // A JSON round trip copies a string into a new, flat one that shares no other string's memory.
  const own = (text: string): string => JSON.parse(JSON.stringify(text)) as string;
  meta.title = own(meta.title);
  meta.summary = own(meta.summary);
  meta.published = own(meta.published);
  meta.updated = own(meta.updated);
  return meta;
}

/** The name of each term with a feed, as the feed plan names it. */
function termNamesOf(plan: readonly PlannedFeed<unknown>[]): TermNames {
  const names = new Map<string, string>();
  for (const { scope, folder } of plan) if (scope.kind === 'term') names.set(folder, scope.term.name);
  return (taxonomy, slug) => names.get(termFolder(taxonomy, slug));
}

function renderedMissing(post: PostMeta): never {
  throw new Error(`internal: ${post.source} reached a feed without being rendered`);
}
