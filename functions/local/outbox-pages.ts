import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LinkifyIt } from 'linkify-it';
import { type ParsedMail, simpleParser } from 'mailparser';
import { escapeHtml } from '../core/text/html-text.ts';

/** A page of local mode's outbox: `/_outbox/` lists the mail, `/_outbox/<file>` shows one. */
export interface OutboxPage {
  status: number;
  type: string;
  body: string | Buffer;
}

/**
 * Renders the outbox folder for a browser: newest mail first with recipient and subject; each mail
 * with its headers, its links, its HTML (in a sandboxed frame: no scripts) and its plain text.
 * @param path - the request path below `/_outbox/`
 */
export async function outboxPage(folder: string, path: string): Promise<OutboxPage> {
  const name = decodeURIComponent(path.replace(/^\/+/, ''));
  if (name === '') return { status: 200, type: 'text/html; charset=utf-8', body: await listPage(folder) };
  const raw = name.endsWith('/raw');
  const file = raw ? name.slice(0, -'/raw'.length) : name;
  if (!/^[^/\\]+\.eml$/.test(file)) return notFound();
  let bytes: Buffer;
  try {
    bytes = await readFile(join(folder, file));
  } catch {
    return notFound();
  }
  if (raw) return { status: 200, type: 'message/rfc822', body: bytes };
  return { status: 200, type: 'text/html; charset=utf-8', body: mailPage(file, await simpleParser(bytes)) };
}

async function listPage(folder: string): Promise<string> {
  let files: string[] = [];
  try {
    files = (await readdir(folder))
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .reverse();
  } catch {
    // No mail yet: the folder appears with the first message.
  }
  const rows = await Promise.all(
    files.slice(0, 500).map(async (file) => {
      const mail = await simpleParser(await readFile(join(folder, file)), {
        skipHtmlToText: true,
        skipTextToHtml: true,
      });
      return `<tr><td>${escapeHtml(mail.date?.toISOString().replace('T', ' ').slice(0, 19) ?? '')}</td><td>${escapeHtml(addresses(mail.to))}</td><td><a href="/_outbox/${encodeURIComponent(file)}">${escapeHtml(mail.subject ?? '(no subject)')}</a></td></tr>`;
    }),
  );
  return shell(
    'Outbox',
    `<h1>Outbox</h1><p>Mail Herald sent in local mode (${files.length} ${files.length === 1 ? 'message' : 'messages'}), newest first. Each is an .eml file in the outbox folder.</p>
<table><thead><tr><th>Date</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
  );
}

function mailPage(file: string, mail: ParsedMail): string {
  const headers = mail.headerLines
    .filter((h) =>
      /^(from|to|reply-to|subject|date|message-id|list-unsubscribe|list-unsubscribe-post|list-id)$/.test(
        h.key,
      ),
    )
    .map(
      (h) =>
        `<tr><th>${escapeHtml(h.line.slice(0, h.line.indexOf(':')))}</th><td>${escapeHtml(h.line.slice(h.line.indexOf(':') + 1).trim())}</td></tr>`,
    )
    .join('\n');
  const links = linksIn(mail.text ?? '')
    .map(
      (url) => `<li><a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(url)}</a></li>`,
    )
    .join('\n');
  // The HTML part is shown as a mail client would: no scripts, links open outside the frame.
  const html =
    typeof mail.html === 'string' ? mail.html.replace(/<head>/i, '<head><base target="_blank">') : '';
  return shell(
    mail.subject ?? file,
    `<p><a href="/_outbox/">← Outbox</a> · <a href="/_outbox/${encodeURIComponent(file)}/raw">Raw .eml</a></p>
<h1>${escapeHtml(mail.subject ?? '(no subject)')}</h1>
<table class="headers">${headers}</table>
<h2>Links</h2><ul>${links}</ul>
<h2>HTML</h2>
<iframe title="HTML part" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(html)}"></iframe>
<h2>Plain text</h2>
<pre>${escapeHtml(mail.text ?? '')}</pre>`,
  );
}

function addresses(field: ParsedMail['to']): string {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.map((a) => a.text).join(', ');
}

function notFound(): OutboxPage {
  return {
    status: 404,
    type: 'text/html; charset=utf-8',
    body: shell('Not found', '<h1>No such mail</h1><p><a href="/_outbox/">Outbox</a></p>'),
  };
}

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} – Herald (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}iframe{width:100%;height:40rem;border:1px solid #ccc}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}</style>
<body>${body}</body></html>\n`;
}

// Web links only: an address in the text (the reply-to, the postal line) is not a link to follow.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false });

/**
 * The distinct http(s) links of a plain-text mail, in order. A link finder, not a pattern: it
 * leaves out the punctuation around a link, such as the parenthesis of `(http://x.example/)` or a
 * sentence's full stop, and keeps what belongs to it, such as `?a=1&b=(2)`.
 */
export function linksIn(text: string): string[] {
  const urls = (linkify.match(text) ?? []).map((m) => m.url).filter((url) => /^https?:\/\//i.test(url));
  return [...new Set(urls)];
}
