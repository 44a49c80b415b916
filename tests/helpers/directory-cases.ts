/**
 * How request paths must be answered, by CloudFront's function and the local server alike: the
 * key served, or the redirect's Location.
 */
export const DIRECTORY_CASES: { path: string; uri?: string; redirect?: string }[] = [
  { path: '/', uri: '/index.html' },
  { path: '/posts/hello/', uri: '/posts/hello/index.html' },
  { path: '/posts/hello', redirect: '/posts/hello/' },
  { path: '/categories/how-to-tech/page/2', redirect: '/categories/how-to-tech/page/2/' },
  { path: '/rss.xml', uri: '/rss.xml' },
  { path: '/categories/go/atom.xml', uri: '/categories/go/atom.xml' },
  { path: '/images/a.webp', uri: '/images/a.webp' },
  { path: '/v1.2/notes', redirect: '/v1.2/notes/' },
  { path: '/posts/caf%C3%A9', redirect: '/posts/caf%C3%A9/' },
  // A Location of //host or /\host would send the reader to another site.
  { path: '//evil', redirect: '/evil/' },
  { path: '/\\evil', redirect: '/evil/' },
];
