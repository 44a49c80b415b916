import type { SiteConfig } from '../config/site-config.ts';
import { type Html, html, raw } from '../pages/html.ts';

// Mail clients ignore most CSS: layout is tables and inline styles; the <style> block only adds
// dark mode and small-screen padding for clients that honour it (Apple Mail, Gmail apps, Outlook.com).
const STYLE = `
body { margin: 0; padding: 0; -webkit-text-size-adjust: 100%; }
a { color: #1a4fa0; }
@media (prefers-color-scheme: dark) {
  body, .bg { background: #121212 !important; }
  .card { background: #1e1e1e !important; color: #e8e6e3 !important; }
  .card a { color: #8ab4f8 !important; }
  .muted { color: #a9a9a9 !important; }
  .rule { border-color: #3a3a3a !important; }
}
@media (max-width: 620px) {
  .card { padding: 18px 16px !important; border-radius: 0 !important; }
  .outer { padding: 0 !important; }
}
`;

/**
 * A date and time as a mail states it: in the site's time zone, with the zone named, since the
 * reader may live anywhere ("30 November 2026 at 09:00 GMT (Europe/London)").
 */
export function mailTime(site: SiteConfig, instant: Date): string {
  const local = new Intl.DateTimeFormat(site.language, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone: site.timezone,
  }).format(instant);
  return site.timezone === 'UTC' ? local : `${local} (${site.timezone})`;
}

export const FONT = "font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
export const MUTED = 'color: #5c5c5c';

/**
 * The document around every e-mail Herald sends: a centred card of at most 600 px, readable with
 * images off, in dark mode (colour-scheme meta plus a media query) and on a phone.
 * @param preheader - the line mail apps show after the subject in the inbox
 */
export function emailDocument(site: SiteConfig, subject: string, preheader: string, body: Html): string {
  return `<!doctype html>\n${html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${subject}</title>
<style>${raw(STYLE)}</style>
</head>
<body class="bg" style="margin: 0; padding: 0; background: #f3f3f0">
<div style="display: none; max-height: 0; overflow: hidden; mso-hide: all">${preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="bg" style="background: #f3f3f0">
<tr><td align="center" class="outer" style="padding: 24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width: 600px">
<tr><td class="card" style="background: #ffffff; color: #1b1b1b; padding: 24px 28px; border-radius: 8px; ${FONT}; font-size: 16px; line-height: 1.55">
${body}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`}`;
}
