/** What a request path maps to: a key of the site bucket, or a redirect to the directory's URL. */
export type DirectoryAnswer = { uri: string } | { redirect: string };

/**
 * How a request path maps to the site bucket, in one place for CloudFront and the local server:
 * `/posts/x/` is `/posts/x/index.html`; `/posts/x` (a last segment without a dot) redirects to
 * `/posts/x/`, so that the page's relative links resolve as they do at its canonical URL; any
 * other path is a key as it is. A redirect never starts with `//` or `/\`, which browsers would
 * read as another host.
 *
 * It is JavaScript source because the CloudFront function runs it as written (cloudfront-js-2.0
 * has no modules and no TypeScript); the local server compiles the same text below.
 */
export const DIRECTORY_RULE_SOURCE = `function directoryRule(uri) {
  if (uri.slice(-1) === '/') return { uri: uri + 'index.html' };
  if (uri.slice(uri.lastIndexOf('/') + 1).indexOf('.') < 0)
    return { redirect: '/' + uri.replace(/^[\\/\\\\]+/, '') + '/' };
  return { uri: uri };
}`;

/**
 * The rule of {@link DIRECTORY_RULE_SOURCE}, callable here.
 * @param uri - the request path, percent-encoded as it arrived, starting with `/`
 */
export const directoryRule = new Function(`${DIRECTORY_RULE_SOURCE}\nreturn directoryRule;`)() as (
  uri: string,
) => DirectoryAnswer;

/**
 * The source of the CloudFront viewer-request function: the rule, answering a redirect with a 301
 * and a directory path by rewriting the request to its index.html.
 */
export const CLOUDFRONT_DIRECTORY_FUNCTION = `${DIRECTORY_RULE_SOURCE}
function handler(event) {
  var answer = directoryRule(event.request.uri);
  if (answer.redirect !== undefined)
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: answer.redirect } } };
  event.request.uri = answer.uri;
  return event.request;
}`;
