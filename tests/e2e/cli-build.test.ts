import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/fixtures.ts';

const HERALD = fileURLToPath(new URL('../../functions/cli/herald.mjs', import.meta.url));

async function herald(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [HERALD, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const NOW = '2024-06-01T00:00:00Z';

function workspace(): { content: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  const content = join(dir, 'content');
  cpSync(fixturePath('sites/golden'), content, { recursive: true });
  return { content, out: join(dir, 'public') };
}

describe('herald build', () => {
  it('builds a content folder, prints a summary and exits 0', async () => {
    const { content, out } = workspace();
    const result = await herald(['build', '--content', content, '--out', out, '--now', NOW]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Published 4 posts');
    expect(result.stdout).toContain('(1 draft, 0 scheduled, 0 failed)');
    expect(readFileSync(join(out, 'rss.xml'), 'utf8')).toBe(
      readFileSync(fixturePath('../core/__golden__/rss.xml'), 'utf8'),
    );
    expect(existsSync(join(out, 'images/diagram.png'))).toBe(true);
    expect(existsSync(join(out, 'categories/security/feed.json'))).toBe(true);
  });

  it('reports a bad post as path: field: reason, publishes the rest and exits 1', async () => {
    const { content, out } = workspace();
    writeFileSync(join(content, 'posts/broken.md'), '---\ntitle: Broken\ndate: 31/31/2024\n---\nx\n');
    const result = await herald(['build', '--content', content, '--out', out, '--now', NOW]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/content\/posts\/broken\.md: date: "31\/31\/2024" is not a date/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toContain('Published 4 posts');
  });

  it('names the field of a bad site.yaml and exits 2 without a stack trace', async () => {
    const { content, out } = workspace();
    writeFileSync(join(content, 'site.yaml'), 'title: T\nbaseUrl: not a url\nauthor: A\n');
    const result = await herald(['build', '--content', content, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/site\.yaml: baseUrl: must be an absolute URL/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('overrides the base URL and rejects a bad --now', async () => {
    const { content, out } = workspace();
    const ok = await herald([
      'build',
      '--content',
      content,
      '--out',
      out,
      '--base-url',
      'http://localhost:8080/',
    ]);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, 'feed.json'), 'utf8')).toContain(
      '"feed_url": "http://localhost:8080/feed.json"',
    );
    const bad = await herald(['build', '--content', content, '--now', 'yesterday']);
    expect(bad.code).not.toBe(0);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('use an ISO 8601 date and time');
  });
});

describe('herald build and likely mistakes', () => {
  it('warns of misspelt fields in posts and site.yaml, and still publishes', async () => {
    const { content, out } = workspace();
    writeFileSync(
      join(content, 'site.yaml'),
      `${readFileSync(join(content, 'site.yaml'), 'utf8')}autor: Bob\n`,
    );
    writeFileSync(
      join(content, 'posts', 'typo.md'),
      '---\ntitle: Typo\ndate: 2024-01-01\ncategoires: [Go]\ntgas: [x]\n---\nBody\n',
    );
    const result = await herald(['build', '--content', content, '--out', out, '--now', NOW]);
    expect(result.code).toBe(0);
    // Paths outside the working folder are shown absolute.
    const rel = (file: string) => join(content, file);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `  ${rel('site.yaml')}: warning: autor: not a field Herald reads, ignored (did you mean "author"?)`,
      `  ${rel('posts/typo.md')}: warning: categoires: not a field Herald reads, ignored (did you mean "categories"?)`,
      `  ${rel('posts/typo.md')}: warning: tgas: not a field Herald reads, ignored (did you mean "tags"?)`,
    ]);
  });

  it('refuses a permalink with an unknown token: exit 2, nothing written', async () => {
    const { content, out } = workspace();
    writeFileSync(
      join(content, 'site.yaml'),
      readFileSync(join(content, 'site.yaml'), 'utf8').replace(/^permalink:.*$/m, '') +
        'permalink: /:yaer/:slug/\n',
    );
    const result = await herald(['build', '--content', content, '--out', out, '--now', NOW]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/site\.yaml: permalink: :yaer is not a token \(did you mean :year\?\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('herald new', () => {
  it('writes a draft in the style of the site, which build then holds back, and never overwrites', async () => {
    const { content, out } = workspace();
    const args = ['new', 'A "New" Post: Notes', '--content', content, '--now', '2024-07-01T23:30:00Z'];
    const first = await herald(args);
    expect(first.code).toBe(0);
    // The golden site keeps flat YAML posts dated with date: in Europe/London (BST, +01:00), most
    // of them with categories.
    const file = join(content, 'posts', 'a-new-post-notes.md');
    expect(first.stdout).toBe(
      `Wrote ${file} (draft: true; set it to false, or delete the line, to publish)\n`,
    );
    const written = readFileSync(file, 'utf8');
    expect(written).toBe(
      '---\ntitle: "A \\"New\\" Post: Notes"\ndate: 2024-07-02T00:30:00+01:00\nslug: a-new-post-notes\ncategories: []\ndraft: true\n---\n\n',
    );
    const again = await herald(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      'herald new: posts/a-new-post-notes.md: already exists; choose another title, or pass --slug\n',
    );
    expect(readFileSync(file, 'utf8')).toBe(written);
    const build = await herald(['build', '--content', content, '--out', out, '--now', NOW]);
    expect(build.stdout).toContain('(2 draft, 0 scheduled, 0 failed)');
  });
});

describe('herald start', () => {
  it('names a port that is taken and the option to change it, without a stack trace', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    try {
      const { content } = workspace();
      const data = join(content, '..', 'data');
      const result = await herald([
        'start',
        '--content',
        content,
        '--data',
        data,
        '--port',
        '0',
        '--s3-port',
        String(port),
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(
        `herald start: port ${port} is in use: stop what uses it, or pass --s3-port N (0 for any free port)`,
      );
    } finally {
      blocker.close();
    }
  });
});
