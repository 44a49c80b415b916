/**
 * Why a content key cannot name a post or a static file, or undefined when it can. A key must be
 * the only spelling of its path: `posts/../x.md`, `posts//x.md` or `posts/./x.md` would be one file
 * to a filesystem or a browser and another to S3, so an incremental publish and a full build (or
 * local mode's disk and AWS) could disagree on what the site holds, and a local store could be
 * made to write outside its folder.
 * @param key - an object key as S3 reports it (decoded)
 */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (new TextEncoder().encode(key).byteLength > 1024) return 'is longer than 1,024 bytes (the S3 limit)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'contains a control character';
  if (key.includes('\\')) return 'contains a backslash, which some systems read as a folder separator';
  const segments = key.split('/');
  // A trailing "/" is a folder marker (the S3 console writes them); other empty segments are not.
  if (segments.at(-1) === '') segments.pop();
  if (segments.some((s) => s === '')) return 'has an empty path segment ("//" or a leading "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a "." or ".." path segment';
  return undefined;
}
