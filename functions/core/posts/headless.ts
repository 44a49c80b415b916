import { type FrontMatterFields, readFlag } from './field-values.ts';

/**
 * Does the front matter make this file a Hugo headless bundle: `headless: true`, or Hugo's build
 * options saying the page is never rendered or never listed (`build: { render: never }`,
 * `_build: { list: false }`)? Such a file holds resources or text for other pages: no page of its
 * own and no place in lists, so for Herald it is no post (a feed is a list).
 * @param fields - the file's front matter
 */
export function isHeadless(fields: FrontMatterFields): boolean {
  const headless = fields.find(['headless']);
  if (headless !== undefined && readFlag(headless.value) === true) return true;
  const build = fields.find(['build', '_build'])?.value;
  if (build === null || typeof build !== 'object' || Array.isArray(build)) return false;
  return Object.entries(build).some(
    ([option, value]) =>
      /^(render|list)$/i.test(option) && (value === false || /^(never|false)$/i.test(String(value))),
  );
}
