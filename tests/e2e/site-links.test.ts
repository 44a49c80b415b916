import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'parse5';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../functions/adapters/clocks.ts';
import { FsBlobStore } from '../../functions/adapters/fs-blob-store.ts';
import { silentLogger } from '../../functions/adapters/loggers.ts';
import { buildSite } from '../../functions/app/build-site.ts';
import { brokenLinks, htmlFiles } from '../helpers/site-links.ts';

const CONTENT = fileURLToPath(new URL('../../content', import.meta.url));
const BASE = 'https://fieldnotes.example.org/';
const out = mkdtempSync(join(tmpdir(), 'herald-site-'));

beforeAll(async () => {
  const report = await buildSite({
    content: new FsBlobStore(CONTENT),
    output: new FsBlobStore(out),
    clock: fixedClock(new Date('2025-01-01T00:00:00Z')),
    log: silentLogger,
  });
  expect(report.failed).toEqual([]);
});

describe('the sample site as built', () => {
  it('has only well-formed pages', () => {
    const files = htmlFiles(out);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const errors: string[] = [];
      parse(readFileSync(join(out, file), 'utf8'), { onParseError: (e) => errors.push(e.code) });
      expect([file, errors]).toEqual([file, []]);
    }
  });

  it('has no broken internal link, image or feed item link', () => {
    const broken = brokenLinks(out, BASE, (file, url) =>
      expect([file, url]).toEqual([file, expect.stringMatching(/^https?:\/\//)]),
    );
    expect(broken).toEqual([]);
  });
});
