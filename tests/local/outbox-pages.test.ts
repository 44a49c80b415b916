import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linksIn, outboxPage } from '../../functions/local/outbox-pages.ts';

describe('outbox pages', () => {
  const folder = mkdtempSync(join(tmpdir(), 'herald-outbox-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('finds links without the punctuation around them', () => {
    expect(
      linksIn(
        'Read it (http://127.0.0.1:8080/) or at https://example.org/posts/a/. Confirm: <https://api.example.org/confirm?token=a.b-c_d>\n' +
          'Wiki: https://en.wikipedia.org/wiki/Foo_(bar), mail ann@example.org, www.example.org, http://127.0.0.1:8080/ again',
      ),
    ).toEqual([
      'http://127.0.0.1:8080/',
      'https://example.org/posts/a/',
      'https://api.example.org/confirm?token=a.b-c_d',
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
  });

  it('says "1 message", and lists the links of a mail', async () => {
    writeFileSync(
      join(folder, '2026-11-30-a.eml'),
      'From: a@example.org\r\nTo: b@example.org\r\nSubject: Hi\r\nDate: Mon, 30 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nConfirm (http://127.0.0.1:8080/api/confirm?token=x).\r\n',
    );
    const list = await outboxPage(folder, '/');
    expect(String(list.body)).toContain('(1 message)');
    const page = String((await outboxPage(folder, '/2026-11-30-a.eml')).body);
    expect(page).toContain('<li><a href="http://127.0.0.1:8080/api/confirm?token=x"');
    expect(page).not.toContain('token=x)"');
  });
});
