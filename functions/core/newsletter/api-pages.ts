import type { SiteConfig } from '../config/site-config.ts';
import { html, raw } from '../pages/html.ts';
import { THEME_CSS } from '../pages/theme.ts';

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
