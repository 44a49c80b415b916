import type { SiteConfig } from '../config/site-config.ts';
import { html, raw } from '../pages/html.ts';
import { THEME_CSS } from '../pages/theme.ts';
import type { Term } from '../posts/post.ts';

/** A short page the subscribe API answers with: what happened and what to do next. */
export function messagePage(site: SiteConfig, title: string, message: string): string {
  return page(
    site,
    title,
    html`<h1>${title}</h1>\n<p>${message}</p>\n<p><a href="${site.baseUrl}">Back to ${site.title}</a></p>`,
  );
}

/**
 * The page an unsubscribe link opens: a button, because link scanners and previews follow GETs and
 * must not end a subscription.
 * @param action - where the button posts (the unsubscribe URL with its token)
 */
export function unsubscribePage(site: SiteConfig, action: string): string {
  return page(
    site,
    'Unsubscribe',
    html`<h1>Unsubscribe from ${site.title}?</h1>
<p>You will get no more e-mail digests. You can subscribe again at any time.</p>
<form method="post" action="${action}"><input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form>
<p><a href="${site.baseUrl}">Back to ${site.title}</a></p>`,
  );
}

/** What the preferences page shows. */
export interface PreferencesView {
  email: string;
  /** The site's categories, to choose from. */
  categories: readonly Term[];
  /** The reader's category slugs; empty means every post. */
  chosen: readonly string[];
  paused: boolean;
  /** Where the form posts (the preferences URL with its token). */
  action: string;
  /** A line above the form, e.g. after saving. */
  notice?: string;
}

/**
 * The preferences page a digest's footer links to: choose categories, pause, or unsubscribe. No
 * login: the link is signed. GET shows it; the form posts changes.
 */
export function preferencesPage(site: SiteConfig, view: PreferencesView): string {
  // A category the reader chose that no post carries any more stays visible, so it can be unticked.
  const known = new Set(view.categories.map((c) => c.slug));
  const all = [
    ...view.categories,
    ...view.chosen.filter((s) => !known.has(s)).map((slug) => ({ slug, name: slug })),
  ];
  return page(
    site,
    'Your subscription',
    html`<h1>Your subscription to ${site.title}</h1>
${
  view.notice
    ? html`<p role="status"><strong>${view.notice}</strong></p>
`
    : ''
}<p>E-mail digests go to <strong>${view.email}</strong>${view.paused ? ' (paused)' : ''}.</p>
<form method="post" action="${view.action}">
<fieldset><legend>Which posts?</legend>
<p class="meta">Tick none to get every post.</p>
${all.map(
  (c) =>
    html`<label style="display:block"><input type="checkbox" name="categories" value="${c.slug}"${view.chosen.includes(c.slug) ? raw(' checked') : ''}> ${c.name}</label>
`,
)}</fieldset>
<p><label><input type="checkbox" name="paused" value="yes"${view.paused ? raw(' checked') : ''}> Pause the digests for now (untick to resume)</label></p>
<p><button type="submit" name="action" value="save">Save</button></p>
</form>
<form method="post" action="${view.action}"><p><button type="submit" name="action" value="unsubscribe">Unsubscribe</button> and get no more e-mail.</p></form>
<p><a href="${site.baseUrl}">Back to ${site.title}</a></p>`,
  );
}

function page(site: SiteConfig, title: string, body: ReturnType<typeof html>): string {
  return `<!doctype html>\n${html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} – ${site.title}</title>
<style>${raw(THEME_CSS)}
form button{padding:.5rem 1rem;font:inherit;border:0;border-radius:4px;background:var(--accent);color:var(--bg);cursor:pointer}</style>
</head>
<body>
<header class="site"><a class="name" href="${site.baseUrl}">${site.title}</a></header>
<main id="content">
${body}
</main>
</body>
</html>
`}`;
}
