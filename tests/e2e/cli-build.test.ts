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
