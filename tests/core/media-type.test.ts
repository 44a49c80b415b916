import { describe, expect, it } from 'vitest';
import { imageTypeOf, mediaTypeOf } from '../../functions/core/feeds/media-type.ts';

describe('mediaTypeOf', () => {
  it.each([
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['feed.xsl', 'application/xml; charset=utf-8'],
    ['fonts/Inter.ttf', 'font/ttf'],
    ['fonts/Inter.woff2', 'font/woff2'],
    ['episode.m4a', 'audio/mp4'],
    ['events.ics', 'text/calendar; charset=utf-8'],
    ['data.csv', 'text/csv; charset=utf-8'],
    ['site.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['style.CSS', 'text/css; charset=utf-8'],
    ['index.html', 'text/html; charset=utf-8'],
    ['doc.pdf', 'application/pdf'],
    ['favicon.ico', 'image/x-icon'],
    ['logo.svg', 'image/svg+xml'],
    ['https://cdn.example/a.webp?w=200#x', 'image/webp'],
    ['no-extension', 'application/octet-stream'],
    ['archive.unknownext', 'application/octet-stream'],
  ])('%s is served as %s', (name, type) => {
    expect(mediaTypeOf(name)).toBe(type);
  });

  it('names image types only for images', () => {
    expect(imageTypeOf('/images/a.JPG')).toBe('image/jpeg');
    expect(imageTypeOf('/images/a.avif')).toBe('image/avif');
    expect(imageTypeOf('/files/a.pdf')).toBeUndefined();
  });
});
